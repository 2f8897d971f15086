// The compatibility table (src/server/viper/compatibility.json) against the real maadstml client:
// test/python/viper_compat.py calls every HTTP function of the installed client through its own
// transport and checks each call's endpoint, wire parameters and answer against the table; and
// docs/viper-compatibility.md's generated table must be the one the table renders to
// (`npm run docs:viper-compat` rewrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { ensureClient, hasPython, root, runScript } from './python-venv.js';

const TABLE = join(root, 'src/server/viper/compatibility.json');

test('docs/viper-compatibility.md holds the table compatibility.json renders to', async () => {
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'scripts/viper-compat-doc.js'), '--check'],
      { cwd: root, encoding: 'utf8' },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
  assert.equal(result.code, 0, result.stderr);
});

test(
  'every HTTP function of maadstml 3.70 answers as compatibility.json says',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClient();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-compat-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const open = () => openBackbone({ dataDir });
    const admin = generateToken('admin', 'compatibility');
    const backbone = await open();
    try {
      await (await openServerStore(backbone)).tokens.put(admin.record.id, admin.record);
    } finally {
      await backbone.close();
    }
    const tokenFile = join(dataDir, 'compat-admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript('viper_compat.py', ['http://127.0.0.1', port, tokenFile, TABLE]);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok?: boolean;
        checks?: number;
        failures?: string[];
        called?: string[];
      };
      assert.deepEqual(
        summary.failures,
        [],
        `viper_compat.py:\n${result.stderr}\n${result.stdout.slice(-4000)}`,
      );
      assert.equal(result.status, 0, result.stderr);
      assert.equal(summary.ok, true);
      // the 45 HTTP functions of maadstml 3.70, each called at least once
      assert.equal(summary.called?.length, 45, JSON.stringify(summary.called));
      process.stderr.write(`# viper compatibility: ${summary.checks} checks\n`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
