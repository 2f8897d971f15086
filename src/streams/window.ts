// The latest window of one stream: the last N records (VIPER's "roll back N offsets") or the
// records of the last T milliseconds, across the topic's partitions, oldest first.
import type { Backbone, ConsumedRecord } from '../backbone/types.js';
import { numericValue } from './values.js';
import { InvalidWindowError } from './errors.js';

export interface WindowSpec {
  /** Keep the newest `lastOffsets` records (per stream, over all its partitions). */
  lastOffsets?: number;
  /** Keep the records whose timestamp is within the last `lastMs` milliseconds (of `now`). */
  lastMs?: number;
  /** Start each partition at this offset (and keep at most lastOffsets records from it). */
  fromOffset?: number;
  /** Read only this partition (VIPER's `partition`; -1 or absent = all). */
  partition?: number;
  /** JSON-object values: the field holding the number (default `value`). */
  field?: string;
  /** Clock for `lastMs`, for tests. */
  now?: number;
}

/** The offsets a window covers in one partition: [from, to) (to = the next offset after the window). */
export interface PartitionRange {
  partition: number;
  from: number;
  to: number;
}

export interface StreamWindow {
  topic: string;
  /** Numeric values, oldest first. */
  values: Float64Array;
  timestamps: Float64Array;
  /** Records in the window whose value was not a number: left out, counted here. */
  skipped: number;
  /** Lineage: the offsets read per partition. */
  ranges: PartitionRange[];
}

const FETCH_BATCH = 5000;

export function validateWindowSpec(spec: WindowSpec): void {
  const { lastOffsets, lastMs } = spec;
  if (lastOffsets === undefined && lastMs === undefined) {
    throw new InvalidWindowError('a window needs lastOffsets (the last N records) or lastMs (the last T ms)');
  }
  if (lastOffsets !== undefined && (!Number.isInteger(lastOffsets) || lastOffsets < 1)) {
    throw new InvalidWindowError(`lastOffsets must be a positive integer, got ${lastOffsets}`);
  }
  if (lastMs !== undefined && !(Number.isFinite(lastMs) && lastMs > 0)) {
    throw new InvalidWindowError(`lastMs must be a positive number of milliseconds, got ${lastMs}`);
  }
}

/** The records of the latest window (oldest first) and the offsets they cover. */
export async function latestRecords(
  backbone: Backbone,
  topic: string,
  spec: WindowSpec,
): Promise<{ records: ConsumedRecord[]; ranges: PartitionRange[] }> {
  validateWindowSpec(spec);
  const offsets = await backbone.listOffsets(topic);
  const partitions =
    spec.partition === undefined || spec.partition < 0
      ? offsets
      : offsets.filter((o) => o.partition === spec.partition);
  if (partitions.length === 0) {
    throw new InvalidWindowError(`topic '${topic}' has no partition ${spec.partition}`);
  }
  const since = spec.lastMs === undefined ? undefined : (spec.now ?? Date.now()) - spec.lastMs;

  const records: ConsumedRecord[] = [];
  const ranges: PartitionRange[] = [];
  for (const { partition, earliest, latest } of partitions) {
    let from = earliest;
    if (spec.lastOffsets !== undefined) from = Math.max(from, latest - spec.lastOffsets);
    if (since !== undefined) {
      from = Math.max(from, await backbone.offsetForTimestamp(topic, partition, since));
    }
    let end = latest;
    if (spec.fromOffset !== undefined) {
      from = Math.max(earliest, spec.fromOffset);
      if (spec.lastOffsets !== undefined) end = Math.min(latest, from + spec.lastOffsets);
    }
    let next = from;
    while (next < end) {
      const { records: batch } = await backbone.fetch({
        topic,
        partition,
        offset: next,
        maxRecords: Math.min(FETCH_BATCH, end - next),
        maxBytes: 16 * 1024 * 1024,
      });
      if (batch.length === 0) break; // compaction left a gap up to `latest`
      for (const record of batch) if (record.offset < end) records.push(record);
      next = batch[batch.length - 1].offset + 1;
    }
    ranges.push({ partition, from, to: Math.max(from, end) });
  }

  // one stream over several partitions: order by time, then partition and offset for a stable order
  records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  const kept =
    spec.lastOffsets !== undefined && records.length > spec.lastOffsets
      ? records.slice(records.length - spec.lastOffsets)
      : records;
  return { records: kept, ranges };
}

export async function latestWindow(
  backbone: Backbone,
  topic: string,
  spec: WindowSpec,
): Promise<StreamWindow> {
  const { records: kept, ranges } = await latestRecords(backbone, topic, spec);

  const values = new Float64Array(kept.length);
  const timestamps = new Float64Array(kept.length);
  let n = 0;
  let skipped = 0;
  for (const record of kept) {
    const v = numericValue(record.value, spec.field);
    if (!Number.isFinite(v)) {
      skipped++;
      continue;
    }
    values[n] = v;
    timestamps[n] = record.timestamp;
    n++;
  }
  return { topic, values: values.slice(0, n), timestamps: timestamps.slice(0, n), skipped, ranges };
}
