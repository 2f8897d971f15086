// Where the Kafka tests find their broker. scripts/run-tests.js starts the local broker
// (scripts/kafka.sh) and exports its settings unless TML_KAFKA_BROKERS already names a cluster.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { KafkaBackbone, type KafkaBackboneOptions } from '../../src/backbone/kafka/index.js';
import type { ConformanceOptions } from '../backbone/conformance.js';
import type { BackboneEnv } from './backbones.js';

const env = process.env;

/**
 * The brokers of the cluster under test, or undefined when there is none. scripts/run-tests.js
 * hands them over as TML_TEST_KAFKA_BROKERS (and removes TML_KAFKA_BROKERS from the tests'
 * environment), so a `tml` child process a test starts stays on the embedded backbone unless the
 * test asks for Kafka.
 */
export function kafkaBrokers(): string[] | undefined {
  const raw = env.TML_TEST_KAFKA_BROKERS ?? env.TML_KAFKA_BROKERS;
  return raw ? raw.split(',').map((b) => b.trim()) : undefined;
}

/**
 * A skip reason, except under CI=true: there a test that needs Kafka fails loudly instead of being
 * skipped (the test file fails at load with the reason).
 */
export function unlessCI(reason: string | false): string | false {
  if (reason !== false && env.CI === 'true')
    throw new Error(`CI=true, and a Kafka test cannot run: ${reason}`);
  return reason;
}

/** For `test(name, { skip: kafkaSkip() }, ...)`: a reason when no broker is configured, else false. */
export function kafkaSkip(): string | false {
  return unlessCI(
    kafkaBrokers()
      ? false
      : 'no Kafka broker: TML_KAFKA_BROKERS is not set and the local broker did not start',
  );
}

/** A Kafka backbone on the cluster under test, with short time bounds so failures are quick. */
export async function openKafka(options: Partial<KafkaBackboneOptions> = {}): Promise<KafkaBackbone> {
  const backbone = new KafkaBackbone({
    brokers: kafkaBrokers() ?? [],
    clientId: 'tml-test',
    connectTimeoutMs: 3_000,
    requestTimeoutMs: 15_000,
    ...options,
  });
  await backbone.connect();
  return backbone;
}

/** The SASL_SSL listener of the local broker (scripts/kafka.sh env), when the tests have one. */
export function saslSsl():
  | {
      brokers: string[];
      caFile: string;
      username: string;
      password: string;
      restricted: { username: string; password: string };
    }
  | undefined {
  if (!env.TML_KAFKA_SASL_SSL_BROKERS || !env.TML_KAFKA_SASL_SSL_CA_FILE) return undefined;
  return {
    brokers: env.TML_KAFKA_SASL_SSL_BROKERS.split(','),
    caFile: env.TML_KAFKA_SASL_SSL_CA_FILE,
    username: env.TML_KAFKA_SASL_SSL_USERNAME ?? '',
    password: env.TML_KAFKA_SASL_SSL_PASSWORD ?? '',
    restricted: {
      username: env.TML_KAFKA_SASL_SSL_RESTRICTED_USERNAME ?? '',
      password: env.TML_KAFKA_SASL_SSL_RESTRICTED_PASSWORD ?? '',
    },
  };
}

/** The local broker the test runner started, which tests may stop and start again (same data).
 * Asynchronous, so that the test's own producers and consumers keep running meanwhile. */
export const localBroker = {
  managed: env.TML_KAFKA_MANAGED === '1',
  stop: (): Promise<void> => run('stop'),
  start: (): Promise<void> => run('start'),
};

function run(command: string): Promise<void> {
  // tests run from the repository root (scripts/run-tests.js and `node --test` alike)
  const script = join(process.cwd(), 'scripts', 'kafka.sh');
  return new Promise((resolve, reject) => {
    execFile('bash', [script, command], (error, _stdout, stderr) =>
      error ? reject(new Error(`scripts/kafka.sh ${command} failed: ${stderr}`)) : resolve(),
    );
  });
}

/** The conformance suite's knobs for Kafka: retention and compaction act on closed segments only,
 * on the broker's schedule (scripts/kafka.sh sets it to about a second). */
export const kafkaConformance: ConformanceOptions = {
  // a segment per write (segment.bytes cannot go below 1 MiB): cleanup always has closed segments
  cleanupTopicConfig: { 'segment.ms': 1 },
  segmentRollWaitMs: 300,
  cleanupTimeoutMs: 30_000,
  rebalanceTimeoutMs: 20_000,
  // the local broker allows sessions down to 1 s (group.min.session.timeout.ms)
  sessionTimeoutMs: 1_500,
  wakeWithinMs: 1_000,
};

/** The Kafka cluster under test as a backbone environment (see test/helpers/backbones.ts). */
export async function kafkaEnv(): Promise<BackboneEnv | { unavailable: string }> {
  const reason = kafkaSkip();
  if (reason) return { unavailable: reason };
  return {
    name: 'kafka',
    open: () => openKafka(),
    // every test uses unique topic and group names; the local broker starts empty on each run
    cleanup: async () => {},
    conformance: kafkaConformance,
  };
}
