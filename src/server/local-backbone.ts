// What the command line's local mode needs from the server layer besides the operations: the
// backbone opened from the configuration (as `tml serve` opens it), the topic-name rule and the
// backbone's error codes, so the CLI never reaches into the backbone itself (DESIGN.md §3).
import { BackboneError } from '../backbone/errors.js';
import { openBackbone } from '../backbone/open.js';
import { validateTopicName } from '../backbone/topic-name.js';
import type { Backbone } from '../backbone/types.js';
import type { TmlConfig } from '../config/config.js';

export type OpenBackboneOptions = Parameters<typeof openBackbone>[0];

/** The backbone options the configuration gives (embedded in the data directory, or Kafka). */
export function backboneOptions(config: TmlConfig): OpenBackboneOptions {
  return {
    dataDir: config.dataDir,
    maxMessageBytes: config.maxMessageBytes,
    maxStorageBytes: config.maxStorageBytes,
    defaultPartitions: config.topicDefaults.partitions,
    defaultReplicationFactor: config.topicDefaults.replicationFactor,
    kafka: config.kafka,
  };
}

export function openConfiguredBackbone(options: OpenBackboneOptions): Promise<Backbone> {
  return openBackbone(options);
}

/** Throws the backbone's InvalidTopicNameError unless `name` follows Kafka's naming rules. */
export function checkTopicNameRule(name: string): void {
  validateTopicName(name);
}

/** The backbone's error code of `error`, or undefined when it is not the backbone's. */
export function backboneErrorCode(error: unknown): string | undefined {
  return error instanceof BackboneError ? error.code : undefined;
}
