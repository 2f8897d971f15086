// A send the broker wrote but whose answer never came back (a leader killed right after
// appending, a connection cut): the produce fails, and the client has not advanced its sequence
// numbers. The next send must neither reuse those numbers for other records (the broker takes
// them for a duplicate of the written batch and drops them while acknowledging them, or refuses
// every later send with OUT_OF_ORDER_SEQUENCE_NUMBER) nor lose the broker's duplicate check for a
// retry of the same send.
//
// The broker's side is real: the "lost" send is written to the local broker by a Produce request
// of its own, under the backbone producer's id, epoch and next sequence number, exactly as the
// client would have sent it; only the client is then told the send failed. On one broker a leader
// cannot be killed between appending and answering at a chosen send (`npm run
// bench:kafka-cluster` does that on three brokers by SIGKILL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkError, Producer } from '@platformatic/kafka';
import type { KafkaBackbone } from '../../src/backbone/kafka/index.js';
import { kafkaSkip, openKafka } from '../helpers/kafka.js';
import { produceAs, type Message } from '../helpers/kafka-produce-as.js';
import { uniqueName } from '../helpers/names.js';

/**
 * While `lose` is set, the next send of the backbone's producer is written to the broker by
 * produceAs and the producer is told it failed. Counts what each producer id had acknowledged.
 */
function loseAnswers() {
  const state = { lose: false, lost: 0, restore: () => undefined as void };
  const acknowledged = new Map<bigint, number>();
  const send = Producer.prototype.send;
  Producer.prototype.send = function (this: Producer, ...args: unknown[]) {
    const options = args[0] as { messages: Message[] };
    if (state.lose && this.producerId !== undefined && typeof args[1] !== 'function') {
      state.lose = false;
      const id = this.producerId;
      return (async () => {
        await produceAs(options.messages, id, this.producerEpoch!, acknowledged.get(id) ?? 0);
        state.lost++;
        throw new NetworkError('Connection closed (the answer was lost)');
      })();
    }
    const result = (send as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) {
      void result.then(
        () => {
          const id = this.producerId!;
          acknowledged.set(id, (acknowledged.get(id) ?? 0) + options.messages.length);
        },
        () => undefined,
      );
    }
    return result;
  } as typeof send;
  state.restore = () => {
    Producer.prototype.send = send;
  };
  return state;
}

async function values(kafka: KafkaBackbone, topic: string): Promise<string[]> {
  const { records } = await kafka.fetch({ topic, partition: 0, offset: 0, maxRecords: 100 });
  return records.map((r) => r.value!.toString());
}

test(
  'idempotent produce: after a send whose answer was lost, other records are stored and a retry is not',
  { skip: kafkaSkip(), timeout: 60_000 },
  async () => {
    const kafka = await openKafka();
    const topic = uniqueName('lost-answer');
    const injection = loseAnswers();
    try {
      await kafka.createTopic({ name: topic, partitions: 1 });
      await kafka.produce(topic, [{ value: 'a0' }]);

      // written, but the producer is told it failed
      injection.lose = true;
      await assert.rejects(kafka.produce(topic, [{ value: 'b1' }, { value: 'b2' }]), /answer was lost/);
      assert.equal(injection.lost, 1);
      assert.deepEqual(await values(kafka, topic), ['a0', 'b1', 'b2']);
      // other records, as many as the lost send: under its sequence numbers the broker would take
      // them for that send again, answer with its offset, and store nothing
      const [c1] = await kafka.produce(topic, [{ value: 'c1' }, { value: 'c2' }]);
      assert.equal(c1.offset, 3);
      // a different count after another lost send: under reused numbers the broker refuses it
      // (OUT_OF_ORDER_SEQUENCE_NUMBER), and every send after it
      injection.lose = true;
      await assert.rejects(kafka.produce(topic, [{ value: 'd1' }]), /answer was lost/);
      await kafka.produce(topic, [{ value: 'e1' }, { value: 'e2' }, { value: 'e3' }]);
      await kafka.produce(topic, [{ value: 'f1' }]);
      // a retry of the very send that failed is a duplicate to the broker: stored once
      injection.lose = true;
      await assert.rejects(kafka.produce(topic, [{ value: 'g1' }, { value: 'g2' }]), /answer was lost/);
      const [g1] = await kafka.produce(topic, [{ value: 'g1' }, { value: 'g2' }]);
      await kafka.produce(topic, [{ value: 'h1' }]);

      const stored = await values(kafka, topic);
      assert.deepEqual(stored, [
        'a0',
        'b1',
        'b2',
        'c1',
        'c2',
        'd1',
        'e1',
        'e2',
        'e3',
        'f1',
        'g1',
        'g2',
        'h1',
      ]);
      assert.equal(g1.offset, stored.indexOf('g1'));
      assert.equal(injection.lost, 3);
    } finally {
      injection.restore();
      await kafka.deleteTopic(topic).catch(() => undefined);
      await kafka.close();
    }
  },
);
