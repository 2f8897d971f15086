// Configuration selects the backbone: TML_KAFKA_BROKERS makes openBackbone connect to Kafka at once,
// so a wrong address is reported at start-up as a typed error, not at the first use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { openBackbone } from '../../src/backbone/open.js';
import { BrokerUnreachableError } from '../../src/backbone/errors.js';
import { kafkaBrokers, kafkaSkip } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';

test(
  'TML_KAFKA_BROKERS selects Kafka; topics made through it are Kafka topics',
  { skip: kafkaSkip() },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-kafka-open-'));
    try {
      const config = loadConfig({ TML_KAFKA_BROKERS: kafkaBrokers()!.join(','), TML_DATA_DIR: dataDir });
      const backbone = await openBackbone({
        dataDir: config.dataDir,
        kafka: config.kafka,
        defaultPartitions: 2,
      });
      try {
        assert.equal(backbone.kind, 'kafka');
        const topic = uniqueName('open');
        await backbone.createTopic({ name: topic });
        assert.equal((await backbone.describeTopic(topic)).partitions.length, 2, 'the configured default');
        await backbone.deleteTopic(topic);
      } finally {
        await backbone.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test('an unreachable cluster fails openBackbone with BrokerUnreachableError, quickly', async () => {
  const started = Date.now();
  await assert.rejects(
    openBackbone({
      dataDir: tmpdir(),
      kafka: { brokers: ['127.0.0.1:1'], clientId: 'tml', tls: false, connectTimeoutMs: 500, retries: 1 },
    }),
    BrokerUnreachableError,
  );
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

test('without Kafka settings the backbone is the embedded one', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-kafka-open-'));
  try {
    const config = loadConfig({ TML_DATA_DIR: dataDir });
    assert.equal(config.kafka, undefined);
    const backbone = await openBackbone({ dataDir: config.dataDir, kafka: config.kafka });
    assert.equal(backbone.kind, 'embedded');
    await backbone.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
