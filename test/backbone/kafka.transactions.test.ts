// The chosen client's transactions against the broker (the continuous solutions build exactly-once
// read-process-write on them): what a transaction commits appears, what it aborts never does, and
// the Kafka backbone's fetches and group members skip the aborted records and the markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import { ProducerFencedError } from '../../src/backbone/errors.js';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { kafkaBrokers, kafkaSkip, openKafka } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';
import { eventually, sleep } from '../helpers/wait.js';

test('transactions: committed records are read, aborted ones never', { skip: kafkaSkip() }, async () => {
  const kafka = await openKafka();
  const topic = uniqueName('txn');
  const producer = new Producer({
    clientId: 'tml-test-txn',
    bootstrapBrokers: kafkaBrokers()!,
    transactionalId: uniqueName('txn-id'),
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  try {
    await kafka.createTopic({ name: topic, partitions: 1 });
    const send = async (values: string[], outcome: 'commit' | 'abort') => {
      const transaction = await producer.beginTransaction();
      await transaction.send({
        messages: values.map((v) => ({ topic, partition: 0, value: Buffer.from(v) })),
      });
      await (outcome === 'commit' ? transaction.commit() : transaction.abort());
    };
    await send(['a1', 'a2'], 'commit');
    await send(['x1', 'x2', 'x3'], 'abort');
    await send(['b1'], 'commit');
    await kafka.produce(topic, [{ value: 'plain' }]);

    const [{ latest }] = await kafka.listOffsets(topic);
    // 2 + 3 + 1 records, one commit or abort marker after each transaction, and the plain record
    assert.equal(latest, 10);
    const read: ConsumedRecord[] = [];
    let offset = 0;
    while (offset < latest) {
      const { records } = await kafka.fetch({ topic, partition: 0, offset });
      if (records.length === 0) break;
      read.push(...records);
      offset = records[records.length - 1].offset + 1;
    }
    assert.deepEqual(
      read.map((r) => r.value!.toString()),
      ['a1', 'a2', 'b1', 'plain'],
    );

    const member = await kafka.consumer({
      groupId: uniqueName('txn-group'),
      topics: [topic],
      autoOffsetReset: 'earliest',
    });
    const polled: ConsumedRecord[] = [];
    for (let i = 0; i < 20 && polled.length < 4; i++) polled.push(...(await member.poll({ maxWaitMs: 300 })));
    await member.close();
    assert.deepEqual(
      polled.map((r) => r.value!.toString()),
      ['a1', 'a2', 'b1', 'plain'],
    );
  } finally {
    await producer.close();
    await kafka.deleteTopic(topic).catch(() => undefined);
    await kafka.close();
  }
});

test(
  'transactions: a producer of another backbone (process) with the same id fences the first through the broker',
  { skip: kafkaSkip() },
  async () => {
    const first = await openKafka();
    const second = await openKafka();
    const out = uniqueName('txn-fence');
    const input = uniqueName('txn-fence-in');
    const groupId = uniqueName('txn-fence-group');
    const transactionalId = uniqueName('txn-fence-id');
    try {
      await first.createTopic({ name: out, partitions: 1 });
      await first.createTopic({ name: input, partitions: 1 });
      const zombie = await first.transactionalProducer({ transactionalId });
      await zombie.transaction(async (tx) => {
        await tx.produce(out, [{ value: 'before' }]);
        await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 1 }]);
      });
      let successor: Awaited<ReturnType<typeof second.transactionalProducer>> | undefined;
      // the zombie's open transaction is aborted by the broker when the id is registered again
      await assert.rejects(
        zombie.transaction(async (tx) => {
          await tx.produce(out, [{ value: 'zombie' }]);
          await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 5 }]);
          successor = await second.transactionalProducer({ transactionalId });
        }),
        ProducerFencedError,
      );
      await assert.rejects(
        zombie.transaction((tx) => tx.produce(out, [{ value: 'again' }])),
        ProducerFencedError,
      );
      assert.ok(successor);
      await successor.transaction(async (tx) => {
        await tx.produce(out, [{ value: 'after' }]);
        await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 2 }]);
      });
      await eventually(async () => {
        const { records } = await first.fetch({ topic: out, partition: 0, offset: 0, maxRecords: 100 });
        assert.deepEqual(
          records.map((r) => r.value!.toString()),
          ['before', 'after'],
        );
        assert.deepEqual(
          (await first.committedOffsets(groupId)).map((o) => o.offset),
          [2],
        );
      }, 10_000);
    } finally {
      await first.deleteTopic(out).catch(() => undefined);
      await first.deleteTopic(input).catch(() => undefined);
      await Promise.all([first.close(), second.close()]);
    }
  },
);

test(
  'transactions: works queued meanwhile share one transaction; one that fails is rejected alone, the others commit',
  { skip: kafkaSkip(), timeout: 60_000 },
  async () => {
    const kafka = await openKafka();
    const out = uniqueName('txn-batch');
    const input = uniqueName('txn-batch-in');
    const transactionalId = uniqueName('txn-batch-id');
    const begin = Producer.prototype.beginTransaction;
    let begun = 0;
    Producer.prototype.beginTransaction = function (this: Producer, ...args: unknown[]) {
      begun++;
      return (begin as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof begin;
    try {
      await kafka.createTopic({ name: out, partitions: 1 });
      await kafka.createTopic({ name: input, partitions: 3 });
      const producer = await kafka.transactionalProducer({ transactionalId });
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      begun = 0;
      // the first transaction is held open while five more works queue behind it
      const first = producer.transaction(async (tx) => {
        await tx.produce(out, [{ value: 'w0' }]);
        await held;
      });
      const runs = new Map<number, number>();
      const works = [1, 2, 3, 4, 5].map((w) =>
        producer.transaction(async (tx) => {
          runs.set(w, (runs.get(w) ?? 0) + 1);
          await tx.produce(out, [{ value: `w${w}` }]);
          await tx.commitOffsets(`group-${transactionalId}-${w}`, [
            { topic: input, partition: 0, offset: w },
            { topic: input, partition: 2, offset: 10 * w },
          ]);
          if (w === 3) throw new Error('work 3 fails');
          return w;
        }),
      );
      release();
      await first;
      const outcomes = await Promise.allSettled(works);
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
        [1, 2, 'work 3 fails', 4, 5],
      );
      // works 1 and 2 ran in the aborted batch and again in the next; 4 and 5 once, after it
      assert.deepEqual(
        [...runs].sort(([a], [b]) => a - b),
        [
          [1, 2],
          [2, 2],
          [3, 1],
          [4, 1],
          [5, 1],
        ],
      );
      // the held one, the batch that failed, and one more for the other four: not one per work
      assert.equal(begun, 3);
      await eventually(async () => {
        const { records } = await kafka.fetch({ topic: out, partition: 0, offset: 0, maxRecords: 100 });
        assert.deepEqual(
          records.map((r) => r.value!.toString()),
          ['w0', 'w1', 'w2', 'w4', 'w5'],
        );
      }, 10_000);
      // each committed work's offsets, both partitions in its group; none of the failed one's
      for (const w of [1, 2, 4, 5]) {
        const committed = await kafka.committedOffsets(`group-${transactionalId}-${w}`);
        assert.deepEqual(
          committed.map((o) => [o.partition, o.offset]).sort((a, b) => a[0] - b[0]),
          [
            [0, w],
            [2, 10 * w],
          ],
          `work ${w}`,
        );
      }
      assert.deepEqual(await kafka.committedOffsets(`group-${transactionalId}-3`), []);
      await producer.close();
    } finally {
      Producer.prototype.beginTransaction = begin;
      await kafka.deleteTopic(out).catch(() => undefined);
      await kafka.deleteTopic(input).catch(() => undefined);
      await kafka.close();
    }
  },
);

test(
  'transactions: a work asked for at any moment after the previous one settled still runs (no lost wake-up)',
  { skip: kafkaSkip(), timeout: 120_000 },
  async () => {
    const kafka = await openKafka();
    const out = uniqueName('txn-wake');
    try {
      await kafka.createTopic({ name: out, partitions: 1 });
      const producer = await kafka.transactionalProducer({ transactionalId: uniqueName('txn-wake-id') });
      // after each transaction settles, the next is asked for 0..7 microtasks later: one of these
      // lands between the producer's queue found empty and its loop marked done
      let done = 0;
      for (let ticks = 0; ticks < 8; ticks++) {
        for (let round = 0; round < 3; round++) {
          await producer.transaction((tx) => tx.produce(out, [{ value: `${ticks}-${round}` }]));
          for (let t = 0; t < ticks; t++) await Promise.resolve();
          const next = producer.transaction((tx) => tx.produce(out, [{ value: `${ticks}-${round}-next` }]));
          const settled = await Promise.race([next.then(() => true), sleep(20_000).then(() => false)]);
          assert.ok(settled, `a transaction asked for ${ticks} microtasks after the last never ran`);
          done++;
        }
      }
      assert.equal(done, 24);
      await producer.close();
    } finally {
      await kafka.deleteTopic(out).catch(() => undefined);
      await kafka.close();
    }
  },
);
