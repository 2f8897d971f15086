// How a record is shown in a live tail: JSON parsed, text as text, binary as a labelled hex prefix,
// and anything longer than the limit cut with its full size stated.
import type { ConsumedRecord } from '../../backbone/types.js';

export interface ShownValue {
  /** `json`, `text`, `binary`, or `null` (a tombstone). */
  kind: 'json' | 'text' | 'binary' | 'null';
  /** Parsed JSON, the text, or hex of the first bytes of a binary value. */
  value: unknown;
  bytes: number;
  truncated: boolean;
}

export interface ShownRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: ShownValue;
  value: ShownValue;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BINARY_PREFIX = 64;
// eslint-disable-next-line no-control-regex -- control characters other than tab and newlines mark binary data
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

export function showValue(buffer: Buffer | null, limit: number): ShownValue {
  if (buffer === null) return { kind: 'null', value: null, bytes: 0, truncated: false };
  const bytes = buffer.length;
  const truncated = bytes > limit;
  let text: string | undefined;
  if (truncated) {
    // the cut may split a multi-byte character: only a broken end is forgiven
    const prefix = buffer
      .subarray(0, limit)
      .toString('utf8')
      .replace(/\ufffd{1,3}$/, '');
    text = prefix.includes('\ufffd') ? undefined : prefix;
  } else {
    try {
      text = utf8.decode(buffer);
    } catch {
      text = undefined;
    }
  }
  if (text === undefined || CONTROL.test(text)) {
    const shown = Math.min(bytes, BINARY_PREFIX);
    return {
      kind: 'binary',
      value: buffer.subarray(0, shown).toString('hex'),
      bytes,
      truncated: shown < bytes,
    };
  }
  if (truncated) return { kind: 'text', value: text, bytes, truncated: true };
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown, bytes, truncated: false };
    } catch {
      // not JSON after all: shown as text
    }
  }
  return { kind: 'text', value: text, bytes, truncated: false };
}

export function showRecord(record: ConsumedRecord, limit: number): ShownRecord {
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: showValue(record.key, 256),
    value: showValue(record.value, limit),
  };
}
