// Produce in two steps: plan (check every record and pick its partition, writing nothing) and
// build (one record batch per partition, offsets from the partitions' current ends). A plain
// produce runs both at once; a transaction plans at each call and builds at commit.
import {
  InvalidConfigError,
  InvalidRecordError,
  RecordTooLargeError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../errors.js';
import { partitionForKey } from '../partitioner.js';
import { encodeRecord, type EncodedRecord } from '../records.js';
import type { ProduceOptions, ProducerRecord, RecordMetadata } from '../types.js';
import type { PartitionAppend } from './log-store.js';
import type { PartitionState, TopicState } from './partition-state.js';
import { wakeAll } from './partition-state.js';
import { encodeBatch, recordBytes, type BatchRecord } from './record-batch.js';

/** One produce call, checked and spread over partitions; offsets are given when it is written. */
export interface PlannedProduce {
  topic: TopicState;
  encoded: EncodedRecord[];
  /** The partition of each record. */
  targets: Int32Array;
}

/** The batches to append for some planned calls, and each call's record metadata. */
export interface BuiltAppends {
  appends: PartitionAppend[];
  /** The partition of each append. */
  touched: PartitionState[];
  results: RecordMetadata[][];
}

/** Checks one produce call to `topic` and picks each record's partition: a bad record rejects all. */
export function planProduce(
  topic: TopicState,
  records: ProducerRecord[],
  options: ProduceOptions = {},
): PlannedProduce {
  if (!Array.isArray(records)) throw new InvalidRecordError('produce takes an array of records');
  const partitioner = options?.partitioner ?? 'murmur2';
  if (partitioner !== 'murmur2' && partitioner !== 'round-robin') {
    throw new InvalidConfigError(`unknown partitioner '${String(partitioner)}' (murmur2 or round-robin)`);
  }
  const now = Date.now();
  const count = topic.partitions.length;
  const encoded: EncodedRecord[] = new Array(records.length);
  const targets = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const e = encodeRecord(record, now);
    if (e.size > topic.maxMessageBytes)
      throw new RecordTooLargeError(topic.name, e.size, topic.maxMessageBytes);
    if (topic.compacted && e.key === null) {
      throw new InvalidRecordError(`topic '${topic.name}' is compacted: every record needs a key`);
    }
    encoded[i] = e;
    let partition: number;
    if (record.partition !== undefined && record.partition !== null) {
      partition = record.partition;
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new UnknownPartitionError(topic.name, partition, count);
      }
    } else if (e.key !== null && partitioner === 'murmur2') {
      partition = partitionForKey(e.key, count);
    } else {
      partition = topic.roundRobin % count;
      topic.roundRobin = (topic.roundRobin + 1) % count;
    }
    targets[i] = partition;
  }
  return { topic, encoded, targets };
}

/**
 * One record batch per partition for the planned calls (in call order within each partition),
 * with offsets from the partitions' current ends. Throws `UnknownTopicError` when a planned topic
 * is no longer the live one of `topics` (deleted since). Nothing is written and no state changes.
 */
export function buildAppends(plans: PlannedProduce[], topics: ReadonlyMap<string, TopicState>): BuiltAppends {
  const byPartition = new Map<PartitionState, BatchRecord[]>();
  const results: RecordMetadata[][] = [];
  for (const { topic, encoded, targets } of plans) {
    if (topics.get(topic.name) !== topic) throw new UnknownTopicError(topic.name);
    const out: RecordMetadata[] = new Array(encoded.length);
    for (let i = 0; i < encoded.length; i++) {
      const p = topic.partitions[targets[i]];
      let batch = byPartition.get(p);
      if (!batch) {
        batch = [];
        byPartition.set(p, batch);
      }
      const e = encoded[i];
      const offset = p.next + batch.length;
      batch.push({ offset, timestamp: e.timestamp, key: e.key, value: e.value, headers: e.headers });
      out[i] = { topic: topic.name, partition: p.partition, offset, timestamp: e.timestamp };
    }
    results.push(out);
  }
  const appends: PartitionAppend[] = [];
  const touched: PartitionState[] = [];
  for (const [p, batch] of byPartition) {
    let bytes = 0;
    let maxTimestamp = -1;
    let raisedAt = -1;
    for (const r of batch) {
      bytes += recordBytes(r);
      if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
      if (raisedAt < 0 && r.timestamp > p.maxTimestamp) raisedAt = r.offset;
    }
    touched.push(p);
    appends.push({
      partitionId: p.id,
      baseOffset: p.next,
      lastOffset: p.next + batch.length - 1,
      count: batch.length,
      maxTimestamp,
      bytes,
      payload: encodeBatch(p.next, batch),
      ...(raisedAt >= 0 ? { timeIndex: { maxTimestamp, offset: raisedAt } } : {}),
    });
  }
  return { appends, touched, results };
}

/** After the store committed the appends: publishes the partitions' new ends and wakes the long polls. */
export function publishAppends({ appends, touched }: Pick<BuiltAppends, 'appends' | 'touched'>): void {
  for (let i = 0; i < appends.length; i++) {
    const a = appends[i];
    const p = touched[i];
    p.next = a.lastOffset + 1;
    p.bytes += a.bytes;
    p.dirty += a.count;
    if (a.maxTimestamp > p.maxTimestamp) p.maxTimestamp = a.maxTimestamp;
    wakeAll(p);
  }
}
