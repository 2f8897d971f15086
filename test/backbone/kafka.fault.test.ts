// The broker goes away and comes back (same data directory): a producer loop keeps going, every
// acknowledged record is in the topic exactly once and in order per partition, the consumer group
// resumes from its committed offsets, and a fetch cut off by the outage fails with a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerUnreachableError } from '../../src/backbone/errors.js';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import type { KafkaBackbone } from '../../src/backbone/kafka/index.js';
import { protocolErrorIds } from '../../src/backbone/kafka/errors.js';
import { kafkaSkip, localBroker, openKafka, unlessCI } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';
import { sleep } from '../helpers/wait.js';

const skip =
  kafkaSkip() ||
  unlessCI(
    localBroker.managed ? false : 'needs the local broker started by scripts/run-tests.js (it is restarted)',
  );

const PARTITIONS = 3;
const KEYS = 12;

interface Acknowledged {
  value: string;
  partition: number;
  offset: number;
}

/** Produces keyed records one by one, retrying each until it is acknowledged, until stopped. */
function producerLoop(kafka: KafkaBackbone, topic: string) {
  const state = {
    acknowledged: [] as Acknowledged[],
    failures: 0,
    /** Kafka's answers among the failures (a refused send, not an unreachable broker). */
    answers: new Set<string>(),
    longestSendMs: 0,
    stop: false,
  };
  const done = (async () => {
    for (let i = 0; !state.stop; i++) {
      const record = { key: `k${i % KEYS}`, value: `loop-${i}` };
      for (;;) {
        const sentAt = Date.now();
        try {
          const [meta] = await kafka.produce(topic, [record]);
          state.longestSendMs = Math.max(state.longestSendMs, Date.now() - sentAt);
          state.acknowledged.push({ value: record.value, partition: meta.partition, offset: meta.offset });
          break;
        } catch (error) {
          // the outage shows as typed backbone errors, never as a crash
          assert.ok(typeof (error as { code?: unknown }).code === 'string', String(error));
          state.failures++;
          for (const id of protocolErrorIds(error)) state.answers.add(id);
          await sleep(100);
        }
      }
    }
  })();
  return { state, done };
}

/** Every record of every partition, read with plain fetches. */
async function readAll(kafka: KafkaBackbone, topic: string): Promise<Map<number, ConsumedRecord[]>> {
  const stored = new Map<number, ConsumedRecord[]>();
  for (const { partition, latest } of await kafka.listOffsets(topic)) {
    const records: ConsumedRecord[] = [];
    while (records.length < latest) {
      const { records: batch } = await kafka.fetch({ topic, partition, offset: records.length });
      records.push(...batch);
    }
    stored.set(partition, records);
  }
  return stored;
}

test(
  'broker restart: acknowledged records exactly once, in order; the group resumes',
  { skip, timeout: 180_000 },
  async (t) => {
    // short time bounds: sends during the outage fail and the loop retries them, which is where a
    // producer without idempotence would write duplicates
    const kafka = await openKafka({
      retries: 1,
      retryDelayMs: 200,
      requestTimeoutMs: 1_500,
      connectTimeoutMs: 500,
    });
    const topic = uniqueName('fault');
    const idle = uniqueName('fault-idle');
    const groupId = uniqueName('fault-group');
    let loop: ReturnType<typeof producerLoop> | undefined;
    let restarted = false;
    try {
      await kafka.createTopic({ name: topic, partitions: PARTITIONS });
      await kafka.createTopic({ name: idle, partitions: 1 });

      // the group reads everything there, but commits only part of it
      await kafka.produce(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ key: `k${i % KEYS}`, value: `before-${i}` })),
      );
      const member = await kafka.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
      const firstRead: ConsumedRecord[] = [];
      const readBy = Date.now() + 30_000;
      while (firstRead.length < 30 && Date.now() < readBy)
        firstRead.push(...(await member.poll({ maxWaitMs: 500 })));
      assert.equal(firstRead.length, 30);
      const commitAt = new Map<number, number>();
      for (const r of firstRead.filter((r) => r.offset < 2)) {
        commitAt.set(r.partition, Math.max(commitAt.get(r.partition) ?? 0, r.offset + 1));
      }
      await member.commit([...commitAt].map(([partition, offset]) => ({ topic, partition, offset })));
      await member.close();

      loop = producerLoop(kafka, topic);
      // a long poll in flight (on a topic nobody writes to) when the broker goes away
      const cutOff = kafka.fetch({ topic: idle, partition: 0, offset: 0, maxWaitMs: 30_000 }).then(
        () => undefined,
        (error: Error) => error,
      );
      await sleep(800);
      const ackedBeforeStop = loop.state.acknowledged.length;
      await localBroker.stop();
      restarted = true;
      const fetchError = await cutOff;
      await sleep(1_500);
      await localBroker.start();
      // keep producing until records flow again, then stop the loop
      const resumeFrom = loop.state.acknowledged.length;
      const flowing = Date.now() + 60_000;
      while (loop.state.acknowledged.length < resumeFrom + 20 && Date.now() < flowing) await sleep(100);
      loop.state.stop = true;
      await loop.done;
      const { acknowledged, failures, answers, longestSendMs } = loop.state;
      t.diagnostic(
        `acknowledged ${acknowledged.length} (${ackedBeforeStop} before the outage), failed sends ${failures} ` +
          `(Kafka's answers: ${[...answers].join(', ') || 'none'}), ` +
          `longest acknowledged send ${longestSendMs} ms, cut-off fetch: ${String(fetchError)}`,
      );
      assert.ok(
        fetchError instanceof BrokerUnreachableError,
        `a fetch cut off by the outage fails typed: ${String(fetchError)}`,
      );
      assert.ok(ackedBeforeStop > 0, 'records were acknowledged before the outage');
      assert.ok(failures > 0 || longestSendMs > 1_000, 'the outage was felt by the producer');
      assert.ok(acknowledged.length >= resumeFrom + 20, 'records are acknowledged again after the restart');

      // every acknowledged record is in the topic exactly once, where it was acknowledged, in order
      const stored = await readAll(kafka, topic);
      const loopValues = [...stored.values()]
        .flat()
        .map((r) => r.value!.toString())
        .filter((v) => v.startsWith('loop-'));
      const twice = [...stored]
        .flatMap(([partition, records]) =>
          records.map((r) => ({ partition, offset: r.offset, value: r.value!.toString() })),
        )
        .filter((r, _, all) => all.filter((o) => o.value === r.value).length > 1);
      assert.equal(
        new Set(loopValues).size,
        loopValues.length,
        `no record is stored twice: ${JSON.stringify(twice)}, failed sends ${failures}`,
      );
      assert.equal(loopValues.length, acknowledged.length, 'exactly the acknowledged records are stored');
      for (const ack of acknowledged) {
        assert.equal(stored.get(ack.partition)![ack.offset].value!.toString(), ack.value);
      }
      for (const records of stored.values()) {
        const order = records
          .map((r) => r.value!.toString())
          .filter((v) => v.startsWith('loop-'))
          .map((v) => Number(v.slice('loop-'.length)));
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
          'order per partition is the production order',
        );
      }

      // the group resumes from its committed offsets, which survived the restart
      assert.deepEqual(
        (await kafka.committedOffsets(groupId, topic)).map((o) => [o.partition, o.offset]),
        [...commitAt].sort((a, b) => a[0] - b[0]),
      );
      const again = await kafka.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
      const resumed: ConsumedRecord[] = [];
      const total = [...stored.values()].reduce((n, records) => n + records.length, 0);
      const expected = total - [...commitAt.values()].reduce((a, b) => a + b, 0);
      const readAgainBy = Date.now() + 30_000;
      while (resumed.length < expected && Date.now() < readAgainBy) {
        resumed.push(...(await again.poll({ maxWaitMs: 500 })));
      }
      await again.close();
      for (let p = 0; p < PARTITIONS; p++) {
        const first = resumed.find((r) => r.partition === p);
        assert.equal(first?.offset, commitAt.get(p) ?? 0, `partition ${p} resumes at its committed offset`);
      }
      assert.equal(resumed.length, expected);
    } finally {
      if (loop) loop.state.stop = true;
      if (restarted) await localBroker.start();
      await loop?.done;
      for (const name of [topic, idle]) await kafka.deleteTopic(name).catch(() => undefined);
      await kafka.close();
    }
  },
);
