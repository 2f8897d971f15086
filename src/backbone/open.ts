// Opens the backbone the configuration asks for: the embedded store in a data directory, or a
// Kafka cluster when `kafka` settings are given.
import { EmbeddedBackbone } from './embedded/embedded-backbone.js';
import { InvalidConfigError } from './errors.js';
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
  /** Kafka connection settings; when present the backbone is Kafka. */
  kafka?: unknown;
}

export async function openBackbone(options: BackboneOptions): Promise<Backbone> {
  if (options.kafka !== undefined && options.kafka !== null) {
    throw new InvalidConfigError(
      'the Kafka backbone is not available in this build yet; unset the Kafka settings',
    );
  }
  return EmbeddedBackbone.open({
    dataDir: options.dataDir,
    maxMessageBytes: options.maxMessageBytes,
    maxStorageBytes: options.maxStorageBytes,
    defaultPartitions: options.defaultPartitions,
    defaultReplicationFactor: options.defaultReplicationFactor,
  });
}
