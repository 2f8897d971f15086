// TLS and SASL for real: the local broker's SASL_SSL listener (a CA and broker certificate made at
// start time; PLAIN and SCRAM users; ACLs enforced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthenticationError,
  AuthorizationError,
  BrokerUnreachableError,
} from '../../src/backbone/errors.js';
import { KafkaBackbone, type KafkaBackboneOptions } from '../../src/backbone/kafka/index.js';
import { saslSsl, unlessCI } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';

const listener = saslSsl();
const skip = unlessCI(
  listener ? false : 'no SASL_SSL listener: run through scripts/run-tests.js with the local broker',
);

function backbone(options: Partial<KafkaBackboneOptions>): KafkaBackbone {
  return new KafkaBackbone({
    brokers: listener!.brokers,
    tls: true,
    caFile: listener!.caFile,
    connectTimeoutMs: 3_000,
    requestTimeoutMs: 10_000,
    retries: 1,
    ...options,
  });
}

test('SCRAM-SHA-256 over TLS: create, produce and fetch', { skip }, async () => {
  const kafka = backbone({
    sasl: { mechanism: 'scram-sha-256', username: listener!.username, password: listener!.password },
  });
  try {
    const topic = uniqueName('sasl');
    await kafka.createTopic({ name: topic });
    const [written] = await kafka.produce(topic, [{ key: 'k', value: 'over TLS' }]);
    const { records } = await kafka.fetch({ topic, partition: 0, offset: written.offset });
    assert.equal(records[0].value?.toString(), 'over TLS');
    await kafka.deleteTopic(topic);
  } finally {
    await kafka.close();
  }
});

for (const mechanism of ['scram-sha-512', 'plain'] as const) {
  test(`SASL ${mechanism} over TLS connects`, { skip }, async () => {
    const kafka = backbone({
      sasl: { mechanism, username: listener!.username, password: listener!.password },
    });
    try {
      assert.ok(Array.isArray(await kafka.listTopics()));
    } finally {
      await kafka.close();
    }
  });
}

for (const mechanism of ['scram-sha-256', 'plain'] as const) {
  test(`a wrong ${mechanism} password is an AuthenticationError, quickly`, { skip }, async () => {
    const kafka = backbone({
      sasl: { mechanism, username: listener!.username, password: 'not-the-password' },
    });
    const started = Date.now();
    try {
      await assert.rejects(kafka.connect(), (error: Error) => {
        assert.ok(error instanceof AuthenticationError, `${error.name}: ${error.message}`);
        assert.match(error.message, /credentials|password/);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      await kafka.close();
    }
  });
}

test('an untrusted broker certificate is a clear BrokerUnreachableError', { skip }, async () => {
  // no caFile: the test CA is not among Node's trusted roots
  const kafka = backbone({
    caFile: undefined,
    sasl: { mechanism: 'scram-sha-256', username: listener!.username, password: listener!.password },
  });
  try {
    await assert.rejects(kafka.connect(), (error: Error) => {
      assert.ok(error instanceof BrokerUnreachableError, `${error.name}: ${error.message}`);
      assert.match(error.message, /certificate is not trusted/);
      assert.match(error.message, /CA file/);
      return true;
    });
  } finally {
    await kafka.close();
  }
});

test('a user without ACLs gets AuthorizationError naming the operation', { skip }, async () => {
  const admin = backbone({
    sasl: { mechanism: 'scram-sha-256', username: listener!.username, password: listener!.password },
  });
  const restricted = backbone({
    sasl: { mechanism: 'scram-sha-512', ...listener!.restricted },
  });
  const topic = uniqueName('sasl-acl');
  try {
    await admin.createTopic({ name: topic });
    await assert.rejects(restricted.createTopic({ name: uniqueName('sasl-denied') }), (error: Error) => {
      assert.ok(error instanceof AuthorizationError, `${error.name}: ${error.message}`);
      assert.match(error.message, /ACLs/);
      return true;
    });
    await assert.rejects(restricted.produce(topic, [{ value: 'x', partition: 0 }]), AuthorizationError);
    // the process stays up and the authorised client still works
    assert.equal((await admin.produce(topic, [{ value: 'ok' }]))[0].offset, 0);
  } finally {
    await admin.deleteTopic(topic).catch(() => undefined);
    await Promise.all([admin.close(), restricted.close()]);
  }
});
