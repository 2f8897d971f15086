// Reads: a partition's record batches from an offset on, and the time index.
import type Database from 'better-sqlite3';
import { CorruptStoreError } from '../../errors.js';
import type { ConsumedRecord } from '../../types.js';
import { decodeBatch, readBatchInto } from '../record-batch.js';
import { OFFSET_MASK, PARTITION_END, PARTITION_START, rowId } from './schema.js';

/** A partition's batches from the one holding `:offset` on, as [base offset, payload] rows. */
export const BATCHES_FROM = `SELECT id & ${OFFSET_MASK}, payload FROM batches
  WHERE id >= coalesce((SELECT id FROM batches WHERE id >= ${PARTITION_START} AND id <= ${rowId('offset')}
                        ORDER BY id DESC LIMIT 1), ${PARTITION_START})
    AND id < ${PARTITION_END}
  ORDER BY id`;

/** Prepares BATCHES_FROM: iterate it with `{ partition, offset }`. */
export function prepareBatchesFrom(
  db: Database.Database,
): (partition: number, offset: number) => Iterable<[number, Buffer]> {
  const statement = db.prepare<{ partition: number; offset: number }>(BATCHES_FROM).raw(true);
  return (partition, offset) => statement.iterate({ partition, offset }) as Iterable<[number, Buffer]>;
}

export interface Reader {
  /** Consumer records from `offset` on, at most `maxRecords` and about `maxBytes` (at least one). */
  read(
    partitionId: number,
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxBytes: number,
  ): ConsumedRecord[];
  /** The first offset at or after `from` whose timestamp is >= `timestamp`, if any. */
  offsetForTimestamp(partitionId: number, from: number, timestamp: number): number | undefined;
}

export function reader(db: Database.Database, path: string): Reader {
  const batchesFrom = prepareBatchesFrom(db);
  const timeIndexLookup = db
    .prepare<{ partition: number; timestamp: number }>(
      `SELECT offset FROM time_index WHERE partition_id = :partition AND max_timestamp >= :timestamp
       ORDER BY max_timestamp LIMIT 1`,
    )
    .raw(true);
  return {
    read(partitionId, topic, partition, offset, maxRecords, maxBytes) {
      const out: ConsumedRecord[] = [];
      let bytes = 0;
      try {
        for (const [base, payload] of batchesFrom(partitionId, offset)) {
          bytes = readBatchInto(out, topic, partition, base, payload, offset, maxRecords, maxBytes, bytes);
          if (out.length >= maxRecords || (bytes >= maxBytes && out.length > 0)) break;
        }
      } catch (error) {
        if (error instanceof CorruptStoreError) {
          throw new CorruptStoreError(`${path}, ${topic}-${partition}: ${error.message}`, { cause: error });
        }
        throw error;
      }
      return out;
    },
    offsetForTimestamp(partitionId, from, timestamp) {
      const indexed = timeIndexLookup.get({ partition: partitionId, timestamp }) as [number] | undefined;
      if (!indexed) return undefined; // no record that late
      const start = Math.max(from, indexed[0]);
      for (const [base, payload] of batchesFrom(partitionId, start)) {
        for (const r of decodeBatch(base, payload)) {
          if (r.offset >= start && r.timestamp >= timestamp) return r.offset;
        }
      }
      return undefined;
    },
  };
}
