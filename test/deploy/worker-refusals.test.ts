// A `tml worker` as a container starts it (TML_KAFKA_WAIT_MS set, as the image does): refused
// credentials end it at once instead of being retried, a namespace no server uses ends it with
// exit code 2, and brokers that stay unreachable are tried with backoff until the wait is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tml } from '../cli/tml.js';
import { kafkaBrokers, kafkaSkip, saslSsl } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';

const listener = saslSsl();

test(
  'a worker whose SASL password is wrong says so and exits without waiting',
  { skip: kafkaSkip(), timeout: 120_000 },
  async () => {
    assert.ok(listener, 'the local broker has a SASL_SSL listener');
    const started = Date.now();
    const result = await tml(null, ['worker'], {
      env: {
        TML_KAFKA_BROKERS: listener.brokers.join(','),
        TML_KAFKA_TLS: 'true',
        TML_KAFKA_CA_FILE: listener.caFile,
        TML_KAFKA_SASL_MECHANISM: 'plain',
        TML_KAFKA_SASL_USERNAME: listener.username,
        TML_KAFKA_SASL_PASSWORD: 'not-the-password',
        TML_KAFKA_WAIT_MS: '60000',
      },
    });
    const elapsed = Date.now() - started;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^tml: Kafka refused the credentials at .*Check the SASL mechanism/m);
    assert.doesNotMatch(result.stderr, /waiting for the Kafka brokers/);
    assert.equal(result.stderr.includes('not-the-password'), false, 'the password is not echoed');
    // far less than the 60 s wait: refused credentials are not retried
    assert.ok(elapsed < 30_000, `exited after ${elapsed} ms`);
  },
);

test(
  'a worker whose namespace no server uses says so and exits with code 2',
  { skip: kafkaSkip(), timeout: 120_000 },
  async () => {
    const namespace = uniqueName('nosuch');
    const result = await tml(null, ['worker'], {
      env: {
        TML_KAFKA_BROKERS: kafkaBrokers()!.join(','),
        TML_NAMESPACE: namespace,
        TML_KAFKA_WAIT_MS: '60000',
      },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^tml: TML_NAMESPACE='${namespace}': the Kafka cluster has no solutions catalog '__tml_${namespace}\\.solutions'`,
      ),
    );
  },
);

test(
  'a worker waits for unreachable brokers with backoff, then gives up naming them',
  { timeout: 120_000 },
  async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = await tml(null, ['worker'], {
      env: { TML_KAFKA_BROKERS: `127.0.0.1:${port}`, TML_KAFKA_WAIT_MS: '2500' },
    });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    const waits = lines.filter((l) =>
      l.startsWith(`tml: waiting for the Kafka brokers 127.0.0.1:${port} (try `),
    );
    assert.ok(waits.length >= 1, result.stderr);
    waits.forEach((line, i) =>
      assert.match(line, new RegExp(`\\(try ${i + 1}: .*next try in ${500 * 2 ** i} ms$`)),
    );
    assert.match(lines.at(-1)!, /^tml: the Kafka brokers 127\.0\.0\.1:\d+ did not answer/);
  },
);
