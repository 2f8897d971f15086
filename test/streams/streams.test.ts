import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
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

// recent timestamps: a Kafka broker would delete records older than its retention at once
const T0 = Date.now() - 60_000;

test('numericValue reads text numbers, JSON numbers and JSON objects, NaN otherwise', () => {
  assert.equal(numericValue(Buffer.from('417')), 417);
  assert.equal(numericValue(Buffer.from(' -2.5e3 ')), -2500);
  assert.equal(numericValue(Buffer.from('{"value": 3.5}')), 3.5);
  assert.equal(numericValue(Buffer.from('{"temp": "7"}'), 'temp'), 7);
  assert.ok(Number.isNaN(numericValue(Buffer.from('abc'))));
  assert.ok(Number.isNaN(numericValue(Buffer.from('{"other": 1}'))));
  assert.ok(Number.isNaN(numericValue(null)));
});

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  /** A stream topic (a unique name on every run, since a Kafka broker outlives one test file). */
  async function stream(prefix: string, values: Array<string | null>, partitions = 1): Promise<string> {
    const name = uniqueName(prefix);
    await backbone.createTopic({ name, partitions });
    await backbone.produce(
      name,
      values.map((v, i) => ({ value: v, timestamp: T0 + i * 10, partition: i % partitions })),
    );
    return name;
  }

  test('latestWindow keeps the newest N records over all partitions, oldest first', async () => {
    const topic = await stream(
      'w-multi',
      Array.from({ length: 100 }, (_, i) => String(i)),
      3,
    );
    const window = await latestWindow(backbone, topic, { lastOffsets: 30 });
    assert.deepEqual(
      Array.from(window.values),
      Array.from({ length: 30 }, (_, i) => 70 + i),
    );
    assert.equal(window.skipped, 0);
    assert.equal(window.ranges.length, 3);
    for (const r of window.ranges) assert.ok(r.to - r.from <= 30);
  });

  test('latestWindow by time and by partition; non-numbers are skipped and counted', async () => {
    const topic = await stream('w-time', ['1', 'abc', '3', '4', null, '6']);
    // timestamps T0, T0+10, ... T0+50: the last 25 ms of T0+50 hold the values at T0+30 and T0+50
    const byTime = await latestWindow(backbone, topic, { lastMs: 25, now: T0 + 50 });
    assert.deepEqual(Array.from(byTime.values), [4, 6]);
    assert.equal(byTime.skipped, 1);
    const all = await latestWindow(backbone, topic, { lastOffsets: 100, partition: 0 });
    assert.deepEqual(Array.from(all.values), [1, 3, 4, 6]);
    assert.equal(all.skipped, 2);
    await assert.rejects(latestWindow(backbone, topic, {}), InvalidWindowError);
    await assert.rejects(latestWindow(backbone, topic, { lastOffsets: 0 }), /positive integer/);
    await assert.rejects(latestWindow(backbone, topic, { lastOffsets: 5, partition: 4 }), /no partition 4/);
  });

  test('join + alignment to the shortest stream makes a training set of the newest rows', async () => {
    const n = 80;
    const x1 = Array.from({ length: n }, (_, i) => i);
    const x2 = Array.from({ length: n }, (_, i) => (i * 7) % 13);
    const y = x1.map((v, i) => 3 * v - 2 * x2[i] + 1);
    const ty = await stream('j-y', y.map(String));
    const tx1 = await stream('j-x1', x1.map(String));
    const tx2 = await stream('j-x2', x2.slice(10).map(String)); // shorter: its oldest 10 values are missing
    const joined = await joinLatestWindows(backbone, [ty, tx1, tx2], { lastOffsets: 50 });
    assert.equal(joined.values[ty].length, 50);
    assert.deepEqual(joined.offsets[tx2], [{ partition: 0, from: 20, to: 70 }]);
    const again = parseJoinedRecord(JSON.stringify(joined));
    assert.deepEqual(again.values, joined.values);

    const set = trainingSetFromJoined(again, { dependentVariable: ty, independentVariables: [tx1, tx2] });
    assert.equal(set.alignedRows, 50);
    assert.equal(set.dataset.rows, 50);
    // the newest rows pair up: the last row holds x1 = 79, x2 = x2[79], y = y[79]
    const last = set.dataset.rows - 1;
    assert.equal(set.dataset.x[last * 2], 79);
    assert.equal(set.dataset.x[last * 2 + 1], x2[79]);
    assert.equal(set.dataset.y[last], y[79]);
  });

  test('streams with several partitions pair values within a partition only, and must be co-partitioned', async () => {
    const tx = uniqueName('cp-x');
    const ty = uniqueName('cp-y');
    for (const name of [tx, ty]) await backbone.createTopic({ name, partitions: 2 });
    const at = (value: string, partition: number, dt: number) => ({ value, partition, timestamp: T0 + dt });
    // partition 0: x 1 2 3 with y 10 20 30; partition 1: x 4 5 with y 50 (its y is one short)
    await backbone.produce(tx, [
      at('1', 0, 0),
      at('2', 0, 10),
      at('3', 0, 20),
      at('4', 1, 5),
      at('5', 1, 15),
    ]);
    await backbone.produce(ty, [at('10', 0, 0), at('20', 0, 10), at('30', 0, 20), at('50', 1, 15)]);
    const joined = parseJoinedRecord(
      JSON.stringify(await joinLatestWindows(backbone, [ty, tx], { lastOffsets: 10 })),
    );
    const set = trainingSetFromJoined(joined, {
      dependentVariable: ty,
      independentVariables: [tx],
      minRows: 1,
    });
    // partition 1 keeps its newest pair (5, 50); rows ordered by time: T0, T0+10, T0+15, T0+20.
    // Pairing across partitions would have put x = 4 beside y = 10.
    assert.deepEqual(Array.from(set.dataset.x), [1, 2, 5, 3]);
    assert.deepEqual(Array.from(set.dataset.y), [10, 20, 50, 30]);
    const other = await stream('cp-z', ['1', '2', '3'], 3);
    await assert.rejects(
      joinLatestWindows(backbone, [tx, other], { lastOffsets: 10 }),
      (error: unknown) =>
        error instanceof InvalidJoinError &&
        error.message.includes(`${tx}: 2`) &&
        error.message.includes(`${other}: 3`),
    );
  });

  test('training-set errors name the problem', async () => {
    const short = await stream('s-short', ['1', '2', '3']);
    const long = await stream(
      's-long',
      Array.from({ length: 40 }, (_, i) => String(i)),
    );
    const joined = await joinLatestWindows(backbone, [short, long], { lastOffsets: 40 });
    assert.throws(
      () => trainingSetFromJoined(joined, { dependentVariable: long, independentVariables: [short] }),
      (e: unknown) =>
        e instanceof InsufficientRowsError &&
        new RegExp(`at least 30 aligned rows.*${short}: 3`).test(e.message),
    );
    assert.throws(
      () => trainingSetFromJoined(joined, { dependentVariable: long, independentVariables: ['nope'] }),
      (e: unknown) => e instanceof InvalidJoinError && /'nope' is not a stream/.test(e.message),
    );
    await assert.rejects(joinLatestWindows(backbone, [long, long], { lastOffsets: 5 }), /named twice/);
    await assert.rejects(
      joinLatestWindows(backbone, [uniqueName('missing')], { lastOffsets: 5 }),
      /does not exist/,
    );
    assert.throws(() => parseJoinedRecord('not json'), /not JSON/);
    assert.throws(() => parseJoinedRecord('{"streams":["a"],"values":{}}'), /no values for 'a'/);
  });
});
