// How one produce call becomes Kafka record batches. Kafka checks `max.message.bytes` against a
// whole batch (all the records of one partition in one request), so a call is cut into sends whose
// batches fit; a record that cannot fit even alone refuses the whole call before anything is sent.
import { RecordTooLargeError } from '../errors.js';

/** Header of a v2 record batch (baseOffset .. recordCount). */
export const BATCH_OVERHEAD = 61;
/** Room for a record's varint length, offset delta and timestamp delta beyond their one-byte minimum. */
const DELTA_SLACK = 12;
/**
 * The client's varint64 encoder (@platformatic/dynamic-buffer 0.3: zigzag shifts by 31, not 63)
 * writes wrong values beyond ±2^31, and a record's timestamp is a varint delta from its batch's
 * first one; so records further apart than this go in separate sends.
 */
const SAFE_TIMESTAMP_DELTA = 2n ** 31n - 1n;

export interface OutgoingRecord {
  partition: number;
  timestamp: bigint;
  key?: Buffer;
  value: Buffer | null;
  headers?: Map<Buffer, Buffer>;
}

function varintSize(value: number): number {
  let zigzag = value < 0 ? -2 * value - 1 : 2 * value;
  let bytes = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80);
    bytes++;
  }
  return bytes;
}

/** The bytes a record takes inside a v2 batch, with its deltas at their smallest. */
export function sizeInBatch(record: OutgoingRecord): number {
  const key = record.key?.length ?? -1;
  const value = record.value?.length ?? -1;
  let body = 1 + 1 + 1 + varintSize(key) + Math.max(key, 0) + varintSize(value) + Math.max(value, 0);
  const headers = record.headers ?? new Map<Buffer, Buffer>();
  body += varintSize(headers.size);
  for (const [name, v] of headers)
    body += varintSize(name.length) + name.length + varintSize(v.length) + v.length;
  return varintSize(body) + body;
}

/**
 * Cuts records (already in produce order) into sends: each partition's part of a send fits in
 * `limit` bytes and keeps timestamps within the encoder's safe range. Order per partition is kept.
 * Throws `RecordTooLargeError` when a record cannot fit in a batch of its own.
 */
export function planSends<T extends OutgoingRecord>(topic: string, records: T[], limit: number): T[][] {
  for (const record of records) {
    const size = sizeInBatch(record) + BATCH_OVERHEAD;
    if (size > limit) throw new RecordTooLargeError(topic, size, limit);
  }
  const sends: T[][] = [];
  let send: T[] = [];
  let bytes = new Map<number, number>();
  let first = new Map<number, bigint>();
  for (const record of records) {
    const used = bytes.get(record.partition) ?? BATCH_OVERHEAD;
    const size = sizeInBatch(record) + DELTA_SLACK;
    const start = first.get(record.partition);
    const delta = start === undefined ? 0n : record.timestamp - start;
    if (
      send.length > 0 &&
      (used + size > limit || delta > SAFE_TIMESTAMP_DELTA || delta < -SAFE_TIMESTAMP_DELTA)
    ) {
      sends.push(send);
      send = [];
      bytes = new Map();
      first = new Map();
    }
    bytes.set(record.partition, (bytes.get(record.partition) ?? BATCH_OVERHEAD) + size);
    if (!first.has(record.partition)) first.set(record.partition, record.timestamp);
    send.push(record);
  }
  if (send.length > 0) sends.push(send);
  return sends;
}
