// Compaction: a record below the cleaned point goes when a later record has the same key, a
// tombstone when it is also older than the tombstone cutoff. Batches are rewritten in place
// (offsets never change) or deleted when nothing of them is left.
import type Database from 'better-sqlite3';
import { decodeBatch, encodeBatch, recordBytes } from '../record-batch.js';
import { prepareBatchesFrom } from './read.js';
import { OFFSET_MASK, PARTITION_END, PARTITION_START, rowId } from './schema.js';

/** Batches are rewritten this many at a time, so a large partition is never read into memory whole. */
const CHUNK_BATCHES = 256;

/** Compacts one partition below `upTo`; returns [records removed, bytes left]. */
export type Compactor = (
  partitionId: number,
  logStart: number,
  upTo: number,
  tombstoneCutoff: number,
) => [number, number];

export function compactor(db: Database.Database): Compactor {
  const batchesFrom = prepareBatchesFrom(db);
  const batchChunk = db
    .prepare<{ partition: number; from: number; upTo: number; limit: number }>(
      `SELECT id & ${OFFSET_MASK}, payload FROM batches WHERE id >= ${rowId('from')} AND id < ${rowId('upTo')}
       ORDER BY id LIMIT :limit`,
    )
    .raw(true);
  const rewriteBatch = db.prepare<{
    partition: number;
    base: number;
    lastOffset: number;
    count: number;
    maxTimestamp: number;
    bytes: number;
    payload: Buffer;
  }>(`UPDATE batches SET last_offset = :lastOffset, count = :count, max_timestamp = :maxTimestamp,
        bytes = :bytes, payload = :payload WHERE id = ${rowId('base')}`);
  const deleteBatch = db.prepare<{ partition: number; base: number }>(
    `DELETE FROM batches WHERE id = ${rowId('base')}`,
  );
  const partitionBytes = db
    .prepare<{ partition: number }>(
      `SELECT total(bytes) FROM batches WHERE id >= ${PARTITION_START} AND id < ${PARTITION_END}`,
    )
    .raw(true);
  const setBytes = db.prepare<{ partition: number; bytes: number }>(
    `UPDATE partitions SET bytes = :bytes WHERE id = :partition`,
  );

  return db.transaction(
    (partition: number, logStart: number, upTo: number, tombstoneCutoff: number): [number, number] => {
      // Pass 1: the latest offset of every key.
      const latest = new Map<string, number>();
      for (const [base, payload] of batchesFrom(partition, logStart)) {
        for (const r of decodeBatch(base, payload)) {
          if (r.key !== null && r.offset >= logStart) latest.set(r.key.toString('latin1'), r.offset);
        }
      }
      // Pass 2: rewrite the batches below `upTo`, a chunk at a time.
      let removed = 0;
      let from = 0;
      for (;;) {
        const chunk = batchChunk.all({ partition, from, upTo, limit: CHUNK_BATCHES }) as [number, Buffer][];
        if (chunk.length === 0) break;
        for (const [base, payload] of chunk) {
          const records = decodeBatch(base, payload);
          const kept = records.filter(
            (r) =>
              r.offset >= logStart &&
              (r.offset >= upTo ||
                (latest.get(r.key === null ? '' : r.key.toString('latin1')) === r.offset &&
                  !(r.value === null && r.timestamp < tombstoneCutoff))),
          );
          if (kept.length === records.length) continue;
          removed += records.length - kept.length;
          if (kept.length === 0) {
            deleteBatch.run({ partition, base });
            continue;
          }
          let bytes = 0;
          let maxTimestamp = -1;
          for (const r of kept) {
            bytes += recordBytes(r);
            if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
          }
          rewriteBatch.run({
            partition,
            base,
            lastOffset: kept[kept.length - 1].offset,
            count: kept.length,
            maxTimestamp,
            bytes,
            payload: encodeBatch(base, kept),
          });
        }
        from = chunk[chunk.length - 1][0] + 1;
      }
      const bytes = (partitionBytes.get({ partition }) as [number])[0];
      setBytes.run({ partition, bytes });
      return [removed, bytes];
    },
  );
}
