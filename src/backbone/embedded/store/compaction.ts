// Compaction: a record below the cleaned point goes when a later record has the same key, a
// tombstone when it is also older than the tombstone cutoff. Batches are rewritten in place
// (offsets never change) or deleted when nothing of them is left.
import type Database from 'better-sqlite3';
import { decodeBatch, encodeBatch, recordBytes } from '../record-batch.js';
import { OFFSET_MASK, rowId } from './schema.js';

/** Batches read or rewritten per chunk, so a large partition is never read into memory whole. */
const CHUNK_BATCHES = 256;
/** Past the last offset any partition can hold: the scan's upper bound. */
const END_OF_PARTITION = 2 ** 43 - 1;

/**
 * One partition's compaction below `upTo`, done a chunk of batches at a time, so that a large
 * compacted partition (a registry taking a model version a second from hundreds of solutions)
 * never holds the event loop for the whole pass: first the latest offset of every key (reads),
 * then the batches below `upTo` rewritten, each chunk in its own transaction with the partition's
 * byte count. Records appended between chunks are at or above `upTo` and stay; a crash between
 * chunks leaves a partly compacted partition, which is a valid one.
 */
export interface CompactionJob {
  /** Does up to `maxBatches` batches of work; true once the partition is done. */
  step(maxBatches?: number): boolean;
  /** Records removed so far. */
  readonly removed: number;
  /** Change of the partition's stored bytes so far (never positive). */
  readonly bytesDelta: number;
}

export type Compactor = (
  partitionId: number,
  logStart: number,
  upTo: number,
  tombstoneCutoff: number,
) => CompactionJob;

type Chunk = [number, Buffer, number][];

export function compactor(db: Database.Database): Compactor {
  const batchChunk = db
    .prepare<{ partition: number; from: number; upTo: number; limit: number }>(
      `SELECT id & ${OFFSET_MASK}, payload, bytes FROM batches
       WHERE id >= ${rowId('from')} AND id < ${rowId('upTo')} ORDER BY id LIMIT :limit`,
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
  const addBytes = db.prepare<{ partition: number; delta: number }>(
    `UPDATE partitions SET bytes = bytes + :delta WHERE id = :partition`,
  );

  /** Rewrites one chunk in one transaction; returns [records removed, bytes delta]. */
  const rewriteChunk = db.transaction(
    (
      partition: number,
      chunk: Chunk,
      keep: (r: { offset: number; key: Buffer | null; value: Buffer | null; timestamp: number }) => boolean,
    ): [number, number] => {
      let removed = 0;
      let delta = 0;
      for (const [base, payload, oldBytes] of chunk) {
        const records = decodeBatch(base, payload);
        const kept = records.filter(keep);
        if (kept.length === records.length) continue;
        removed += records.length - kept.length;
        if (kept.length === 0) {
          deleteBatch.run({ partition, base });
          delta -= oldBytes;
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
        delta += bytes - oldBytes;
      }
      if (delta !== 0) addBytes.run({ partition, delta });
      return [removed, delta];
    },
  );

  return (partition, logStart, upTo, tombstoneCutoff) => {
    const latest = new Map<string, number>();
    let scanning = true;
    let from = 0;
    let removed = 0;
    let bytesDelta = 0;
    const keep = (r: { offset: number; key: Buffer | null; value: Buffer | null; timestamp: number }) =>
      r.offset >= logStart &&
      (r.offset >= upTo ||
        (latest.get(r.key === null ? '' : r.key.toString('latin1')) === r.offset &&
          !(r.value === null && r.timestamp < tombstoneCutoff)));
    return {
      get removed() {
        return removed;
      },
      get bytesDelta() {
        return bytesDelta;
      },
      step(maxBatches = CHUNK_BATCHES): boolean {
        const limit = Math.max(1, Math.min(maxBatches, CHUNK_BATCHES));
        let budget = maxBatches;
        while (budget > 0) {
          // Pass 1: the latest offset of every key, over the whole partition.
          if (scanning) {
            const chunk = batchChunk.all({ partition, from, upTo: END_OF_PARTITION, limit }) as Chunk;
            budget -= Math.max(1, chunk.length);
            if (chunk.length === 0) {
              scanning = false;
              from = 0;
              continue;
            }
            for (const [base, payload] of chunk) {
              for (const r of decodeBatch(base, payload)) {
                if (r.key !== null && r.offset >= logStart) latest.set(r.key.toString('latin1'), r.offset);
              }
            }
            from = chunk[chunk.length - 1][0] + 1;
            continue;
          }
          // Pass 2: the batches below `upTo`, a chunk per transaction.
          const chunk = batchChunk.all({ partition, from, upTo, limit }) as Chunk;
          if (chunk.length === 0) return true;
          budget -= chunk.length;
          const [r, d] = rewriteChunk(partition, chunk, keep);
          removed += r;
          bytesDelta += d;
          from = chunk[chunk.length - 1][0] + 1;
        }
        return false;
      },
    };
  };
}
