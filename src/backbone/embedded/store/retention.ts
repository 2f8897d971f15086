// Retention: moving a partition's log start forward, by time (the caller finds the offset) or by
// size, and deleting the batches wholly below it.
import type Database from 'better-sqlite3';
import { PARTITION_END, PARTITION_START, rowId } from './schema.js';

export interface Retention {
  /**
   * Moves the log start to `newStart`, deleting the batches wholly below it (records below it in a
   * batch that straddles it stay stored but are never returned). Returns the bytes that remain.
   */
  truncateBefore(partitionId: number, newStart: number, bytesBefore: number): number;
  /**
   * The log start that drops the oldest batches while the partition holds more than `limit`
   * bytes. The newest batch always stays (as Kafka keeps its active segment).
   */
  sizeRetentionStart(partitionId: number, from: number, bytes: number, limit: number): number;
}

export function retention(db: Database.Database): Retention {
  type Bound = { partition: number; start: number };
  const bytesBelow = db
    .prepare<Bound>(
      `SELECT total(bytes) FROM batches
       WHERE id >= ${PARTITION_START} AND id < ${rowId('start')} AND last_offset < :start`,
    )
    .raw(true);
  const deleteBelow = db.prepare<Bound>(
    `DELETE FROM batches WHERE id >= ${PARTITION_START} AND id < ${rowId('start')} AND last_offset < :start`,
  );
  // keeps the entry at or below the new start: it still answers timestamps inside the log
  const trimTimeIndex = db.prepare<Bound>(`DELETE FROM time_index WHERE partition_id = :partition AND offset <
    (SELECT max(offset) FROM time_index WHERE partition_id = :partition AND offset <= :start)`);
  const setLogStart = db.prepare<Bound & { bytes: number }>(
    `UPDATE partitions SET log_start_offset = :start, bytes = :bytes WHERE id = :partition`,
  );
  const batchSizes = db
    .prepare<{ partition: number }>(
      `SELECT last_offset, bytes FROM batches WHERE id >= ${PARTITION_START} AND id < ${PARTITION_END}
       ORDER BY id`,
    )
    .raw(true);

  return {
    truncateBefore: db.transaction((partition: number, start: number, bytesBefore: number): number => {
      const removed = (bytesBelow.get({ partition, start }) as [number])[0];
      deleteBelow.run({ partition, start });
      trimTimeIndex.run({ partition, start });
      const bytes = Math.max(0, bytesBefore - removed);
      setLogStart.run({ partition, start, bytes });
      return bytes;
    }),
    sizeRetentionStart(partition, from, bytes, limit) {
      const sizes = batchSizes.all({ partition }) as [number, number][];
      let remaining = bytes;
      let start = from;
      for (let i = 0; i < sizes.length - 1 && remaining > limit; i++) {
        remaining -= sizes[i][1];
        start = Math.max(start, sizes[i][0] + 1);
      }
      return start;
    },
  };
}
