// What the commands do to topics, whether on the local backbone or on a tml server through the SDK.
// The commands see only this interface; CommandContext.withTopicOps picks the implementation.
import type { Bytes, ProducerRecord, TopicConfig, TopicDescription } from '../../backbone/types.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { ProduceOptions } from '../commands/produce.js';

export interface NewTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  config?: TopicConfig;
}

export interface CreatedTopic {
  name: string;
  partitions: number;
  /** Absent when the server does not say. */
  replicationFactor?: number;
  /** What `--json` prints. */
  json: unknown;
  /** A line for stderr, e.g. the producer id a server handed out. */
  note?: string;
}

export interface PartitionRange {
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

export interface AppendResult {
  records: number;
  partitions: PartitionRange[];
}

/** Appends batches of records to one topic; each call is one atomic append. */
export interface Appender {
  append(records: ProducerRecord[]): Promise<AppendResult>;
}

/** A record as the consume output shows it: bytes locally, text from a server. */
export interface PrintableRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Bytes | string | null;
  value: Bytes | string | null;
  headers?: Record<string, Bytes | string>;
}

/** Where consumed records go, and when to stop. */
export interface RecordSink {
  readonly signal: AbortSignal;
  /** Records still wanted (--max-records); Infinity without a limit. */
  remaining(): number;
  /** Prints records (up to the budget); resolves with how many were printed. */
  print(records: PrintableRecord[]): Promise<number>;
}

export interface TopicOps {
  createTopic(topic: NewTopic, ifNotExists: boolean): Promise<CreatedTopic>;
  /** Topic names, in any order. */
  listTopics(): Promise<string[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** Resolves false when `ifExists` and there was no such topic. */
  deleteTopic(name: string, ifExists: boolean): Promise<boolean>;
  /** Grows a topic to `count` partitions (never shrinks it). */
  addPartitions(name: string, count: number): Promise<{ topic: string; partitions: number; added: number }>;
  /** Checks the topic and the options (before any input is read) and returns the appender. */
  openAppender(topic: string, options: ProduceOptions): Promise<Appender>;
  /** Reads records into `sink` until the end (or, with --follow, until the sink's signal aborts). */
  consume(topic: string, options: ConsumeOptions, sink: RecordSink): Promise<void>;
  close(): Promise<void>;
}

/** `count` partitions as words, for messages. */
export function partitionRangeText(topic: string, count: number): string {
  return `topic '${topic}' has ${count} partition${count === 1 ? '' : 's'} (0..${count - 1})`;
}
