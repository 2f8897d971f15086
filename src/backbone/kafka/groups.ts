// Consumer groups on Kafka, seen from outside the group: committed offsets (read and set through
// the admin API), the group's coordinator, its description and the list of groups.
import { FindCoordinatorKeyTypes } from '@platformatic/kafka';
import { InvalidRecordError, UnknownGroupError } from '../errors.js';
import { validateTopicName } from '../topic-name.js';
import type { GroupDescription, TopicPartitionOffset } from '../types.js';
import { checkPartition, type KafkaCluster } from './cluster.js';
import { groupState } from './util.js';

export async function committedOffsets(
  cluster: KafkaCluster,
  groupId: string,
  topic?: string,
): Promise<TopicPartitionOffset[]> {
  checkGroupId(groupId);
  const groups = await cluster.call({ operation: 'reading committed offsets', groupId }, () =>
    cluster.admin.listConsumerGroupOffsets({ groups: [groupId] }),
  );
  const out: TopicPartitionOffset[] = [];
  for (const t of groups[0]?.topics ?? []) {
    if (topic !== undefined && t.name !== topic) continue;
    for (const p of t.partitions) {
      if (p.committedOffset < 0n) continue;
      out.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: Number(p.committedOffset),
        ...(p.metadata ? { metadata: p.metadata } : {}),
      });
    }
  }
  return out.sort(byTopicPartition);
}

export async function commitOffsets(
  cluster: KafkaCluster,
  groupId: string,
  offsets: TopicPartitionOffset[],
): Promise<void> {
  checkGroupId(groupId);
  await checkOffsets(cluster, offsets);
  const topics = new Map<string, { partition: number; offset: bigint }[]>();
  for (const o of offsets) {
    topics.set(o.topic, [
      ...(topics.get(o.topic) ?? []),
      { partition: o.partition, offset: BigInt(o.offset) },
    ]);
  }
  // Kafka's AlterConsumerGroupOffsets keeps no commit metadata: `metadata` is dropped here
  await cluster.call({ operation: 'committing offsets', groupId }, () =>
    cluster.admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...topics].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    }),
  );
}

/** Throws unless every offset names an existing partition and is a valid offset to commit. */
export async function checkOffsets(cluster: KafkaCluster, offsets: TopicPartitionOffset[]): Promise<void> {
  if (!Array.isArray(offsets)) throw new InvalidRecordError('commitOffsets takes an array of offsets');
  for (const o of offsets) {
    validateTopicName(o?.topic);
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
      throw new InvalidRecordError(
        `a committed offset must be a non-negative integer, got ${String(o.offset)}`,
      );
    }
    const { partitionsCount } = await cluster.topicMetadata(o.topic);
    checkPartition(o.topic, o.partition, partitionsCount);
  }
}

/** The node id of a consumer group's coordinator (where its offsets are committed). */
export async function groupCoordinator(cluster: KafkaCluster, groupId: string): Promise<number> {
  checkGroupId(groupId);
  const found = await cluster.call({ operation: 'finding the group coordinator', groupId }, () =>
    cluster.admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }),
  );
  const coordinator = found.find((c) => c.key === groupId);
  if (!coordinator) {
    throw cluster.translate(new Error(`no coordinator for group '${groupId}'`), {
      operation: 'finding the group coordinator',
      groupId,
    });
  }
  return coordinator.nodeId;
}

export async function describeGroup(cluster: KafkaCluster, groupId: string): Promise<GroupDescription> {
  checkGroupId(groupId);
  const groups = await cluster.call({ operation: 'describing a group', groupId }, () =>
    cluster.admin.describeGroups({ groups: [groupId] }),
  );
  const group = groups.get(groupId);
  const state = groupState(group?.state ?? 'DEAD');
  if (!group || state === 'Dead') throw new UnknownGroupError(groupId);
  return {
    groupId,
    state,
    members: [...group.members.values()].map((m) => ({
      memberId: m.id,
      clientId: m.clientId,
      assignment: [...(m.assignments?.values() ?? [])]
        .flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
        .sort(byTopicPartition),
    })),
  };
}

export async function listGroups(cluster: KafkaCluster): Promise<string[]> {
  const groups = await cluster.call({ operation: 'listing groups' }, () => cluster.admin.listGroups());
  return [...groups.keys()].sort();
}

function checkGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0) {
    throw new InvalidRecordError(`a consumer group id must be a non-empty string, got ${String(groupId)}`);
  }
}

function byTopicPartition(
  a: { topic: string; partition: number },
  b: { topic: string; partition: number },
): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}
