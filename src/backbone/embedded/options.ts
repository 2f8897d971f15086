// The embedded backbone's options and their defaults, checked before the store is opened.
import { InvalidConfigError } from '../errors.js';
import type { AssignmentStrategy } from './assignors.js';
import type { CheckpointTuning } from './checkpointer.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
export const DEFAULT_FETCH_MAX_RECORDS = 500;
export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 30_000;

export interface EmbeddedOptions {
  /** The data directory (created when missing). */
  dataDir: string;
  /** The largest record a topic accepts unless its `max.message.bytes` says otherwise (default 1 MiB). */
  maxMessageBytes?: number;
  /** Simulated disk size: appends that would grow the store beyond it fail with `StorageFullError`. */
  maxStorageBytes?: number;
  defaultPartitions?: number;
  defaultReplicationFactor?: number;
  /**
   * `normal` (default): an acknowledged append survives a crash of the process; `full`: it also
   * survives power loss, at the cost of an fsync per append. See docs/backbone.md.
   */
  synchronous?: 'normal' | 'full';
  /** How often retention and compaction run in the background (default 30 s; 0 turns the timer off). */
  maintenanceIntervalMs?: number;
  /** Kafka's partition assignment strategy for consumer groups (default `range`). */
  assignmentStrategy?: AssignmentStrategy;
  /**
   * A store up to this size is checked whole at open (SQLite's quick_check, about 1 s per GB);
   * damage elsewhere surfaces as `CorruptStoreError` when it is read. Default 64 MiB; 0 = never.
   */
  integrityCheckMaxBytes?: number;
  /**
   * When WAL checkpoints run (a worker thread copies the WAL into the database file; see
   * docs/backbone.md). The defaults suit production; tests shrink them to see every path.
   */
  walCheckpoint?: CheckpointTuning;
}

/** Throws `InvalidConfigError` naming the first bad option. */
export function validateEmbeddedOptions(options: EmbeddedOptions): void {
  if (!options || typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
    throw new InvalidConfigError('the embedded backbone needs a dataDir');
  }
  positiveInteger('maxMessageBytes', options.maxMessageBytes);
  positiveInteger('maxStorageBytes', options.maxStorageBytes);
  positiveInteger('defaultPartitions', options.defaultPartitions);
  positiveInteger('defaultReplicationFactor', options.defaultReplicationFactor);
  if (
    options.synchronous !== undefined &&
    options.synchronous !== 'normal' &&
    options.synchronous !== 'full'
  ) {
    throw new InvalidConfigError(
      `synchronous must be 'normal' or 'full', got ${String(options.synchronous)}`,
    );
  }
}

function positiveInteger(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
