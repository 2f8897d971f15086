// Partition offsets on Kafka: earliest and latest (ListOffsets at -2 / -1) and by timestamp.
import { FetchIsolationLevels } from '@platformatic/kafka';
import { InvalidRecordError, OffsetOutOfRangeError } from '../errors.js';
import { validateTopicName } from '../topic-name.js';
import type { PartitionOffsets } from '../types.js';
import { checkPartition, type KafkaCluster } from './cluster.js';

const EARLIEST = -2n;
const LATEST = -1n;

export async function listOffsets(cluster: KafkaCluster, topic: string): Promise<PartitionOffsets[]> {
  validateTopicName(topic);
  const { partitionsCount } = await cluster.topicMetadata(topic);
  const all = Array.from({ length: partitionsCount }, (_, p) => p);
  const [earliest, latest] = await Promise.all([
    offsetsAt(cluster, topic, all, EARLIEST),
    offsetsAt(cluster, topic, all, LATEST),
  ]);
  return all.map((partition) => ({
    partition,
    earliest: earliest.get(partition) ?? 0,
    latest: latest.get(partition) ?? 0,
  }));
}

/** The first offset whose timestamp is >= `timestamp`; the partition's end when there is none. */
export async function offsetForTimestamp(
  cluster: KafkaCluster,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<number> {
  validateTopicName(topic);
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new InvalidRecordError(
      `a timestamp must be a non-negative integer (ms since the epoch), got ${String(timestamp)}`,
    );
  }
  const { partitionsCount } = await cluster.topicMetadata(topic);
  checkPartition(topic, partition, partitionsCount);
  const found = (await offsetsAt(cluster, topic, [partition], BigInt(timestamp))).get(partition);
  if (found === undefined || found < 0) {
    return (await offsetsAt(cluster, topic, [partition], LATEST)).get(partition) ?? 0;
  }
  return found;
}

/** Offsets of partitions at a time, or at -2 (earliest) / -1 (latest), as Kafka's ListOffsets. */
export async function offsetsAt(
  cluster: KafkaCluster,
  topic: string,
  partitions: number[],
  at: bigint,
): Promise<Map<number, number>> {
  const listed = await cluster.call({ operation: 'listing offsets', topic }, () =>
    cluster.admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: at })),
        },
      ],
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    }),
  );
  const out = new Map<number, number>();
  for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, Number(p.offset));
  return out;
}

/** The error for an offset outside the partition's stored range, naming that range. */
export async function outOfRange(
  cluster: KafkaCluster,
  topic: string,
  partition: number,
  offset: number,
): Promise<OffsetOutOfRangeError> {
  const [o] = (await listOffsets(cluster, topic)).filter((p) => p.partition === partition);
  return new OffsetOutOfRangeError(topic, partition, offset, o.earliest, o.latest);
}
