// Bad input on the Kafka backbone: each case is a typed error that says what to check, within a
// bounded time, and the backbone keeps working afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BrokerUnreachableError,
  InvalidConfigError,
  InvalidRecordError,
  InvalidTopicNameError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../../src/backbone/errors.js';
import { KafkaBackbone } from '../../src/backbone/kafka/index.js';
import { kafkaSkip, openKafka } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';

const skip = kafkaSkip();

test('unreachable brokers: BrokerUnreachableError within a bounded time, no hang', async () => {
  // port 1 on loopback refuses at once; a bounded number of retries follows
  const kafka = new KafkaBackbone({
    brokers: ['127.0.0.1:1'],
    connectTimeoutMs: 1_000,
    retries: 1,
    retryDelayMs: 100,
  });
  const started = Date.now();
  try {
    await assert.rejects(kafka.listTopics(), (error: Error) => {
      assert.ok(error instanceof BrokerUnreachableError, `${error.name}: ${error.message}`);
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.match(error.message, /Check that the brokers run/);
      return true;
    });
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  } finally {
    await kafka.close();
  }
});

test('a broker address that does not answer at all times out within the bound', async () => {
  // 192.0.2.0/24 is TEST-NET-1: whether the network refuses it at once or drops the packets,
  // the connect timeout bounds the wait
  const kafka = new KafkaBackbone({
    brokers: ['192.0.2.1:9092'],
    connectTimeoutMs: 500,
    retries: 1,
    retryDelayMs: 100,
  });
  const started = Date.now();
  try {
    await assert.rejects(kafka.connect(), BrokerUnreachableError);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  } finally {
    await kafka.close();
  }
});

test('malformed settings are InvalidConfigError before any connection', () => {
  assert.throws(() => new KafkaBackbone({ brokers: [] }), InvalidConfigError);
  assert.throws(() => new KafkaBackbone({ brokers: ['no-port'] }), /host:port/);
  assert.throws(
    () => new KafkaBackbone({ brokers: ['127.0.0.1:19092'], caFile: '/nonexistent/ca.pem' }),
    /CA file/,
  );
  assert.throws(
    () =>
      new KafkaBackbone({
        brokers: ['127.0.0.1:19092'],
        sasl: { mechanism: 'gssapi' as 'plain', username: 'u', password: 'p' },
      }),
    /SASL mechanism/,
  );
});

test('topic names Kafka refuses, unknown topics and partitions, offsets out of range', { skip }, async () => {
  const kafka = await openKafka();
  const base = uniqueName('bad');
  try {
    await assert.rejects(kafka.createTopic({ name: 'has space' }), InvalidTopicNameError);
    await assert.rejects(kafka.createTopic({ name: 'x'.repeat(250) }), InvalidTopicNameError);
    // Kafka itself refuses a name that collides with an existing one once '.' and '_' are equated
    await kafka.createTopic({ name: `${base}.a` });
    await assert.rejects(kafka.createTopic({ name: `${base}_a` }), (error: Error) => {
      assert.ok(error instanceof InvalidTopicNameError, `${error.name}: ${error.message}`);
      assert.match(error.message, /collides/);
      return true;
    });
    await assert.rejects(kafka.produce(`${base}-missing`, [{ value: 'x' }]), UnknownTopicError);
    await assert.rejects(
      kafka.fetch({ topic: `${base}-missing`, partition: 0, offset: 0 }),
      UnknownTopicError,
    );
    await assert.rejects(kafka.produce(`${base}.a`, [{ value: 'x', partition: 7 }]), UnknownPartitionError);
    await assert.rejects(kafka.fetch({ topic: `${base}.a`, partition: 0, offset: 5 }), (error: Error) => {
      assert.ok(error instanceof OffsetOutOfRangeError);
      assert.match(error.message, /0\.\.0/);
      return true;
    });
    await assert.rejects(
      kafka.produce(`${base}.a`, [{ value: 42 as unknown as string }]),
      InvalidRecordError,
    );
    await assert.rejects(
      kafka.createTopic({ name: `${base}-cfg`, config: { 'retention.ms': 'soon' as unknown as number } }),
      InvalidConfigError,
    );
    // still working
    assert.equal((await kafka.produce(`${base}.a`, [{ value: 'fine' }]))[0].offset, 0);
  } finally {
    await kafka.deleteTopic(`${base}.a`).catch(() => undefined);
    await kafka.close();
  }
});

test('a record over the size limit is RecordTooLargeError naming the limit', { skip }, async () => {
  const kafka = await openKafka();
  const topic = uniqueName('too-large');
  try {
    await kafka.createTopic({ name: topic, config: { 'max.message.bytes': 10_000 } });
    await assert.rejects(kafka.produce(topic, [{ value: Buffer.alloc(20_000, 1) }]), (error: Error) => {
      assert.ok(error instanceof RecordTooLargeError, `${error.name}: ${error.message}`);
      assert.match(error.message, /10000 bytes/);
      return true;
    });
    assert.equal((await kafka.produce(topic, [{ value: Buffer.alloc(1_000, 1) }]))[0].offset, 0);
  } finally {
    await kafka.deleteTopic(topic).catch(() => undefined);
    await kafka.close();
  }
});
