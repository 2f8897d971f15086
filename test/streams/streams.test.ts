import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedEnv } from '../helpers/backbones.js';
import {
  InsufficientRowsError,
  InvalidJoinError,
  InvalidWindowError,
  joinLatestWindows,
  latestWindow,
  numericValue,
  parseJoinedRecord,
  trainingSetFromJoined,
} from '../../src/streams/index.js';

const env = await embeddedEnv();
const backbone = await env.open();
after(async () => {
  await backbone.close();
  await env.cleanup();
});

async function stream(name: string, values: Array<string | null>, partitions = 1): Promise<void> {
  await backbone.createTopic({ name, partitions });
  await backbone.produce(
    name,
    values.map((v, i) => ({ value: v, timestamp: 1_000_000 + i * 10, partition: i % partitions })),
  );
}

test('numericValue reads text numbers, JSON numbers and JSON objects, NaN otherwise', () => {
  assert.equal(numericValue(Buffer.from('417')), 417);
  assert.equal(numericValue(Buffer.from(' -2.5e3 ')), -2500);
  assert.equal(numericValue(Buffer.from('{"value": 3.5}')), 3.5);
  assert.equal(numericValue(Buffer.from('{"temp": "7"}'), 'temp'), 7);
  assert.ok(Number.isNaN(numericValue(Buffer.from('abc'))));
  assert.ok(Number.isNaN(numericValue(Buffer.from('{"other": 1}'))));
  assert.ok(Number.isNaN(numericValue(null)));
});

test('latestWindow keeps the newest N records over all partitions, oldest first', async () => {
  const values = Array.from({ length: 100 }, (_, i) => String(i));
  await stream('w-multi', values, 3);
  const window = await latestWindow(backbone, 'w-multi', { lastOffsets: 30 });
  assert.deepEqual(
    Array.from(window.values),
    Array.from({ length: 30 }, (_, i) => 70 + i),
  );
  assert.equal(window.skipped, 0);
  assert.equal(window.ranges.length, 3);
  for (const r of window.ranges) assert.ok(r.to - r.from <= 30);
});

test('latestWindow by time and by partition; non-numbers are skipped and counted', async () => {
  await stream('w-time', ['1', 'abc', '3', '4', null, '6']);
  const byTime = await latestWindow(backbone, 'w-time', { lastMs: 25, now: 1_000_050 });
  // timestamps 1_000_030.. are within the last 25 ms of 1_000_050 (>= 1_000_025)
  assert.deepEqual(Array.from(byTime.values), [4, 6]);
  assert.equal(byTime.skipped, 1);
  const all = await latestWindow(backbone, 'w-time', { lastOffsets: 100, partition: 0 });
  assert.deepEqual(Array.from(all.values), [1, 3, 4, 6]);
  assert.equal(all.skipped, 2);
  await assert.rejects(latestWindow(backbone, 'w-time', {}), InvalidWindowError);
  await assert.rejects(latestWindow(backbone, 'w-time', { lastOffsets: 0 }), /positive integer/);
  await assert.rejects(latestWindow(backbone, 'w-time', { lastOffsets: 5, partition: 4 }), /no partition 4/);
});

test('join + alignment to the shortest stream makes a training set of the newest rows', async () => {
  const n = 80;
  const x1 = Array.from({ length: n }, (_, i) => i);
  const x2 = Array.from({ length: n }, (_, i) => (i * 7) % 13);
  const y = x1.map((v, i) => 3 * v - 2 * x2[i] + 1);
  await stream('j-y', y.map(String));
  await stream('j-x1', x1.map(String));
  await stream('j-x2', x2.slice(10).map(String)); // shorter: its oldest 10 values are missing
  const joined = await joinLatestWindows(backbone, ['j-y', 'j-x1', 'j-x2'], { lastOffsets: 50 });
  assert.equal(joined.values['j-y'].length, 50);
  assert.deepEqual(joined.offsets['j-x2'], [{ partition: 0, from: 20, to: 70 }]);
  const again = parseJoinedRecord(JSON.stringify(joined));
  assert.deepEqual(again.values, joined.values);

  const set = trainingSetFromJoined(again, {
    dependentVariable: 'j-y',
    independentVariables: ['j-x1', 'j-x2'],
  });
  assert.equal(set.alignedRows, 50);
  assert.equal(set.dataset.rows, 50);
  // the newest rows pair up: the last row holds x1 = 79, x2 = x2[79], y = y[79]
  const last = set.dataset.rows - 1;
  assert.equal(set.dataset.x[last * 2], 79);
  assert.equal(set.dataset.x[last * 2 + 1], x2[79]);
  assert.equal(set.dataset.y[last], y[79]);
});

test('training-set errors name the problem', async () => {
  await stream('s-short', ['1', '2', '3']);
  await stream(
    's-long',
    Array.from({ length: 40 }, (_, i) => String(i)),
  );
  const joined = await joinLatestWindows(backbone, ['s-short', 's-long'], { lastOffsets: 40 });
  assert.throws(
    () => trainingSetFromJoined(joined, { dependentVariable: 's-long', independentVariables: ['s-short'] }),
    (e: unknown) =>
      e instanceof InsufficientRowsError && /at least 30 aligned rows.*s-short: 3/.test(e.message),
  );
  assert.throws(
    () => trainingSetFromJoined(joined, { dependentVariable: 's-long', independentVariables: ['nope'] }),
    (e: unknown) => e instanceof InvalidJoinError && /'nope' is not a stream/.test(e.message),
  );
  await assert.rejects(joinLatestWindows(backbone, ['s-long', 's-long'], { lastOffsets: 5 }), /named twice/);
  await assert.rejects(joinLatestWindows(backbone, ['missing-topic'], { lastOffsets: 5 }), /does not exist/);
  assert.throws(() => parseJoinedRecord('not json'), /not JSON/);
  assert.throws(() => parseJoinedRecord('{"streams":["a"],"values":{}}'), /no values for 'a'/);
});
