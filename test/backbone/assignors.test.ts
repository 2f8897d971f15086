import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rangeAssign, roundRobinAssign } from '../../src/backbone/embedded/assignors.js';

const counts = new Map([
  ['t0', 3],
  ['t1', 3],
]);
const members = [
  { memberId: 'C0', topics: ['t0', 't1'] },
  { memberId: 'C1', topics: ['t0', 't1'] },
];
const names = (tps: { topic: string; partition: number }[] | undefined): string[] =>
  (tps ?? []).map((tp) => `${tp.topic}p${tp.partition}`);

// The examples in the Javadoc of Kafka's RangeAssignor and RoundRobinAssignor.
test('range assignment matches Kafka’s RangeAssignor example', () => {
  const result = rangeAssign(members, counts);
  assert.deepEqual(names(result.get('C0')), ['t0p0', 't0p1', 't1p0', 't1p1']);
  assert.deepEqual(names(result.get('C1')), ['t0p2', 't1p2']);
});

test('round-robin assignment matches Kafka’s RoundRobinAssignor example', () => {
  const result = roundRobinAssign(members, counts);
  assert.deepEqual(names(result.get('C0')), ['t0p0', 't0p2', 't1p1']);
  assert.deepEqual(names(result.get('C1')), ['t0p1', 't1p0', 't1p2']);
});

test('members beyond the partition count stay idle; unsubscribed topics are not assigned', () => {
  const many = ['a', 'b', 'c', 'd'].map((memberId) => ({ memberId, topics: ['t0'] }));
  for (const assign of [rangeAssign, roundRobinAssign]) {
    const result = assign([...many, { memberId: 'e', topics: ['t1'] }], counts);
    assert.equal([...result.values()].filter((tps) => tps.length === 0).length, 1);
    assert.deepEqual(names(result.get('e')), ['t1p0', 't1p1', 't1p2']);
  }
});
