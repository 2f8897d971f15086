// Bad input: one line `tml: <message>` on stderr, exit code 2 for a rejected command line and 1 for a
// failure while running, and nothing already stored changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, offsets, ok, tml, type TmlResult } from './tml.js';

function assertFails(result: TmlResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.match(lines[0], /^tml: /);
  assert.match(lines[0], message);
}

/** A data directory with topic 't' (2 partitions) holding a few records. */
async function seeded(dir: string): Promise<string> {
  await ok(dir, ['topics', 'create', 't', '--partitions', '2']);
  await ok(dir, ['produce', 't', '-p', '0', 'a', 'b']);
  await ok(dir, ['produce', 't', '-p', '1', 'c']);
  return offsets(dir, 't');
}

test('invalid topic names are rejected with exit 2, naming the problem', async (t) => {
  const dir = dataDir(t);
  const before = await seeded(dir);
  const cases: Array<[string[], RegExp]> = [
    [['topics', 'create', 'bad name'], /invalid topic name 'bad name': only ASCII letters/],
    [['topics', 'create', '..'], /invalid topic name '\.\.'/],
    [['topics', 'create', 'x'.repeat(250)], /250 characters, the maximum is 249/],
    [['topics', 'create', 'ünïcode'], /invalid topic name/],
    [['produce', 't/1', 'v'], /invalid topic name 't\/1'/],
    [['consume', 'a b'], /invalid topic name 'a b'/],
    [['topics', 'describe', 'a*'], /invalid topic name 'a\*'/],
    [['topics', 'delete', '.'], /invalid topic name '\.'/],
  ];
  for (const [args, message] of cases) assertFails(await tml(dir, args), 2, message);
  assert.equal(await ok(dir, ['topics', 'list']), 't\n');
  assert.equal(await offsets(dir, 't'), before);
});

test('an unknown topic is a runtime error (exit 1) and creates nothing', async (t) => {
  const dir = dataDir(t);
  await seeded(dir);
  for (const args of [
    ['produce', 'missing', 'v'],
    ['consume', 'missing'],
    ['consume', 'missing', '--group', 'g'],
    ['topics', 'describe', 'missing'],
    ['topics', 'delete', 'missing'],
  ]) {
    assertFails(await tml(dir, args), 1, /^tml: topic 'missing' does not exist$/);
  }
  // produce checks the topic before it reads stdin.
  assertFails(
    await tml(dir, ['produce', 'missing'], { input: 'a\nb\n' }),
    1,
    /topic 'missing' does not exist/,
  );
  assert.equal(await ok(dir, ['topics', 'list']), 't\n');
});

test('bad numbers are rejected naming the option', async (t) => {
  const dir = dataDir(t);
  const before = await seeded(dir);
  const cases: Array<[string[], RegExp]> = [
    [
      ['topics', 'create', 'n', '--partitions', 'abc'],
      /option '-p, --partitions <n>' argument 'abc' is invalid/,
    ],
    [
      ['topics', 'create', 'n', '--partitions', '0'],
      /--partitions <n>' argument '0' is invalid\. expected an integer >= 1/,
    ],
    [['topics', 'create', 'n', '--partitions', '-2'], /--partitions <n>' argument '-2' is invalid/],
    [['topics', 'create', 'n', '--partitions', '1.5'], /--partitions <n>' argument '1\.5' is invalid/],
    [['topics', 'create', 'n', '--replication-factor', 'two'], /--replication-factor <n>' argument 'two'/],
    [
      ['topics', 'create', 'n', '--config', 'retention.ms=soon'],
      /--config <key=value>' argument 'retention\.ms=soon' is invalid\. retention\.ms must be an integer/,
    ],
    [['topics', 'create', 'n', '--config', 'colour=blue'], /unknown topic config 'colour'/],
    [['topics', 'create', 'n', '--config', 'cleanup.policy=forever'], /cleanup\.policy must be/],
    [['produce', 't', '--partition', 'x', 'v'], /--partition <n>' argument 'x' is invalid/],
    [['produce', 't', '--batch-size', '0', 'v'], /--batch-size <n>' argument '0' is invalid/],
    [['consume', 't', '--max-records', 'many'], /--max-records <n>' argument 'many' is invalid/],
    [['consume', 't', '--offset', '-3', '-p', '0'], /--offset <offset>' argument '-3' is invalid/],
    [['consume', 't', '--offset', 'first'], /expected 'earliest', 'latest' or an offset >= 0/],
    [
      ['consume', 't', '--from-timestamp', 'yesterday'],
      /--from-timestamp <time>' argument 'yesterday' is invalid/,
    ],
  ];
  for (const [args, message] of cases) assertFails(await tml(dir, args), 2, message);
  assert.equal(await ok(dir, ['topics', 'list']), 't\n');
  assert.equal(await offsets(dir, 't'), before);
});

test('usage errors: unknown options and commands, missing arguments, conflicting options', async (t) => {
  const dir = dataDir(t);
  const before = await seeded(dir);
  const file = join(dir, 'values.txt');
  writeFileSync(file, 'x\n');
  const cases: Array<[string[], RegExp]> = [
    [['topics', 'list', '--colour'], /unknown option '--colour'/],
    [['topics', 'lst'], /unknown command 'lst' \(Did you mean list\?\)/],
    [['topic', 'list'], /unknown command 'topic' \(Did you mean topics\?\)/],
    [['produce'], /missing required argument 'topic'/],
    [['topics', 'create'], /missing required argument 'name'/],
    [['produce', 't', 'v', '--file', file], /give values as arguments or --file, not both/],
    [['produce', 't', 'v', '--key-column', 'k'], /--key-column applies to CSV input/],
    [['produce', 't', '--file', file, '--records', '--format', 'csv'], /--records needs JSON lines/],
    [['produce', 't', '--partition', '5', 'v'], /--partition 5: topic 't' has 2 partitions \(0\.\.1\)/],
    [['consume', 't', '--offset', '1'], /--offset 1 needs --partition: topic 't' has 2 partitions/],
    [
      ['consume', 't', '--offset', '1', '-p', '0', '--from-timestamp', '0'],
      /--offset or --from-timestamp, not both/,
    ],
    [['consume', 't', '--group', 'g', '--partition', '0'], /--partition cannot be combined with --group/],
    [['consume', 't', '-p', '2'], /--partition 2: topic 't' has 2 partitions/],
  ];
  for (const [args, message] of cases) assertFails(await tml(dir, args), 2, message);
  assert.equal(await offsets(dir, 't'), before);
});

test('a missing or unreadable --file is rejected before anything is appended', async (t) => {
  const dir = dataDir(t);
  const before = await seeded(dir);
  const missing = join(dir, 'nope.csv');
  assertFails(await tml(dir, ['produce', 't', '--file', missing]), 2, /--file .*nope\.csv: no such file/);
  assertFails(await tml(dir, ['produce', 't', '--file', dir]), 2, /is not a file/);
  assert.equal(await offsets(dir, 't'), before);
});

test('a malformed line stops produce: the lines before it are appended, and the message says where', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'j']);
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":\n{"a":4}\n');
  const result = await tml(dir, ['produce', 'j', '--file', file, '--batch-size', '1000']);
  assertFails(result, 1, /data\.jsonl line 3: not valid JSON .*; 2 records before it were appended to 'j'$/);
  assert.equal(await ok(dir, ['consume', 'j']), '{"a":1}\n{"a":2}\n');

  const records = join(dir, 'records.jsonl');
  writeFileSync(records, '{"value":"ok"}\n{"vaule":"typo"}\n');
  assertFails(
    await tml(dir, ['produce', 'j', '-f', records, '--records']),
    1,
    /line 2: unknown field 'vaule'/,
  );
  writeFileSync(records, '{"value":"ok","partition":-1}\n');
  assertFails(
    await tml(dir, ['produce', 'j', '-f', records, '--records']),
    1,
    /line 1: 'partition' must be an integer >= 0/,
  );

  const csv = join(dir, 'data.csv');
  writeFileSync(csv, 'a,b\n1,2\n3\n');
  assertFails(await tml(dir, ['produce', 'j', '-f', csv]), 1, /data\.csv: .*(record length|fields)/i);
  writeFileSync(csv, 'a,b\n1,2\n');
  assertFails(
    await tml(dir, ['produce', 'j', '-f', csv, '--key-column', 'id']),
    1,
    /has no column 'id' \(--key-column\); its columns are: a, b/,
  );
  assert.equal(await ok(dir, ['consume', 'j']), '{"a":1}\n{"a":2}\nok\n{"a":1,"b":2}\n');
});

test('a record over the size limit is refused and nothing of its batch is stored', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'small', '--config', 'max.message.bytes=100']);
  await ok(dir, ['produce', 'small', 'fits']);
  const before = await offsets(dir, 'small');
  const result = await tml(dir, ['produce', 'small', 'also fits', 'x'.repeat(200)]);
  assertFails(result, 1, /exceeds the limit of 100 bytes for topic 'small'/);
  assert.equal(await offsets(dir, 'small'), before);
  assert.equal(await ok(dir, ['consume', 'small']), 'fits\n');
});

test('a consume offset past the end is a runtime error', async (t) => {
  const dir = dataDir(t);
  await seeded(dir);
  assertFails(
    await tml(dir, ['consume', 't', '-p', '0', '-o', '99']),
    1,
    /offset 99 is out of range for t-0/,
  );
});

test('stack traces only with TML_DEBUG=1', async (t) => {
  const dir = dataDir(t);
  const plain = await tml(dir, ['topics', 'describe', 'missing']);
  assert.doesNotMatch(plain.stderr, /\n\s+at /);
  const debug = await tml(dir, ['topics', 'describe', 'missing'], { env: { TML_DEBUG: '1' } });
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /^tml: topic 'missing' does not exist\n/);
  assert.match(debug.stderr, /\n\s+at /);
});

test('a bad environment setting is reported as a usage error', async (t) => {
  const dir = dataDir(t);
  const result = await tml(dir, ['topics', 'list'], { env: { TML_DEFAULT_PARTITIONS: 'lots' } });
  assertFails(result, 2, /TML_DEFAULT_PARTITIONS must be an integer >= 1, got 'lots'/);
});

test('a full store (simulated with TML_MAX_STORAGE_BYTES) stops produce; what was stored stays intact', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 's']);
  await ok(dir, ['produce', 's', 'kept']);
  const file = join(dir, 'numbers.txt');
  writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `value-${i}`).join('\n'));
  const result = await tml(dir, ['produce', 's', '--file', file], {
    env: { TML_MAX_STORAGE_BYTES: '400000' },
  });
  assertFails(result, 1, /storage full .*; ([\d,]+) records of this run were appended before it$/);
  const appended = Number(/([\d,]+) records of this run/.exec(result.stderr)?.[1].replace(/,/g, ''));
  // Whole batches only: the batch that did not fit left nothing behind.
  assert.equal(appended % 1000, 0);
  const description = JSON.parse(await ok(dir, ['topics', 'describe', 's', '--json']));
  assert.equal(description.partitions[0].latestOffset, 1 + appended);
  const first = await ok(dir, ['consume', 's', '--max-records', '2']);
  assert.equal(first, 'kept\nvalue-0\n');
});
