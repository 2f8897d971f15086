// Helpers shared by the backbone implementations: turning what a producer hands over into bytes,
// measuring a record as `max.message.bytes` does, and a compact header encoding for storage.
import { InvalidRecordError } from './errors.js';
import type { Bytes, ProducerRecord } from './types.js';

/** Text becomes UTF-8; a Buffer is used as is (not copied). */
export function toBuffer(bytes: Bytes): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  const view = bytes as unknown;
  if (view instanceof Uint8Array) return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  throw new InvalidRecordError(`expected a Buffer or a string, got ${describe(bytes)}`);
}

export function toNullableBuffer(bytes: Bytes | null | undefined, what: string): Buffer | null {
  if (bytes === null || bytes === undefined) return null;
  if (typeof bytes !== 'string' && !(bytes instanceof Uint8Array)) {
    throw new InvalidRecordError(
      `the record ${what} must be a Buffer, a string or null, got ${describe(bytes)}`,
    );
  }
  return toBuffer(bytes);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : typeof value;
}

/** A producer record turned into bytes, validated. */
export interface EncodedRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** Headers in storage form (`encodeHeaders`), or null when there are none. */
  headers: Buffer | null;
  timestamp: number;
  /** key + value + header names and values: what `max.message.bytes` is compared with. */
  size: number;
}

/** Validates a producer record and turns its parts into bytes. */
export function encodeRecord(record: ProducerRecord, now: number): EncodedRecord {
  if (record === null || typeof record !== 'object') {
    throw new InvalidRecordError(`a record must be an object with a 'value', got ${describe(record)}`);
  }
  if (!('value' in record)) {
    throw new InvalidRecordError("a record needs a 'value' (use null for a tombstone)");
  }
  const key = toNullableBuffer(record.key, 'key');
  const value = toNullableBuffer(record.value, 'value');
  let timestamp = now;
  if (record.timestamp !== undefined) {
    if (
      typeof record.timestamp !== 'number' ||
      !Number.isSafeInteger(record.timestamp) ||
      record.timestamp < 0
    ) {
      throw new InvalidRecordError(
        `a record timestamp must be a non-negative integer (ms since the epoch), got ${String(record.timestamp)}`,
      );
    }
    timestamp = record.timestamp;
  }
  const headers =
    record.headers === undefined || record.headers === null ? null : encodeHeaders(record.headers);
  const size = (key?.length ?? 0) + (value?.length ?? 0) + (headers ? headers.length : 0);
  return { key, value, headers, timestamp, size };
}

/** The size `max.message.bytes` is checked against: key + value + headers. */
export function recordSize(record: ProducerRecord): number {
  return encodeRecord(record, 0).size;
}

/**
 * Headers as one buffer: for each header, a 4-byte name length, the UTF-8 name, a 4-byte value
 * length, the value. Null when there are no headers, so the common case stores nothing.
 */
export function encodeHeaders(headers: Record<string, Bytes>): Buffer | null {
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw new InvalidRecordError(
      `record headers must be an object of name → Buffer or string, got ${describe(headers)}`,
    );
  }
  const names = Object.keys(headers);
  if (names.length === 0) return null;
  const parts: Buffer[] = [];
  let total = 0;
  for (const name of names) {
    const nameBytes = Buffer.from(name, 'utf8');
    const raw = headers[name];
    if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
      throw new InvalidRecordError(
        `the value of header '${name}' must be a Buffer or a string, got ${describe(raw)}`,
      );
    }
    const value = toBuffer(raw);
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(nameBytes.length, 0);
    const mid = Buffer.allocUnsafe(4);
    mid.writeUInt32BE(value.length, 0);
    parts.push(head, nameBytes, mid, value);
    total += 8 + nameBytes.length + value.length;
  }
  return Buffer.concat(parts, total);
}

export function decodeHeaders(encoded: Buffer | null): Record<string, Buffer> {
  if (encoded === null || encoded.length === 0) return {};
  const headers: Record<string, Buffer> = {};
  let at = 0;
  while (at < encoded.length) {
    const nameLength = encoded.readUInt32BE(at);
    at += 4;
    const name = encoded.toString('utf8', at, at + nameLength);
    at += nameLength;
    const valueLength = encoded.readUInt32BE(at);
    at += 4;
    headers[name] = encoded.subarray(at, at + valueLength);
    at += valueLength;
  }
  return headers;
}
