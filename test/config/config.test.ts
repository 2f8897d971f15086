import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

test('the embedded backbone is the default; TML_KAFKA_BROKERS selects Kafka', () => {
  const embedded = loadConfig({});
  assert.equal(embedded.kafka, undefined);
  assert.equal(embedded.server.host, '127.0.0.1');
  assert.equal(embedded.server.port, 8000);
  const kafka = loadConfig({ TML_KAFKA_BROKERS: 'a:9092, b:9092' });
  assert.deepEqual(kafka.kafka?.brokers, ['a:9092', 'b:9092']);
  assert.equal(kafka.kafka?.tls, false);
});

test('TLS and SASL settings come from the environment, checked', () => {
  const config = loadConfig({
    TML_KAFKA_BROKERS: 'pkc.example:9092',
    TML_KAFKA_TLS: 'true',
    TML_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    TML_KAFKA_SASL_USERNAME: 'key',
    TML_KAFKA_SASL_PASSWORD: 'secret',
    TML_KAFKA_CLIENT_ID: 'plant-7',
  });
  assert.equal(config.kafka?.tls, true);
  assert.deepEqual(config.kafka?.sasl, { mechanism: 'scram-sha-512', username: 'key', password: 'secret' });
  assert.equal(config.kafka?.clientId, 'plant-7');
  assert.throws(
    () => loadConfig({ TML_KAFKA_BROKERS: 'a:1', TML_KAFKA_SASL_MECHANISM: 'gssapi' }),
    (e: unknown) => e instanceof ConfigError && /TML_KAFKA_SASL_MECHANISM must be one of/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ TML_KAFKA_BROKERS: 'a:1', TML_KAFKA_SASL_MECHANISM: 'plain' }),
    /TML_KAFKA_SASL_USERNAME and TML_KAFKA_SASL_PASSWORD are needed/,
  );
  assert.throws(
    () => loadConfig({ TML_KAFKA_BROKERS: 'a:1', TML_KAFKA_TLS: 'maybe' }),
    /TML_KAFKA_TLS must be/,
  );
  assert.throws(() => loadConfig({ TML_PORT: 'abc' }), /TML_PORT must be an integer/);
  assert.throws(() => loadConfig({ TML_KAFKA_BROKERS: ' , ' }), /names no broker/);
});

test('HTTPS and /metrics settings: from the file or the environment; a certificate needs its key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tml-config-tls-'));
  try {
    const file = join(dir, 'tml.json');
    writeFileSync(
      file,
      JSON.stringify({ server: { tls: { cert: 'a.crt', key: 'a.key' }, metricsNeedToken: false } }),
    );
    const fromFile = loadConfig({}, {}, file);
    assert.deepEqual(fromFile.server.tls, { cert: resolve('a.crt'), key: resolve('a.key') });
    assert.equal(fromFile.server.metricsNeedToken, false);
    const fromEnv = loadConfig({
      TML_TLS_CERT: '/x/c.pem',
      TML_TLS_KEY: '/x/k.pem',
      TML_METRICS_NEED_TOKEN: '1',
    });
    assert.deepEqual(fromEnv.server.tls, { cert: '/x/c.pem', key: '/x/k.pem' });
    assert.equal(fromEnv.server.metricsNeedToken, true);
    assert.equal(loadConfig({}).server.metricsNeedToken, true, '/metrics needs a token by default');
    assert.equal(loadConfig({}).server.tls, undefined, 'plain HTTP by default');
    assert.throws(() => loadConfig({ TML_TLS_CERT: '/x/c.pem' }), /HTTPS needs both a certificate and a key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the per-token limits come from the file and the environment, checked', () => {
  assert.equal(loadConfig({}).maxTrainingsPerToken, 2);
  assert.equal(loadConfig({ TML_MAX_TRAININGS_PER_TOKEN: '5' }).maxTrainingsPerToken, 5);
  assert.equal(loadConfig({}).maxRegistrationsPerToken, 10_000);
  assert.equal(loadConfig({ TML_MAX_REGISTRATIONS_PER_TOKEN: '7' }).maxRegistrationsPerToken, 7);
  assert.equal(loadConfig({}).maxRegistrationsPerToken, 10_000);
  assert.equal(loadConfig({ TML_MAX_REGISTRATIONS_PER_TOKEN: '7' }).maxRegistrationsPerToken, 7);
  assert.throws(
    () => loadConfig({ TML_MAX_TRAININGS_PER_TOKEN: '0' }),
    (e: unknown) =>
      e instanceof ConfigError && /TML_MAX_TRAININGS_PER_TOKEN must be an integer >= 1/.test(e.message),
  );
});
