import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { dataDir, ok, tml } from './tml.js';

interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

async function consumeAll(dir: string, topic: string): Promise<Consumed[]> {
  const out = await ok(dir, ['consume', topic, '--json']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Consumed);
}

test('produce values given as arguments, with a summary line', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't']);
  const summary = await ok(dir, ['produce', 't', 'one', 'two', 'three']);
  assert.match(
    summary,
    /^produced 3 records to 't' \(partition 0 offsets 0\.\.2\) in [\d.]+ m?s, [\d,]+ records\/s\n$/,
  );
  assert.equal(await ok(dir, ['consume', 't']), 'one\ntwo\nthree\n');

  const json = JSON.parse(await ok(dir, ['produce', 't', 'four', '--json']));
  assert.equal(json.topic, 't');
  assert.equal(json.records, 1);
  assert.deepEqual(json.partitions, [{ partition: 0, firstOffset: 3, lastOffset: 3 }]);
  assert.equal(typeof json.recordsPerSecond, 'number');
});

test('produce with --key sends every record to the key’s partition; --partition picks one', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't', '--partitions', '4']);
  await ok(dir, ['produce', 't', '--key', 'device-7', 'a', 'b', 'c', 'd', 'e']);
  const keyed = await consumeAll(dir, 't');
  assert.equal(keyed.length, 5);
  assert.equal(new Set(keyed.map((r) => r.partition)).size, 1);
  assert.ok(keyed.every((r) => r.key === 'device-7'));

  await ok(dir, ['produce', 't', '--partition', '3', 'x', 'y']);
  const records = await ok(dir, ['consume', 't', '--partition', '3', '--json']);
  const values = records
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).value);
  assert.deepEqual(values.slice(-2), ['x', 'y']);
});

test('produce lines from stdin: piped, or with "-"', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't']);
  const summary = await ok(dir, ['produce', 't'], { input: 'l1\nl2\r\n\nl3' });
  assert.match(summary, /^produced 3 records to 't'/);
  await ok(dir, ['produce', 't', '-'], { input: 'l4\n' });
  assert.equal(await ok(dir, ['consume', 't']), 'l1\nl2\nl3\nl4\n');
});

test('produce a CSV file: key and value columns, or the whole row as JSON', async (t) => {
  const dir = dataDir(t);
  const csv = join(dir, 'readings.csv');
  writeFileSync(csv, '\ufeffsensor,temp,note\ns1,21.5,ok\ns2,007,"a, b"\n\ns3,-4e2,\n');
  await ok(dir, ['topics', 'create', 'rows']);
  await ok(dir, ['topics', 'create', 'temps']);

  assert.match(
    await ok(dir, ['produce', 'rows', '--file', csv, '--key-column', 'sensor']),
    /^produced 3 records/,
  );
  const rows = await consumeAll(dir, 'rows');
  assert.deepEqual(
    rows.map((r) => [r.key, JSON.parse(r.value as string)]),
    [
      ['s1', { sensor: 's1', temp: 21.5, note: 'ok' }],
      ['s2', { sensor: 's2', temp: '007', note: 'a, b' }],
      ['s3', { sensor: 's3', temp: -400, note: '' }],
    ],
  );

  await ok(dir, ['produce', 'temps', '-f', csv, '--value-column', 'temp', '--key', 'all']);
  const temps = await consumeAll(dir, 'temps');
  assert.deepEqual(
    temps.map((r) => [r.key, r.value]),
    [
      ['all', '21.5'],
      ['all', '007'],
      ['all', '-4e2'],
    ],
  );

  const tsv = join(dir, 'data.txt');
  writeFileSync(tsv, 'a\tb\n1\t2\n');
  await ok(dir, ['produce', 'rows', '-f', tsv, '--format', 'csv', '--delimiter', '\\t']);
  const last = (await consumeAll(dir, 'rows')).at(-1);
  assert.deepEqual(JSON.parse(last?.value as string), { a: 1, b: 2 });
});

test('produce a JSON-lines file: each line a value, or with --records a whole record', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'values']);
  await ok(dir, ['topics', 'create', 'records', '--partitions', '2']);
  const values = join(dir, 'values.jsonl');
  writeFileSync(values, '{"a": 1}\n\n  \n[1,2]\n"text"\n');
  assert.match(await ok(dir, ['produce', 'values', '--file', values]), /^produced 3 records/);
  assert.equal(await ok(dir, ['consume', 'values']), '{"a": 1}\n[1,2]\n"text"\n');

  const records = join(dir, 'records.ndjson');
  writeFileSync(
    records,
    [
      '{"key": "k1", "value": {"x": 1}, "headers": {"source": "test", "n": 2}, "partition": 1, "timestamp": 1700000000000}',
      '{"value": "plain", "partition": 0, "timestamp": "2024-01-02T03:04:05Z"}',
      '{"key": "k1", "value": null, "partition": 1}',
    ].join('\n'),
  );
  assert.match(await ok(dir, ['produce', 'records', '--file', records, '--records']), /^produced 3 records/);
  const got = await consumeAll(dir, 'records');
  assert.equal(got.length, 3);
  const [plain, first, tombstone] = got; // partition 0, then partition 1
  assert.deepEqual(
    { partition: plain.partition, value: plain.value, key: plain.key, timestamp: plain.timestamp },
    { partition: 0, value: 'plain', key: null, timestamp: Date.parse('2024-01-02T03:04:05Z') },
  );
  assert.deepEqual(first, {
    topic: 'records',
    partition: 1,
    offset: 0,
    timestamp: 1700000000000,
    key: 'k1',
    value: '{"x":1}',
    headers: { source: 'test', n: '2' },
  });
  assert.equal(tombstone.value, null);
  assert.equal(await ok(dir, ['consume', 'records', '-p', '1', '-o', '1']), 'null\n');
});

test('produce streams a large file in batches without loading it whole', async (t) => {
  const dir = dataDir(t);
  const lines = 1_000_000;
  const file = join(dir, 'big.jsonl');
  const out = createWriteStream(file);
  const chunk: string[] = [];
  for (let i = 0; i < lines; i++) {
    chunk.push(`{"i":${i},"sensor":"s${i % 17}","reading":${(i * 0.37).toFixed(2)}}`);
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
  await ok(dir, ['topics', 'create', 'big', '--partitions', '3']);

  // The file (about 45 MB) does not fit in a 40 MB heap: it has to be streamed.
  const result = await tml(dir, ['produce', 'big', '--file', file, '--batch-size', '5000', '--json'], {
    nodeArgs: ['--max-old-space-size=40'],
  });
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.records, lines);
  const description = JSON.parse(await ok(dir, ['topics', 'describe', 'big', '--json']));
  const stored = description.partitions.reduce(
    (sum: number, p: { latestOffset: number; earliestOffset: number }) =>
      sum + p.latestOffset - p.earliestOffset,
    0,
  );
  assert.equal(stored, lines);
  // Unkeyed records go round-robin: the first record of each partition is one of the first three lines.
  const firsts = [];
  for (const partition of ['0', '1', '2']) {
    const first = await ok(dir, ['consume', 'big', '--partition', partition, '--max-records', '1']);
    firsts.push(JSON.parse(first).i as number);
  }
  assert.deepEqual(firsts.sort(), [0, 1, 2]);
});

test('unkeyed records are spread over the partitions, from a random one each run', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 't', '--partitions', '3']);
  for (let i = 0; i < 12; i++) await ok(dir, ['produce', 't', `v${i}`]);
  const description = JSON.parse(await ok(dir, ['topics', 'describe', 't', '--json']));
  const used = description.partitions.filter((p: { latestOffset: number }) => p.latestOffset > 0).length;
  // All on one partition would happen with probability 3 × (1/3)^12.
  assert.ok(used > 1, JSON.stringify(description.partitions));
});

test("local produce passes the server's guards: a non-finite value or a value over the size limit writes nothing", async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'g']);
  const nan = await tml(dir, ['produce', 'g', '1', 'NaN', '3']);
  assert.equal(nan.code, 1);
  assert.match(nan.stderr, /record 2 must be a finite number or text, got 'NaN'/);
  const big = await tml(dir, ['produce', 'g', 'x'.repeat(200)], { env: { TML_MAX_MESSAGE_BYTES: '100' } });
  assert.equal(big.code, 1);
  assert.match(big.stderr, /is 200 bytes, over the limit of 100 bytes/);
  assert.equal(await ok(dir, ['consume', 'g']), '', 'a refused call stores nothing');
  assert.match(await ok(dir, ['produce', 'g', '1', '2']), /^produced 2 records/);
});

test("tml's own topics stay out of the local topic list; a topic deleted and created again takes records", async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'r']);
  await ok(dir, ['produce', 'r', '1']);
  await ok(dir, ['topics', 'delete', 'r']);
  await ok(dir, ['topics', 'create', 'r']);
  assert.match(await ok(dir, ['produce', 'r', '2']), /^produced 1 record/);
  assert.equal(await ok(dir, ['consume', 'r']), '2\n');
  // tml's own topics (registrations) stay out of the list, as a server lists them
  assert.equal(await ok(dir, ['topics', 'list']), 'r\n');
});
