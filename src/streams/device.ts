// Per-device (per-entity) data: a record's device is its Kafka record key, the key solutions'
// `entityKey` reads; records written before devices were keyed carry it in a `topicid` header.
// Every step that takes a device reads only that device's records and writes its outputs keyed
// by it, so the next step (and a consumer filtering by key) finds them.
import { partitionForKey } from '../backbone/partitioner.js';
import type { ConsumedRecord, PartitionOffsets } from '../backbone/types.js';

/** The most records one device search reads back from the end of a partition before giving up. */
export const MAX_DEVICE_SCAN = 1_000_000;

/** A record's device: its `topicid` header, else its record key (undefined: none). */
export function recordDevice(record: Pick<ConsumedRecord, 'key' | 'headers'>): string | undefined {
  return record.headers.topicid?.toString('utf8') ?? record.key?.toString('utf8');
}

/** Whether a record belongs to `device` (every record does when no device is asked for). */
export function ofDevice(
  record: Pick<ConsumedRecord, 'key' | 'headers'>,
  device: string | undefined,
): boolean {
  return device === undefined || recordDevice(record) === device;
}

/**
 * The partitions a device's records are in: a keyed record lands on its key's partition (murmur2,
 * as Kafka's default partitioner and both backbones place it), so a search for a device reads that
 * partition only, not every partition of a topic that many devices share.
 */
export function devicePartitions<P extends Pick<PartitionOffsets, 'partition'>>(
  partitions: P[],
  device: string | undefined,
): P[] {
  if (device === undefined || partitions.length <= 1) return partitions;
  const chosen = partitionForKey(Buffer.from(device, 'utf8'), partitions.length);
  return partitions.filter((p) => p.partition === chosen);
}
