// The position join: the i-th new record of each input forms the i-th row, per partition
// (co-partitioned inputs), worked by hand on small record lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { checkCoPartitioned, InvalidJoinError, PositionJoin } from '../../src/streams/index.js';

function record(
  topic: string,
  partition: number,
  offset: number,
  value: string,
  key?: string,
): ConsumedRecord {
  return {
    topic,
    partition,
    offset,
    timestamp: 1000 + offset,
    key: key === undefined ? null : Buffer.from(key),
    value: Buffer.from(value),
    headers: {},
  };
}

const twoInputs = () =>
  new PositionJoin([
    { topic: 'a', variables: [{ name: 'a' }] },
    { topic: 'y', variables: [{ name: 'y' }] },
  ]);

test('rows pair the i-th record of each input within a partition, never across partitions', () => {
  const join = twoInputs();
  join.seed([
    { topic: 'a', partition: 0, offset: 5 },
    { topic: 'a', partition: 1, offset: 0 },
    { topic: 'y', partition: 0, offset: 7 },
    { topic: 'y', partition: 1, offset: 0 },
  ]);
  // partition 0 of a has two records, of y one: one row; partition 1 of a has none yet
  join.add('a', [record('a', 0, 5, '1'), record('a', 0, 6, '2')]);
  join.add('y', [record('y', 0, 7, '10'), record('y', 1, 0, '99')]);
  const first = join.take();
  assert.deepEqual(
    first.map((r) => r.values),
    [{ a: 1, y: 10 }],
  );
  assert.deepEqual(first[0].position, { 'a/0': 5, 'y/0': 7 });
  assert.equal(first[0].timestamp, 1007);
  // the pending records wait for their partners
  join.add('a', [record('a', 1, 0, '3')]);
  join.add('y', [record('y', 0, 8, '20')]);
  const second = join.take();
  assert.deepEqual(
    second.map((r) => r.values),
    [
      { a: 2, y: 20 },
      { a: 3, y: 99 },
    ],
  );
  assert.deepEqual(second[1].position, { 'a/1': 0, 'y/1': 0 });
  // offsets to commit: after the last record consumed into a row, per partition
  assert.deepEqual(
    join.consumedOffsets().sort((p, q) => p.topic.localeCompare(q.topic) || p.partition - q.partition),
    [
      { topic: 'a', partition: 0, offset: 7 },
      { topic: 'a', partition: 1, offset: 1 },
      { topic: 'y', partition: 0, offset: 9 },
      { topic: 'y', partition: 1, offset: 1 },
    ],
  );
  assert.deepEqual(join.take(), []);
});

test('one input: every record is a row; JSON fields and record keys name variables and entities', () => {
  const join = new PositionJoin(
    [
      {
        topic: 'dev',
        variables: [
          { name: 'a', field: 'a' },
          { name: 'y', field: 'y' },
        ],
      },
    ],
    {
      keyed: true,
    },
  );
  join.add('dev', [
    record('dev', 2, 0, '{"a":1.5,"y":"3"}', 'pump-1'),
    record('dev', 0, 4, '{"a":2}', 'pump-2'),
    record('dev', 2, 1, 'not json', 'pump-1'),
  ]);
  const rows = join.take();
  assert.deepEqual(
    rows.map((r) => [r.entity, r.values.a, r.values.y]),
    [
      ['pump-2', 2, NaN],
      ['pump-1', 1.5, 3],
      ['pump-1', NaN, NaN],
    ],
  );
});

test('inputs with different partition counts are refused, naming each', () => {
  assert.equal(
    checkCoPartitioned(
      new Map([
        ['a', 3],
        ['y', 3],
      ]),
    ),
    3,
  );
  assert.throws(
    () =>
      checkCoPartitioned(
        new Map([
          ['a', 3],
          ['y', 1],
        ]),
      ),
    (error: unknown) =>
      error instanceof InvalidJoinError &&
      /a: 3, y: 1/.test(error.message) &&
      /co-partitioned/.test(error.message),
  );
  assert.throws(() => new PositionJoin([]), InvalidJoinError);
  assert.throws(
    () =>
      new PositionJoin([
        { topic: 'a', variables: [{ name: 'a' }] },
        { topic: 'a', variables: [{ name: 'b' }] },
      ]),
    /named twice/,
  );
});
