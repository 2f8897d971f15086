// How the Kafka backbone groups work for the broker, without a broker: produce calls queued
// behind a send (takeGroup) and fetches of one event-loop turn (requests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requests, type Waiting } from '../../src/backbone/kafka/fetch-batcher.js';
import type { PreparedRecord } from '../../src/backbone/kafka/produce.js';
import { takeGroup } from '../../src/backbone/kafka/produce-group.js';
import { planFlush, type Buffered } from '../../src/backbone/kafka/txn-requests.js';

function record(topic: string, partition: number): PreparedRecord {
  return { topic, partition, index: 0, value: Buffer.from('v'), timestamp: 0n };
}

test('takeGroup: calls of one send each with no partition taken or passed over before them', () => {
  const call = (...parts: [string, number][]) => ({ sends: [parts.map(([t, p]) => record(t, p))] });
  const queue = [call(['a', 0]), call(['b', 0], ['b', 1]), call(['c', 0]), call(['b', 1]), call(['d', 0])];
  const first = takeGroup(queue);
  // b/1 again would put two calls' records in one partition batch: it waits for the next send;
  // d/0 after it goes now
  assert.deepEqual(
    first.map((c) => c.sends[0].map((r) => `${r.topic}/${r.partition}`).join('+')),
    ['a/0', 'b/0+b/1', 'c/0', 'd/0'],
  );
  assert.equal(queue.length, 1);
  assert.equal(queue[0].sends[0][0].topic, 'b');
  assert.equal(takeGroup(queue).length, 1);
  assert.equal(queue.length, 0);

  // a call cut into several sends goes alone; in the middle of the queue, the calls to its
  // partitions after it wait for it, the others go on
  const cut = { sends: [[record('x', 0)], [record('x', 0)]] };
  const q2 = [cut, call(['y', 0])];
  assert.deepEqual(takeGroup(q2), [cut]);
  const later = call(['x', 0]);
  const q3 = [call(['y', 0]), cut, later, call(['z', 0])];
  assert.deepEqual(
    takeGroup(q3).map((c) => c.sends[0][0].topic),
    ['y', 'z'],
  );
  assert.deepEqual(q3, [cut, later]);
});

test('requests: one per leader, a partition at most once per request, at most 64 partitions', () => {
  const waiting = (node: number, topicId: string, partition: number, offset = 0): Waiting => ({
    node,
    request: { topic: topicId, topicId, partition, offset, maxBytes: 1 },
    resolve: () => undefined,
    reject: () => undefined,
  });
  const groups = requests([
    waiting(1, 't', 0),
    waiting(2, 't', 1),
    waiting(1, 'u', 0),
    waiting(1, 't', 0, 5), // the same partition again, another reader's offset
  ]);
  const shape = groups.map((g) =>
    g.map((w) => `${w.node}:${w.request.topicId}/${w.request.partition}@${w.request.offset}`),
  );
  assert.deepEqual(shape, [['1:t/0@0', '1:u/0@0'], ['2:t/1@0'], ['1:t/0@5']]);

  const many = requests(Array.from({ length: 130 }, (_, i) => waiting(1, `t${i}`, 0)));
  assert.deepEqual(
    many.map((g) => g.length),
    [64, 64, 2],
  );
});

test('planFlush: a batch of works in as few sends as the batch limits allow, each partition in order', () => {
  const rec = (topic: string, partition: number, value: string): PreparedRecord => ({
    topic,
    partition,
    index: 0,
    value: Buffer.from(value.padEnd(100, '.')),
    timestamp: 0n,
  });
  const buffered = (topic: string, records: PreparedRecord[], maxBytes: number): Buffered => ({
    topic,
    records,
    encoded: [],
    maxBytes,
  });
  const works = (maxBytes: number) => [
    buffered('status', [rec('status', 0, 'w1')], maxBytes),
    buffered('out-1', [rec('out-1', 0, 'p1'), rec('out-1', 0, 'p2')], maxBytes),
    buffered('status', [rec('status', 0, 'w2')], maxBytes),
  ];
  const names = (sends: PreparedRecord[][]) =>
    sends.map((send) => send.map((r) => `${r.topic}:${r.value!.toString().replace(/\.+$/, '')}`));
  // room for all: one send, the shared partition's records in the works' order
  assert.deepEqual(names(planFlush(works(1_000_000))), [['status:w1', 'status:w2', 'out-1:p1', 'out-1:p2']]);
  // room for one record per batch (a 100-byte value and the batch header): one per partition per send
  assert.deepEqual(names(planFlush(works(61 + 120))), [
    ['status:w1', 'out-1:p1'],
    ['status:w2', 'out-1:p2'],
  ]);
  assert.deepEqual(planFlush([]), []);
});
