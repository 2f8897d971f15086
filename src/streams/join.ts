// Joining streams: the latest window of each stream, cut at one moment, as one joined record
// (what VIPER's `producetotopicstream` writes into the joined topic). The join keeps each stream's
// values as they are; alignment to the shortest stream happens when a training set is made from it
// (align.ts), pairing values of the same partition only: joined streams are co-partitioned, as the
// record-by-record join of solutions requires too (position-join.ts).
import type { Backbone } from '../backbone/types.js';
import { InvalidJoinError } from './errors.js';
import { checkCoPartitioned } from './position-join.js';
import { parseStreamAddress } from './stream-address.js';
import { latestWindow, type PartitionRange, type WindowSpec } from './window.js';

export const JOINED_RECORD_VERSION = 1;

/** One joined record: the JSON value written into a joined topic. */
export interface JoinedRecord {
  version: 1;
  /** Stream (topic) names in the order they were joined. */
  streams: string[];
  /** Each stream's numeric values in the window, oldest first. */
  values: Record<string, number[]>;
  /** Each stream's timestamps (ms), aligned with `values`. */
  timestamps: Record<string, number[]>;
  /** Lineage: the offsets each stream's window covers, per partition. */
  offsets: Record<string, PartitionRange[]>;
  /**
   * The partition of each value, per stream, when a stream has several partitions (absent: one
   * partition each); values are paired within a partition only.
   */
  partitions?: Record<string, number[]>;
  /** Records left out per stream because their value was not a number. */
  skipped: Record<string, number>;
  /** When the windows were cut (ms since the epoch). */
  createdAt: number;
}

export async function joinLatestWindows(
  backbone: Backbone,
  streams: readonly string[],
  spec: WindowSpec,
): Promise<JoinedRecord> {
  if (streams.length === 0) throw new InvalidJoinError('name at least one stream (topic) to join');
  const unique = new Set(streams);
  if (unique.size !== streams.length) {
    throw new InvalidJoinError(`a stream is named twice in ${streams.join(',')}`);
  }
  await checkJoinable(backbone, streams, spec);
  const joined: JoinedRecord = {
    version: JOINED_RECORD_VERSION,
    streams: [...streams],
    values: {},
    timestamps: {},
    offsets: {},
    skipped: {},
    createdAt: spec.now ?? Date.now(),
  };
  for (const topic of streams) {
    const window = await latestWindow(backbone, topic, spec);
    joined.values[topic] = Array.from(window.values);
    joined.timestamps[topic] = Array.from(window.timestamps);
    joined.offsets[topic] = window.ranges;
    joined.skipped[topic] = window.skipped;
    if (window.ranges.length > 1) (joined.partitions ??= {})[topic] = Array.from(window.partitions);
  }
  return joined;
}

/** Several streams joined over all their partitions must be co-partitioned (refused by name). */
export async function checkJoinable(
  backbone: Backbone,
  streams: readonly string[],
  spec: Pick<WindowSpec, 'partition'> = {},
): Promise<void> {
  if (streams.length < 2 || (spec.partition !== undefined && spec.partition >= 0)) return;
  const counts = new Map<string, number>();
  // a named stream inside a topic (`<topic>/<stream>`) has its topic's partitions
  for (const s of streams) counts.set(s, (await backbone.listOffsets(parseStreamAddress(s).topic)).length);
  checkCoPartitioned(counts);
}

/** Reads a joined record back from a topic value, with errors that say what is wrong. */
export function parseJoinedRecord(value: Buffer | string | null): JoinedRecord {
  if (value === null) throw new InvalidJoinError('the joined record is empty (a tombstone)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new InvalidJoinError('the record is not JSON, so not a joined record');
  }
  const r = parsed as Partial<JoinedRecord>;
  if (
    r === null ||
    typeof r !== 'object' ||
    !Array.isArray(r.streams) ||
    typeof r.values !== 'object' ||
    r.values === null
  ) {
    throw new InvalidJoinError('the record has no `streams` and `values`: not a joined record');
  }
  for (const s of r.streams) {
    if (!Array.isArray(r.values[s])) throw new InvalidJoinError(`the joined record has no values for '${s}'`);
  }
  return {
    version: JOINED_RECORD_VERSION,
    streams: r.streams,
    values: r.values,
    timestamps: r.timestamps ?? {},
    offsets: r.offsets ?? {},
    ...(r.partitions !== undefined ? { partitions: r.partitions } : {}),
    skipped: r.skipped ?? {},
    createdAt: r.createdAt ?? 0,
  };
}
