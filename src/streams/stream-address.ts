// How a stream is named. A stream is a topic (`voltage`), or a named stream inside a topic
// (`preprocessed/voltage_preprocessed_Avg`): the records of that topic whose header STREAM_HEADER
// names it, each carrying its value in the header VALUE_HEADER, so any record body (the core's, or
// a face's shape) can hold it. Kafka topic names cannot contain '/', so the address is unambiguous.
import type { ConsumedRecord } from '../backbone/types.js';

/** The record header naming the stream a record belongs to inside its topic. */
export const STREAM_HEADER = 'tml-stream';
/** The record header carrying a named stream's value as text (absent: the record carries none). */
export const VALUE_HEADER = 'tml-value';

export interface StreamAddress {
  topic: string;
  /** The named stream inside the topic; undefined: the topic itself is the stream. */
  stream?: string;
}

export function parseStreamAddress(name: string): StreamAddress {
  const slash = name.indexOf('/');
  return slash < 0 ? { topic: name } : { topic: name.slice(0, slash), stream: name.slice(slash + 1) };
}

export function streamAddress(topic: string, stream: string): string {
  return `${topic}/${stream}`;
}

/** Whether a record belongs to the addressed stream. */
export function inStream(record: ConsumedRecord, address: StreamAddress): boolean {
  return address.stream === undefined || record.headers[STREAM_HEADER]?.toString('utf8') === address.stream;
}

/** The bytes holding a record's value: its body, or for a named stream its value header. */
export function valueBytes(record: ConsumedRecord, address: StreamAddress): Buffer | null {
  return address.stream === undefined ? record.value : (record.headers[VALUE_HEADER] ?? null);
}
