// Appends: one record batch per partition, the partition's next offset and size, and a time-index
// entry when the batch raised the partition's largest timestamp, all in one SQLite transaction.
import type Database from 'better-sqlite3';
import type { GroupOffsetRows, GroupOffsets } from './group-offsets.js';
import { rowId } from './schema.js';

/** One partition's part of an append: one record batch and the partition state after it. */
export interface PartitionAppend {
  partitionId: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  maxTimestamp: number;
  /** key + value + headers bytes of the batch's records. */
  bytes: number;
  payload: Buffer;
  /** Set when the batch raised the partition's largest timestamp: a time-index entry. */
  timeIndex?: { maxTimestamp: number; offset: number };
}

export interface Appender {
  /** Every partition's batch in one transaction: all of them are stored, or none. */
  append(appends: PartitionAppend[]): void;
  /** Record batches and group offsets in one transaction (a Kafka transaction's writes). */
  appendAndCommit(appends: PartitionAppend[], commits: GroupOffsets[]): void;
}

export function appender(db: Database.Database, groupOffsets: GroupOffsetRows): Appender {
  const insertBatch = db.prepare<{
    partition: number;
    baseOffset: number;
    lastOffset: number;
    count: number;
    maxTimestamp: number;
    bytes: number;
    payload: Buffer;
  }>(
    `INSERT INTO batches (id, last_offset, count, max_timestamp, bytes, payload)
     VALUES (${rowId('baseOffset')}, :lastOffset, :count, :maxTimestamp, :bytes, :payload)`,
  );
  const updatePartition = db.prepare<{
    partition: number;
    nextOffset: number;
    bytes: number;
    maxTimestamp: number;
  }>(`UPDATE partitions SET next_offset = :nextOffset, bytes = bytes + :bytes,
        max_timestamp = max(max_timestamp, :maxTimestamp) WHERE id = :partition`);
  const insertTimeIndex = db.prepare<{ partition: number; maxTimestamp: number; offset: number }>(
    `INSERT OR REPLACE INTO time_index (partition_id, max_timestamp, offset)
     VALUES (:partition, :maxTimestamp, :offset)`,
  );

  const insertAppends = (appends: PartitionAppend[]): void => {
    for (const a of appends) {
      const partition = a.partitionId;
      insertBatch.run({
        partition,
        baseOffset: a.baseOffset,
        lastOffset: a.lastOffset,
        count: a.count,
        maxTimestamp: a.maxTimestamp,
        bytes: a.bytes,
        payload: a.payload,
      });
      updatePartition.run({
        partition,
        nextOffset: a.lastOffset + 1,
        bytes: a.bytes,
        maxTimestamp: a.maxTimestamp,
      });
      if (a.timeIndex) insertTimeIndex.run({ partition, ...a.timeIndex });
    }
  };
  return {
    append: db.transaction(insertAppends),
    appendAndCommit: db.transaction((appends: PartitionAppend[], commits: GroupOffsets[]) => {
      insertAppends(appends);
      const now = Date.now();
      for (const { groupId, offsets } of commits) groupOffsets.write(groupId, offsets, now);
    }),
  };
}
