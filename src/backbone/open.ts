// Opens the backbone the configuration asks for: the embedded store in a data directory, or a
// Kafka cluster when `kafka` settings are given.
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddedBackbone } from './embedded/embedded-backbone.js';
import { BrokerUnreachableError } from './errors.js';
// The Kafka client is loaded only when Kafka is asked for: it adds ~0.4 s to every start otherwise
// (measured on the CLI), and the embedded backbone is the default.
import type { KafkaBackboneOptions } from './kafka/index.js';
import type { Backbone } from './types.js';

export interface BackboneOptions {
  /** The embedded backbone's data directory (default in tml's config: `./.tml/`). */
  dataDir: string;
  /** The largest record accepted unless a topic's `max.message.bytes` says otherwise (default 1 MiB). */
  maxMessageBytes?: number;
  /** Embedded only: a size limit for the store, beyond which appends fail with `StorageFullError`. */
  maxStorageBytes?: number;
  defaultPartitions?: number;
  defaultReplicationFactor?: number;
  /** Kafka connection settings (tml's `KafkaSettings`); when present the backbone is Kafka. */
  kafka?: KafkaBackboneOptions | null;
  /**
   * Kafka: how long to keep trying brokers that cannot be reached yet (a container started before its
   * cluster), with backoff; 0 = fail at once. Refused credentials and other errors fail at once.
   */
  waitForBrokersMs?: number;
  /** Told each time the brokers could not be reached and another try follows. */
  onWaiting?: (line: string) => void;
}

export async function openBackbone(options: BackboneOptions): Promise<Backbone> {
  if (options.kafka !== undefined && options.kafka !== null) {
    const { KafkaBackbone } = await import('./kafka/index.js');
    const kafkaOptions = options.kafka;
    const deadline = Date.now() + (options.waitForBrokersMs ?? 0);
    for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
      const kafka = new KafkaBackbone({
        ...kafkaOptions,
        topicDefaults: {
          partitions: options.defaultPartitions ?? 1,
          replicationFactor: options.defaultReplicationFactor ?? 1,
        },
      });
      try {
        // fail now, with a clear error, when the cluster cannot be reached or refuses the credentials
        await kafka.connect();
        return kafka;
      } catch (error) {
        await kafka.close();
        if (!(error instanceof BrokerUnreachableError) || Date.now() + delay > deadline) throw error;
        options.onWaiting?.(
          `tml: waiting for the Kafka brokers ${kafkaOptions.brokers.join(',')} (try ${attempt}: ` +
            `${error.message}); next try in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }
  return EmbeddedBackbone.open({
    dataDir: options.dataDir,
    maxMessageBytes: options.maxMessageBytes,
    maxStorageBytes: options.maxStorageBytes,
    defaultPartitions: options.defaultPartitions,
    defaultReplicationFactor: options.defaultReplicationFactor,
  });
}
