// Record batches of a Fetch response turned into the backbone's consumed records.
import type { Consumer } from '@platformatic/kafka';
import type { ConsumedRecord } from '../types.js';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;
export type FetchResponsePartition = FetchResponse['responses'][number]['partitions'][number];

// Attribute bit 5 of a record batch: a control batch (transaction markers), never handed to users.
const IS_CONTROL = 0b10_0000;
// Attribute bit 4: the batch belongs to a transaction.
const IS_TRANSACTIONAL = 0b1_0000;

export interface DecodedPartition {
  records: ConsumedRecord[];
  /** Where the next fetch should start: past the last record returned, or past skipped batches. */
  nextOffset: number;
}

export interface DecodeLimits {
  maxRecords: number;
  /** About this many bytes of keys, values and headers; the first record always comes back. */
  maxBytes: number;
}

/**
 * Decodes the records at or after `fromOffset` (a batch may start before it), within the limits:
 * Kafka answers whole batches, so the limits are applied here. `nextOffset` moves past control
 * batches and compacted gaps, so a poll loop never stalls on them.
 */
export function decodePartition(
  topic: string,
  partition: FetchResponsePartition,
  fromOffset: number,
  limits: DecodeLimits,
): DecodedPartition {
  const records: ConsumedRecord[] = [];
  let bytes = 0;
  let nextOffset = fromOffset;
  const aborted = abortedFilter(partition);
  for (const batch of partition.records ?? []) {
    const base = Number(batch.firstOffset);
    const lastInBatch = base + batch.lastOffsetDelta;
    // (the filter sees every batch, control ones included: an abort marker ends a skipped range)
    if (aborted(batch) || batch.attributes & IS_CONTROL) {
      nextOffset = Math.max(nextOffset, lastInBatch + 1);
      continue;
    }
    for (const record of batch.records) {
      const offset = base + record.offsetDelta;
      if (offset < fromOffset) continue;
      const headers: Record<string, Buffer> = {};
      let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
      for (const [name, value] of record.headers) {
        if (!name) continue;
        headers[name.toString('utf8')] = value ?? Buffer.alloc(0);
        size += name.length + (value?.length ?? 0);
      }
      if (records.length >= limits.maxRecords || (records.length > 0 && bytes + size > limits.maxBytes)) {
        return { records, nextOffset };
      }
      bytes += size;
      records.push({
        topic,
        partition: partition.partitionIndex,
        offset,
        timestamp: Number(batch.firstTimestamp + record.timestampDelta),
        key: record.key ?? null,
        value: record.value ?? null,
        headers,
      });
      nextOffset = offset + 1;
    }
    // a compacted batch keeps its last offset delta though its last records may be gone
    nextOffset = Math.max(nextOffset, lastInBatch + 1);
  }
  return { records, nextOffset };
}

type Batch = NonNullable<FetchResponsePartition['records']>[number];

/**
 * read_committed: tells the batches of aborted transactions, as Kafka's own consumer does. The
 * broker lists the aborted transactions (producer id, first offset) the answer overlaps; a
 * producer's transactional batches from that first offset up to its abort marker are skipped. The
 * client filters too, but keeps only the last aborted transaction of each producer, so with two
 * aborted transactions of one producer in one answer the older one's records showed.
 */
function abortedFilter(partition: FetchResponsePartition): (batch: Batch) => boolean {
  const list = [...(partition.abortedTransactions ?? [])].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  if (list.length === 0) return () => false;
  const ongoing = new Set<bigint>();
  let next = 0;
  return (batch) => {
    while (next < list.length && list[next].firstOffset <= batch.firstOffset) {
      ongoing.add(list[next].producerId);
      next++;
    }
    if (!(batch.attributes & IS_TRANSACTIONAL) || !ongoing.has(batch.producerId)) return false;
    if (batch.attributes & IS_CONTROL) {
      // a control record's key: version (int16), type (int16: 0 = abort, 1 = commit)
      if (batch.records[0]?.key?.readInt16BE(2) === 0) ongoing.delete(batch.producerId);
      return false; // control batches are skipped anyway; the caller moves past them
    }
    return true;
  };
}
