// A record batch: the records one produce call appends to one partition, stored as one value (as
// Kafka stores record batches). One row per batch makes an append one insert however many records
// it holds, and lets a fetch hand out views into one buffer instead of copying every record.
//
// Layout (little-endian): a format byte (1), a CRC-32 of everything after it (SQLite checks its
// B-tree structure but not the bytes of a value, so a damaged page could otherwise be read back
// as wrong data without an error; Kafka's batches carry a CRC for the same reason), then per
// record a 24-byte head — offset delta from the
// batch's base offset (u32), timestamp (f64, exact for integers), key length (i32, -1 = null),
// value length (i32, -1 = null), headers length (u32, 0 = none) — then key, value, headers bytes.
// Offsets are explicit because compaction removes records from inside a batch.
import type { ConsumedRecord } from '../types.js';
import { crc32 } from 'node:zlib';
import { CorruptStoreError } from '../errors.js';
import { decodeHeaders } from '../records.js';

const FORMAT = 1;
/** Format byte + CRC-32. */
const START = 5;
const HEAD = 24;

export interface BatchRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Headers in storage form (see records.ts), or null. */
  headers: Buffer | null;
}

/** key + value + headers: the size retention and `maxBytes` count. */
export function recordBytes(r: { key: Buffer | null; value: Buffer | null; headers: Buffer | null }): number {
  return (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.headers?.length ?? 0);
}

export function encodeBatch(baseOffset: number, records: BatchRecord[]): Buffer {
  let length = START;
  for (const r of records) length += HEAD + recordBytes(r);
  const out = Buffer.allocUnsafe(length);
  out[0] = FORMAT;
  let at = START;
  for (const r of records) {
    out.writeUInt32LE(r.offset - baseOffset, at);
    out.writeDoubleLE(r.timestamp, at + 4);
    out.writeInt32LE(r.key === null ? -1 : r.key.length, at + 12);
    out.writeInt32LE(r.value === null ? -1 : r.value.length, at + 16);
    out.writeUInt32LE(r.headers === null ? 0 : r.headers.length, at + 20);
    at += HEAD;
    if (r.key !== null) at += r.key.copy(out, at);
    if (r.value !== null) at += r.value.copy(out, at);
    if (r.headers !== null) at += r.headers.copy(out, at);
  }
  out.writeUInt32LE(crc32(out.subarray(START)), 1);
  return out;
}

/** Throws `CorruptStoreError` unless the batch has the known format and its checksum matches. */
function verify(baseOffset: number, payload: Buffer): void {
  if (payload.length < START || payload[0] !== FORMAT) {
    throw new CorruptStoreError(
      `the stored record batch at offset ${baseOffset} has an unknown format ` +
        `(${payload.length === 0 ? 'empty' : `format byte ${payload[0]}, ${payload.length} bytes`})`,
    );
  }
  if (crc32(payload.subarray(START)) !== payload.readUInt32LE(1)) {
    throw new CorruptStoreError(
      `the stored record batch at offset ${baseOffset} is damaged (checksum mismatch)`,
    );
  }
}

/** Every record of a batch, keys and values as views into `payload`. */
export function decodeBatch(baseOffset: number, payload: Buffer): BatchRecord[] {
  verify(baseOffset, payload);
  const out: BatchRecord[] = [];
  let at = START;
  while (at < payload.length) {
    const offset = baseOffset + payload.readUInt32LE(at);
    const timestamp = payload.readDoubleLE(at + 4);
    const keyLength = payload.readInt32LE(at + 12);
    const valueLength = payload.readInt32LE(at + 16);
    const headersLength = payload.readUInt32LE(at + 20);
    at += HEAD;
    const key = keyLength < 0 ? null : payload.subarray(at, (at += keyLength));
    const value = valueLength < 0 ? null : payload.subarray(at, (at += valueLength));
    const headers = headersLength === 0 ? null : payload.subarray(at, (at += headersLength));
    out.push({ offset, timestamp, key, value, headers });
  }
  return out;
}

/**
 * Appends to `out` the records of a batch from `fromOffset` on, as consumer records, until `out`
 * holds `maxRecords` or the bytes reach `maxBytes` (the first record always goes in). Returns the
 * bytes added.
 */
export function readBatchInto(
  out: ConsumedRecord[],
  topic: string,
  partition: number,
  baseOffset: number,
  payload: Buffer,
  fromOffset: number,
  maxRecords: number,
  maxBytes: number,
  bytesSoFar: number,
): number {
  verify(baseOffset, payload);
  let bytes = bytesSoFar;
  let at = START;
  const end = payload.length;
  while (at < end && out.length < maxRecords) {
    const offset = baseOffset + payload.readUInt32LE(at);
    const keyLength = payload.readInt32LE(at + 12);
    const valueLength = payload.readInt32LE(at + 16);
    const headersLength = payload.readUInt32LE(at + 20);
    const size = (keyLength > 0 ? keyLength : 0) + (valueLength > 0 ? valueLength : 0) + headersLength;
    if (offset < fromOffset) {
      at += HEAD + size;
      continue;
    }
    if (bytes + size > maxBytes && out.length > 0) break;
    const timestamp = payload.readDoubleLE(at + 4);
    at += HEAD;
    const key = keyLength < 0 ? null : payload.subarray(at, (at += keyLength));
    const value = valueLength < 0 ? null : payload.subarray(at, (at += valueLength));
    let headers: Record<string, Buffer>;
    if (headersLength === 0) headers = {};
    else {
      headers = decodeHeaders(payload.subarray(at, at + headersLength));
      at += headersLength;
    }
    out.push({ topic, partition, offset, timestamp, key, value, headers });
    bytes += size;
  }
  return bytes;
}
