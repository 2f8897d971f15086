// A transactional producer whose transaction coordinator is lost (its broker died, or the
// coordinator moved) must go on with a newly found coordinator: @platformatic/kafka's producer
// looks the coordinator up once and keeps asking that broker for the client's life.
//
// The fault is injected: on the one local broker the coordinator never moves, and a broker that
// restarts comes back as the same coordinator, so the lost coordinator cannot be caused for real
// here (`npm run bench:kafka-cluster` causes it on three brokers by SIGKILL). The injection models
// the client's defect exactly: every client that sent before the fault answers NOT_COORDINATOR to
// every later send for good, as one that keeps a dead coordinator does; a new client is unaffected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, Producer, ProtocolError, NetworkError } from '@platformatic/kafka';
import { lostCoordinator } from '../../src/backbone/kafka/errors.js';
import { kafkaSkip, openKafka } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';
import { eventually } from '../helpers/wait.js';

test('lostCoordinator: the answers that mean the coordinator must be found again', () => {
  assert.equal(lostCoordinator(new ProtocolError('NOT_COORDINATOR')), true);
  assert.equal(lostCoordinator(new ProtocolError('COORDINATOR_NOT_AVAILABLE')), true);
  assert.equal(lostCoordinator(new Error('x', { cause: new NetworkError('Connection closed') })), true);
  // the client sent to a node missing from the brokers it cached (one that was down then)
  assert.equal(lostCoordinator(new TypeError("Cannot read properties of undefined (reading 'host')")), true);
  assert.equal(
    lostCoordinator(new Error('x', { cause: new Error('Cannot find broker with node id 2') })),
    true,
  );
  assert.equal(lostCoordinator(new ProtocolError('CONCURRENT_TRANSACTIONS')), false);
  assert.equal(lostCoordinator(new ProtocolError('INVALID_RECORD')), false);
});

test(
  'transactions: a producer whose coordinator is lost finds a new one, and the open transaction is aborted',
  { skip: kafkaSkip() },
  async () => {
    const kafka = await openKafka();
    const out = uniqueName('coord-out');
    const input = uniqueName('coord-in');
    const groupId = uniqueName('coord-group');
    const send = Producer.prototype.send;
    const sent = new WeakSet<object>();
    let faulty = false;
    let injected = 0;
    Producer.prototype.send = function (this: Producer, ...args: unknown[]) {
      if (faulty && sent.has(this)) {
        injected++;
        const callback = args[1] as ((error: Error) => void) | undefined;
        const error = new ProtocolError('NOT_COORDINATOR');
        if (callback) return void callback(error);
        return Promise.reject(error);
      }
      sent.add(this);
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send;
    try {
      await kafka.createTopic({ name: out, partitions: 1 });
      await kafka.createTopic({ name: input, partitions: 1 });
      const producer = await kafka.transactionalProducer({ transactionalId: uniqueName('coord-id') });
      await producer.transaction(async (tx) => {
        await tx.produce(out, [{ value: 'before' }]);
        await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 1 }]);
      });
      // the first record reaches the log inside the transaction, then the coordinator is lost
      await assert.rejects(
        producer.transaction(async (tx) => {
          await tx.produce(out, [{ value: 'left open' }]);
          faulty = true;
          await tx.produce(out, [{ value: 'never sent' }]);
        }),
        /NOT_COORDINATOR/,
      );
      assert.ok(injected > 0);
      // without a new client this fails the same way, for good
      await producer.transaction(async (tx) => {
        await tx.produce(out, [{ value: 'after' }]);
        await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 2 }]);
      });
      // 'left open' was aborted when the id was registered again: a read_committed reader sees
      // 'after' now, not after the transaction timeout
      await eventually(async () => {
        const { records } = await kafka.fetch({ topic: out, partition: 0, offset: 0, maxRecords: 100 });
        assert.deepEqual(
          records.map((r) => r.value!.toString()),
          ['before', 'after'],
        );
      }, 10_000);
      assert.deepEqual(
        (await kafka.committedOffsets(groupId)).map((o) => o.offset),
        [2],
      );
      await producer.close();
    } finally {
      Producer.prototype.send = send;
      await kafka.deleteTopic(out).catch(() => undefined);
      await kafka.deleteTopic(input).catch(() => undefined);
      await kafka.close();
    }
  },
);

test(
  'transactions: a coordinator lost while the client retries fails the step after a few retries, and the next transaction goes on',
  { skip: kafkaSkip() },
  async () => {
    const kafka = await openKafka();
    const out = uniqueName('coord-retry-out');
    // every connection open when the coordinator is lost refuses AddPartitionsToTxn from then
    // on, as a dead broker's does; a new client's connections are not affected
    const ADD_PARTITIONS_TO_TXN = 24;
    const send = Connection.prototype.send;
    const seen = new Set<object>();
    let dead: Set<object> | undefined;
    let refused = 0;
    Connection.prototype.send = function (this: Connection, ...args: unknown[]) {
      if (dead?.has(this) && args[0] === ADD_PARTITIONS_TO_TXN) {
        refused++;
        const callback = args[6] as (error: unknown) => void;
        return void setImmediate(() => callback(new NetworkError('Connection closed')));
      }
      seen.add(this);
      return (send as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof send;
    try {
      await kafka.createTopic({ name: out, partitions: 1 });
      const producer = await kafka.transactionalProducer({ transactionalId: uniqueName('coord-retry-id') });
      await producer.transaction((tx) => tx.produce(out, [{ value: 'before' }]));
      dead = new Set(seen);
      await assert.rejects(
        producer.transaction((tx) => tx.produce(out, [{ value: 'lost' }])),
        /did not answer producing in a transaction/,
      );
      // the client would try the dead node 301 times (its retries are many, for
      // CONCURRENT_TRANSACTIONS); the step gives up after a few
      assert.ok(refused >= 2 && refused <= 4, `AddPartitionsToTxn tried ${refused} times`);
      await producer.transaction((tx) => tx.produce(out, [{ value: 'after' }]));
      // the commit markers follow the commit within milliseconds
      await eventually(async () => {
        const { records } = await kafka.fetch({ topic: out, partition: 0, offset: 0, maxRecords: 100 });
        assert.deepEqual(
          records.map((r) => r.value!.toString()),
          ['before', 'after'],
        );
      }, 10_000);
      await producer.close();
    } finally {
      Connection.prototype.send = send;
      await kafka.deleteTopic(out).catch(() => undefined);
      await kafka.close();
    }
  },
);
