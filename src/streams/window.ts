// The latest window of one stream: the last N records (VIPER's "roll back N offsets") or the
// records of the last T milliseconds, across the topic's partitions, oldest first. A stream is a
// topic or a named stream inside one (`topic/stream`, src/streams/stream-address.ts).
import type { Backbone, ConsumedRecord } from '../backbone/types.js';
import { numericValue } from './values.js';
import { inStream, parseStreamAddress, valueBytes } from './stream-address.js';
import { InvalidWindowError } from './errors.js';
import { devicePartitions, ofDevice } from './device.js';

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
  /** Only this device's records (record key, src/streams/device.ts). */
  device?: string;
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
  /** The partition each value came from (a join pairs values of the same partition). */
  partitions: Int32Array;
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
  name: string,
  spec: WindowSpec,
): Promise<{ records: ConsumedRecord[]; ranges: PartitionRange[] }> {
  validateWindowSpec(spec);
  const address = parseStreamAddress(name);
  const { topic } = address;
  const offsets = await backbone.listOffsets(topic);
  const partitions =
    spec.partition === undefined || spec.partition < 0
      ? devicePartitions(offsets, spec.device)
      : offsets.filter((o) => o.partition === spec.partition);
  if (partitions.length === 0) {
    throw new InvalidWindowError(`topic '${topic}' has no partition ${spec.partition}`);
  }
  const since = spec.lastMs === undefined ? undefined : (spec.now ?? Date.now()) - spec.lastMs;

  async function read(partition: number, from: number, end: number): Promise<ConsumedRecord[]> {
    const out: ConsumedRecord[] = [];
    let next = from;
    while (next < end) {
      const { records: batch } = await backbone.fetch({
        topic,
        partition,
        offset: next,
        maxRecords: Math.min(FETCH_BATCH, end - next),
        maxBytes: 16 * 1024 * 1024,
      });
      if (batch.length === 0) break; // compaction left a gap up to `end`
      for (const record of batch) {
        if (record.offset < end && inStream(record, address) && ofDevice(record, spec.device))
          out.push(record);
      }
      next = batch[batch.length - 1].offset + 1;
    }
    return out;
  }

  const records: ConsumedRecord[] = [];
  const ranges: PartitionRange[] = [];
  for (const { partition, earliest, latest } of partitions) {
    let from = earliest;
    if (since !== undefined) {
      from = Math.max(from, await backbone.offsetForTimestamp(topic, partition, since));
    }
    let end = latest;
    let kept: ConsumedRecord[];
    if (spec.fromOffset !== undefined) {
      from = Math.max(earliest, spec.fromOffset);
      if (spec.lastOffsets !== undefined) end = Math.min(latest, from + spec.lastOffsets);
      kept = await read(partition, from, end);
    } else if (spec.lastOffsets === undefined) {
      kept = await read(partition, from, end);
    } else if (address.stream === undefined && spec.device === undefined) {
      from = Math.max(from, latest - spec.lastOffsets);
      kept = await read(partition, from, end);
    } else {
      // a named stream or a device shares its topic: go back 4× as far each time until N of its
      // records are in
      const floor = from;
      for (let span = 4 * spec.lastOffsets; ; span *= 4) {
        from = Math.max(floor, latest - span);
        kept = await read(partition, from, end);
        if (kept.length >= spec.lastOffsets || from === floor) break;
      }
    }
    records.push(...kept);
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
  const address = parseStreamAddress(topic);

  const values = new Float64Array(kept.length);
  const timestamps = new Float64Array(kept.length);
  const partitionOf = new Int32Array(kept.length);
  let n = 0;
  let skipped = 0;
  for (const record of kept) {
    const v = numericValue(valueBytes(record, address), spec.field);
    if (!Number.isFinite(v)) {
      skipped++;
      continue;
    }
    values[n] = v;
    timestamps[n] = record.timestamp;
    partitionOf[n] = record.partition;
    n++;
  }
  return {
    topic,
    values: values.slice(0, n),
    timestamps: timestamps.slice(0, n),
    partitions: partitionOf.slice(0, n),
    skipped,
    ranges,
  };
}
