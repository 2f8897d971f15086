// Reading a topic for the consume operations: from given start offsets, across the chosen partitions,
// up to a record budget. The records are returned as text (VIPER streams carry text and JSON).
import type { Backbone, ConsumedRecord, PartitionOffsets } from '../../backbone/types.js';
import { ParameterError } from '../errors.js';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

export interface ReadResult {
  records: ReadRecord[];
  bytesRead: number;
  /** For each partition read: the offset after the last record read (where to continue). */
  next: Map<number, number>;
  /** The highest offset read (returned or passed over by `match`), -1 when none. */
  lastOffset: number;
}

/** Selects the records a read returns; the others are passed over (and counted as read). */
export type RecordMatch = (record: ConsumedRecord) => boolean;

/** With a `match`, a read passes over at most this many times its record budget: bounded work per call. */
const SCAN_FACTOR = 10;

/** The partitions to read: all of them for -1, else the one named (checked against the topic). */
export function choosePartitions(
  offsets: PartitionOffsets[],
  partition: number,
  topic: string,
): PartitionOffsets[] {
  if (partition === -1) return offsets;
  const found = offsets.find((p) => p.partition === partition);
  if (found === undefined) {
    throw new ParameterError(
      'partition',
      `must be -1 (all) or a partition of topic '${topic}' (0..${offsets.length - 1}), got ${partition}`,
    );
  }
  return [found];
}

export async function readRecords(
  backbone: Backbone,
  topic: string,
  starts: Map<number, number>,
  maxRecords: number,
  match?: RecordMatch,
): Promise<ReadResult> {
  const records: ReadRecord[] = [];
  const next = new Map<number, number>();
  let bytesRead = 0;
  let lastOffset = -1;
  let scanBudget = maxRecords * SCAN_FACTOR;
  for (const [partition, start] of [...starts].sort((a, b) => a[0] - b[0])) {
    next.set(partition, start);
    let offset = start;
    while (records.length < maxRecords && scanBudget > 0) {
      const fetched = await backbone.fetch({
        topic,
        partition,
        offset,
        maxRecords: Math.min(maxRecords - records.length, scanBudget),
      });
      if (fetched.records.length === 0) break;
      for (const r of fetched.records) {
        scanBudget -= 1;
        offset = r.offset + 1;
        lastOffset = Math.max(lastOffset, r.offset);
        if (match !== undefined && !match(r)) continue;
        const value = r.value === null ? null : r.value.toString('utf8');
        bytesRead += r.value?.length ?? 0;
        records.push({
          topic,
          partition,
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key === null ? null : r.key.toString('utf8'),
          value,
        });
      }
      next.set(partition, offset);
      if (offset >= fetched.highWatermark) break;
    }
    if (records.length >= maxRecords || scanBudget <= 0) break;
  }
  return { records, bytesRead, next, lastOffset };
}
