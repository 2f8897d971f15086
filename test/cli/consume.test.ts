import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  BIN,
  cleanEnv,
  dataDir,
  finished,
  killAfter,
  ok,
  ROOT,
  startTml,
  tml,
  waitForOutput,
} from './tml.js';

async function withRecords(dir: string): Promise<void> {
  await ok(dir, ['topics', 'create', 't', '--partitions', '2']);
  await ok(dir, ['produce', 't', '--partition', '0', 'a0', 'a1', 'a2', 'a3']);
  await ok(dir, ['produce', 't', '--partition', '1', 'b0', 'b1']);
}

test('consume prints every value, partition by partition, and stops at the end', async (t) => {
  const dir = dataDir(t);
  await withRecords(dir);
  assert.equal(await ok(dir, ['consume', 't']), 'a0\na1\na2\na3\nb0\nb1\n');
  assert.equal(await ok(dir, ['consume', 't', '--offset', 'earliest', '--max-records', '3']), 'a0\na1\na2\n');
  assert.equal(await ok(dir, ['consume', 't', '--offset', 'latest']), '');
});

test('consume from an offset of a partition', async (t) => {
  const dir = dataDir(t);
  await withRecords(dir);
  assert.equal(await ok(dir, ['consume', 't', '--partition', '0', '--offset', '2']), 'a2\na3\n');
  assert.equal(await ok(dir, ['consume', 't', '-p', '1', '-o', '1', '-n', '5']), 'b1\n');
  // The end of the log is a valid place to start: nothing to print.
  assert.equal(await ok(dir, ['consume', 't', '-p', '1', '-o', '2']), '');
});

test('consume --json prints one object per record with every field', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't']);
  await ok(dir, ['produce', 't', '--key', 'k', 'v1', 'v2']);
  const lines = (await ok(dir, ['consume', 't', '--json'])).trimEnd().split('\n');
  assert.equal(lines.length, 2);
  const record = JSON.parse(lines[1]);
  assert.deepEqual(Object.keys(record), [
    'topic',
    'partition',
    'offset',
    'timestamp',
    'key',
    'value',
    'headers',
  ]);
  assert.equal(record.topic, 't');
  assert.equal(record.partition, 0);
  assert.equal(record.offset, 1);
  assert.equal(record.key, 'k');
  assert.equal(record.value, 'v2');
  assert.deepEqual(record.headers, {});
  assert.ok(Math.abs(record.timestamp - Date.now()) < 60_000);
});

test('consume --from-timestamp starts at the first record at or after the time', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't']);
  const records = [1000, 2000, 3000].map((timestamp, i) => JSON.stringify({ value: `r${i}`, timestamp }));
  await ok(dir, ['produce', 't', '--records'], { input: records.join('\n') });
  assert.equal(await ok(dir, ['consume', 't', '--from-timestamp', '1500']), 'r1\nr2\n');
  assert.equal(await ok(dir, ['consume', 't', '--from-timestamp', '1970-01-01T00:00:03Z']), 'r2\n');
  assert.equal(await ok(dir, ['consume', 't', '--from-timestamp', '4000']), '');
});

test('consume --group commits: the next run of the group continues after it', async (t) => {
  const dir = dataDir(t);
  await withRecords(dir);
  const first = await ok(dir, ['consume', 't', '--group', 'g', '--max-records', '2']);
  assert.equal(first.split('\n').filter(Boolean).length, 2);
  const rest = await ok(dir, ['consume', 't', '--group', 'g']);
  const all = [...first.split('\n'), ...rest.split('\n')].filter(Boolean).sort();
  assert.deepEqual(all, ['a0', 'a1', 'a2', 'a3', 'b0', 'b1']);
  assert.equal(await ok(dir, ['consume', 't', '--group', 'g']), '');
  // Another group starts from the beginning; 'latest' applies to a group without commits.
  assert.equal((await ok(dir, ['consume', 't', '--group', 'other'])).split('\n').filter(Boolean).length, 6);
  assert.equal(await ok(dir, ['consume', 't', '--group', 'third', '--offset', 'latest']), '');
});

test('consume --follow waits for new records and exits cleanly on SIGINT', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't', '--partitions', '2']);
  await ok(dir, ['produce', 't', '--partition', '1', 'before']);
  const child = killAfter(t, startTml(dir, ['consume', 't', '--follow']));
  const result = finished(child);
  await waitForOutput(child, (out) => out.includes('before\n'));
  // While it follows, it holds the embedded backbone: another process is told so, and changes nothing.
  const blocked = await tml(dir, ['produce', 't', 'x']);
  assert.equal(blocked.code, 1);
  assert.match(blocked.stderr, /^tml: the data directory .* is in use by process \d+/);
  assert.equal(blocked.stderr.split('\n').filter(Boolean).length, 1);
  child.kill('SIGINT');
  const { code, signal, stdout, stderr } = await result;
  assert.equal(signal, null);
  assert.equal(code, 0);
  assert.equal(stdout, 'before\n');
  assert.equal(stderr, '');
});

test('consume --follow receives a record produced after it started (one process holding the backbone)', async (t) => {
  const dir = dataDir(t);
  // The embedded backbone admits one process per data directory, so the record is produced by the
  // same process: a driver that runs the CLI's consume --follow and appends each line of its stdin.
  const driver = killAfter(
    t,
    spawn(process.execPath, [join(ROOT, 'dist', 'test', 'cli', 'follow-driver.js'), dir, 't'], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const result = finished(driver);
  driver.stdin.write('first\n');
  await waitForOutput(driver, (out) => out.includes('"value":"first"'));
  driver.stdin.write('second\n');
  // everything the driver printed so far: the first record and the second
  const printed = await waitForOutput(driver, (text) => text.includes('"value":"second"'));
  const records = printed
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    records.map((r) => [r.partition, r.offset, r.value]),
    [
      [0, 0, 'first'],
      [0, 1, 'second'],
    ],
  );
  driver.kill('SIGINT');
  const { code, stderr } = await result;
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('consume | head: a closed stdout ends consume quietly, even with --follow', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't']);
  await ok(dir, ['produce', 't', '-'], {
    input: Array.from({ length: 50_000 }, (_, i) => `v${i}`).join('\n'),
  });
  // head exits after one line; tml has far more than a pipe buffer left to write, and gets EPIPE.
  const script = `"${process.execPath}" "${BIN}" --data-dir "${dir}" consume t --follow | head -n 1; echo "tml exit \${PIPESTATUS[0]}" >&2`;
  const shell = killAfter(
    t,
    spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const { code, stdout, stderr } = await finished(shell);
  assert.equal(code, 0);
  assert.equal(stdout, 'v0\n');
  assert.equal(stderr, 'tml exit 0\n');
});
