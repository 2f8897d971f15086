// Produce calls made while a send is in flight go to the broker together in the next send (one
// Produce request per leader). Checked on the local broker: each call's offsets name its own
// records, the calls of one partition keep their order, fewer client sends than calls were made,
// and when a send of several calls fails after the broker wrote part of it, the calls are sent
// again alone under the same sequence numbers, so what was written is not stored twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkError, Producer } from '@platformatic/kafka';
import { KafkaProducing } from '../../src/backbone/kafka/produce.js';
import type { KafkaBackbone } from '../../src/backbone/kafka/index.js';
import { kafkaSkip, openKafka } from '../helpers/kafka.js';
import { produceAs, type Message } from '../helpers/kafka-produce-as.js';
import { uniqueName } from '../helpers/names.js';
import { eventually } from '../helpers/wait.js';

/**
 * Watches the client's sends: counts them and the messages in each; `hold` keeps the next send
 * waiting until released; `loseAfterWriting` makes the next send of several topics write only
 * the first `n` of its partitions (as the producer would, under its numbers) and then fail as if
 * the answer was lost.
 */
function watchSends() {
  const state = {
    sends: [] as number[],
    acknowledged: new Map<string, number>(),
    hold: undefined as Promise<void> | undefined,
    loseAfterWriting: undefined as number | undefined,
    lost: 0,
    restore: () => undefined as void,
  };
  const send = Producer.prototype.send;
  Producer.prototype.send = function (this: Producer, ...args: unknown[]) {
    const options = args[0] as { messages: Message[] };
    if (typeof args[1] === 'function' || this.producerId === undefined) {
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    }
    state.sends.push(options.messages.length);
    const hold = state.hold;
    state.hold = undefined;
    const byPartition = new Map<string, Message[]>();
    for (const m of options.messages) {
      const key = `${m.topic}:${m.partition}`;
      byPartition.set(key, [...(byPartition.get(key) ?? []), m]);
    }
    const lose = byPartition.size > 1 ? state.loseAfterWriting : undefined;
    if (lose !== undefined) state.loseAfterWriting = undefined;
    return (async () => {
      await hold;
      if (lose !== undefined) {
        for (const [key, messages] of [...byPartition].slice(0, lose)) {
          await produceAs(messages, this.producerId!, this.producerEpoch!, state.acknowledged.get(key) ?? 0);
        }
        state.lost++;
        throw new NetworkError('Connection closed (the answer was lost)');
      }
      const result = await (send as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      for (const [key, messages] of byPartition) {
        state.acknowledged.set(key, (state.acknowledged.get(key) ?? 0) + messages.length);
      }
      return result;
    })();
  } as typeof send;
  state.restore = () => {
    Producer.prototype.send = send;
  };
  return state;
}

/** Counts the produce calls that have been prepared (and are queued or sent). */
function countPrepared() {
  const counter = { prepared: 0, restore: () => undefined as void };
  const prepare = KafkaProducing.prototype.prepare;
  KafkaProducing.prototype.prepare = async function (
    this: KafkaProducing,
    ...args: Parameters<typeof prepare>
  ) {
    const prepared = await prepare.apply(this, args);
    counter.prepared++;
    return prepared;
  };
  counter.restore = () => {
    KafkaProducing.prototype.prepare = prepare;
  };
  return counter;
}

async function values(kafka: KafkaBackbone, topic: string): Promise<string[]> {
  const { records } = await kafka.fetch({ topic, partition: 0, offset: 0, maxRecords: 1000 });
  return records.map((r) => r.value!.toString());
}

test(
  'produce calls queued behind a send go together; each gets its own offsets, in order per partition',
  { skip: kafkaSkip(), timeout: 60_000 },
  async () => {
    const kafka = await openKafka();
    const topics = Array.from({ length: 6 }, () => uniqueName('together'));
    const sends = watchSends();
    const prepared = countPrepared();
    try {
      for (const topic of topics) {
        await kafka.createTopic({ name: topic, partitions: 1 });
        await kafka.produce(topic, [{ value: 'first' }]);
      }
      let release!: () => void;
      sends.hold = new Promise<void>((resolve) => (release = resolve));
      const before = sends.sends.length;
      prepared.prepared = 0;
      const head = kafka.produce(topics[0], [{ value: 'head' }]);
      // calls made while the head send is held: two rounds over the topics, 1-3 records each
      const calls: { topic: string; values: string[] }[] = [];
      for (let round = 0; round < 2; round++) {
        for (const [t, topic] of topics.entries()) {
          const n = 1 + ((t + round) % 3);
          calls.push({ topic, values: Array.from({ length: n }, (_, i) => `r${round}-${i}`) });
        }
      }
      const results = calls.map((c) =>
        kafka.produce(
          c.topic,
          c.values.map((value) => ({ value })),
        ),
      );
      await eventually(() => assert.equal(prepared.prepared, 1 + calls.length), 10_000);
      release();
      await head;
      const metadata = await Promise.all(results);

      // every call's records are where its offsets say, and each partition holds them in call order
      for (const topic of topics) {
        const expected = ['first', ...(topic === topics[0] ? ['head'] : [])];
        for (const c of calls) if (c.topic === topic) expected.push(...c.values);
        assert.deepEqual(await values(kafka, topic), expected, topic);
      }
      for (const [i, c] of calls.entries()) {
        const stored = await values(kafka, c.topic);
        assert.deepEqual(
          metadata[i].map((m) => stored[m.offset]),
          c.values,
          `call ${i} (${c.topic}) was told offsets ${metadata[i].map((m) => m.offset).join(',')}`,
        );
      }
      // one send was held; the 12 calls queued behind it went in at most 3 sends (a partition at
      // most once in a send: topics[0] has three calls), not one each
      const after = sends.sends.slice(before);
      assert.ok(after.length <= 4, `${after.length} sends for 13 calls: ${after.join(',')}`);
      assert.equal(
        after.reduce((a, b) => a + b, 0),
        1 + calls.reduce((n, c) => n + c.values.length, 0),
      );
    } finally {
      sends.restore();
      prepared.restore();
      for (const topic of topics) await kafka.deleteTopic(topic).catch(() => undefined);
      await kafka.close();
    }
  },
);

test(
  'a send of several calls that fails after the broker wrote part of it: each record is stored once',
  { skip: kafkaSkip(), timeout: 60_000 },
  async () => {
    const kafka = await openKafka();
    const topics = Array.from({ length: 4 }, () => uniqueName('together-lost'));
    const sends = watchSends();
    const prepared = countPrepared();
    try {
      for (const topic of topics) {
        await kafka.createTopic({ name: topic, partitions: 1 });
        await kafka.produce(topic, [{ value: 'first' }]);
      }
      let release!: () => void;
      sends.hold = new Promise<void>((resolve) => (release = resolve));
      prepared.prepared = 0;
      const head = kafka.produce(topics[0], [{ value: 'head' }]);
      const results = topics.map((topic, t) =>
        kafka.produce(topic, [{ value: `a${t}` }, { value: `b${t}` }]),
      );
      await eventually(() => assert.equal(prepared.prepared, 1 + topics.length), 10_000);
      // the send of the four calls writes two of its partitions, then its answer is lost
      sends.loseAfterWriting = 2;
      release();
      await head;
      const metadata = await Promise.all(results);
      assert.equal(sends.lost, 1);

      for (const [t, topic] of topics.entries()) {
        const expected = ['first', ...(t === 0 ? ['head'] : []), `a${t}`, `b${t}`];
        const stored = await values(kafka, topic);
        assert.deepEqual(stored, expected, `${topic}: written once, in order`);
        assert.deepEqual(
          metadata[t].map((m) => stored[m.offset]),
          [`a${t}`, `b${t}`],
        );
      }
    } finally {
      sends.restore();
      prepared.restore();
      for (const topic of topics) await kafka.deleteTopic(topic).catch(() => undefined);
      await kafka.close();
    }
  },
);
