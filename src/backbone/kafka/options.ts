// How the Kafka backbone reaches its cluster: brokers, TLS, SASL, client id, topic defaults and the
// time bounds that turn an unreachable cluster into an error instead of a hang.
import { readFileSync } from 'node:fs';
import { compressionsAlgorithms, type BaseOptions } from '@platformatic/kafka';
import { InvalidConfigError } from '../errors.js';

export interface KafkaBackboneOptions {
  /** `host:port` of one or more brokers (bootstrap servers). Use IPs or names, not `localhost` (IPv6 first). */
  brokers: string[];
  /** Default `tml`. */
  clientId?: string;
  /** TLS to the brokers (VIPER's `enabletls`). */
  tls?: boolean;
  /** PEM file of the CA to trust, when the brokers' certificate is not signed by a public CA. */
  caFile?: string;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** The codec the producer compresses record batches with (default none; readers accept every codec). */
  compression?: KafkaCompression;
  /** Defaults for `createTopic`/`ensureTopic` when the topic does not say. */
  topicDefaults?: { partitions: number; replicationFactor: number };
  /** Time allowed to open a connection (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Time allowed for one request (default 30,000 ms; a long poll adds its own wait). */
  requestTimeoutMs?: number;
  /** Attempts after a failed request (default 2), `retryDelayMs` apart (default 300 ms). */
  retries?: number;
  retryDelayMs?: number;
}

/** Kafka's record-batch codecs (zstd only where the client has it). */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** The codec named `name`, or why not (unknown, or not in this Node.js's Kafka client). */
export function kafkaCompression(name: string): { codec: KafkaCompression } | { error: string } {
  const algorithm = (compressionsAlgorithms as Record<string, { available?: boolean } | undefined>)[name];
  if (algorithm === undefined)
    return { error: `must be none, gzip, snappy, lz4 or zstd, got '${name.slice(0, 40)}'` };
  if (algorithm.available === false) {
    return { error: `is '${name}', which the Kafka client cannot compress with on this Node.js` };
  }
  return { codec: name as KafkaCompression };
}

const MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/** Checks the options and turns them into the client's connection options. */
export function clientOptions(options: KafkaBackboneOptions, clientId: string): BaseOptions {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new InvalidConfigError('Kafka needs at least one broker (TML_KAFKA_BROKERS=host:port[,host:port])');
  }
  for (const broker of options.brokers) {
    if (typeof broker !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(broker)) {
      throw new InvalidConfigError(`a Kafka broker must be 'host:port', got '${String(broker)}'`);
    }
  }
  const base: BaseOptions = {
    clientId,
    bootstrapBrokers: options.brokers,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    timeout: options.requestTimeoutMs ?? 30_000,
    retries: options.retries ?? 2,
    retryDelay: options.retryDelayMs ?? 300,
    metadataMaxAge: 30_000,
    autocreateTopics: false,
  };
  if (options.tls || options.caFile) {
    let ca: Buffer | undefined;
    if (options.caFile) {
      try {
        ca = readFileSync(options.caFile);
      } catch (error) {
        throw new InvalidConfigError(
          `cannot read the Kafka CA file '${options.caFile}': ${(error as Error).message}`,
        );
      }
    }
    base.tls = ca ? { ca } : {};
  }
  if (options.sasl) {
    const mechanism = MECHANISMS[options.sasl.mechanism];
    if (!mechanism) {
      throw new InvalidConfigError(
        `unknown SASL mechanism '${String(options.sasl.mechanism)}' (use plain, scram-sha-256 or scram-sha-512)`,
      );
    }
    base.sasl = { mechanism, username: options.sasl.username, password: options.sasl.password };
  }
  return base;
}
