import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, ROOT, tml } from './tml.js';

const COMMANDS = [
  [],
  ['topics'],
  ['topics', 'create'],
  ['topics', 'list'],
  ['topics', 'describe'],
  ['topics', 'alter'],
  ['topics', 'delete'],
  ['produce'],
  ['consume'],
];

for (const command of COMMANDS) {
  test(`tml ${[...command, '--help'].join(' ')} prints usage and exits 0`, async (t) => {
    const dir = join(dataDir(t), 'never-created');
    const result = await tml(dir, [...command, '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.ok(result.stdout.startsWith(`Usage: ${['tml', ...command].join(' ')} `), result.stdout);
    assert.match(result.stdout, /--data-dir <dir>/); // global options are listed on every command
    // Help never opens the backbone.
    assert.equal(existsSync(dir), false);
  });
}

test('tml help <command> is the same as --help', async () => {
  const viaHelp = await tml(null, ['help', 'produce']);
  const viaOption = await tml(null, ['produce', '--help']);
  assert.equal(viaHelp.code, 0);
  assert.equal(viaHelp.stdout, viaOption.stdout);
});

test('tml --version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = await tml(null, ['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `${version}\n`);
});

test('tml without a command shows the help on stderr and exits 2', async () => {
  const result = await tml(null, []);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^Usage: tml /);
});
