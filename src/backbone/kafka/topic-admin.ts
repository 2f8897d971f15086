// Topics on Kafka: create (and wait until every partition has a leader), describe, list, delete
// (and wait until the name is free again).
import { ConfigResourceTypes } from '@platformatic/kafka';
import { InvalidRecordError } from '../errors.js';
import { validatePartitionCount, validatePartitionGrowth, validateTopicName } from '../topic-name.js';
import type { NewTopic, PartitionOffsets, TopicDescription } from '../types.js';
import type { KafkaCluster } from './cluster.js';
import { fromKafkaConfigs, toKafkaConfigs, TOPIC_CONFIG_NAMES } from './topic-configs.js';
import { sleep } from './util.js';

/** How long topic creation and deletion may take to show in the cluster's metadata. */
const PROPAGATION_MS = 15_000;

export async function createTopic(cluster: KafkaCluster, topic: NewTopic): Promise<void> {
  const { name, partitions, replicationFactor, configs } = newTopic(cluster, topic);
  await cluster.call({ operation: 'creating a topic', topic: name }, () =>
    cluster.admin.createTopics({ topics: [name], partitions, replicas: replicationFactor, configs }),
  );
  await waitForLeaders(cluster, name, partitions);
}

/** Creates the topic unless it exists; either way returns once it has leaders. */
export async function ensureTopic(cluster: KafkaCluster, topic: NewTopic): Promise<void> {
  const { name } = newTopic(cluster, topic);
  try {
    await createTopic(cluster, topic);
  } catch (error) {
    if ((error as { code?: string }).code !== 'TOPIC_EXISTS') throw error;
    await waitForLeaders(cluster, name, 1);
  }
}

export async function describeTopic(
  cluster: KafkaCluster,
  name: string,
  offsets: PartitionOffsets[],
): Promise<TopicDescription> {
  const metadata = await cluster.topicMetadata(name);
  const described = await cluster.call({ operation: 'describing a topic', topic: name }, () =>
    cluster.admin.describeConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: name,
          configurationKeys: TOPIC_CONFIG_NAMES,
        },
      ],
    }),
  );
  // what was set on the topic itself (source 1 = DYNAMIC_TOPIC_CONFIG), not the broker defaults
  const set = described[0]?.configs.filter((c) => c.configSource === 1) ?? [];
  return {
    name,
    partitions: offsets.map((o) => ({
      partition: o.partition,
      earliestOffset: o.earliest,
      latestOffset: o.latest,
    })),
    replicationFactor: metadata.partitions[0]?.replicas.length ?? 0,
    config: fromKafkaConfigs(set),
  };
}

export function listTopics(cluster: KafkaCluster): Promise<string[]> {
  // Kafka's own internal topics (__consumer_offsets, ...) are left out, as the client does
  return cluster.call({ operation: 'listing topics' }, () => cluster.admin.listTopics());
}

export async function deleteTopic(cluster: KafkaCluster, name: string): Promise<void> {
  validateTopicName(name);
  await cluster.call({ operation: 'deleting a topic', topic: name }, () =>
    cluster.admin.deleteTopics({ topics: [name] }),
  );
  // deletion is asynchronous in Kafka: wait until the name is free again
  const deadline = Date.now() + PROPAGATION_MS;
  while (Date.now() < deadline) {
    if (!(await listTopics(cluster)).includes(name)) break;
    await sleep(100);
  }
  cluster.clearMetadata();
}

/** Grows a topic to `count` partitions (never shrinks it); returns once every partition has a leader. */
export async function createPartitions(cluster: KafkaCluster, name: string, count: number): Promise<void> {
  const current = (await cluster.topicMetadata(name)).partitions.length;
  validatePartitionGrowth(name, current, count);
  if (count === current) return;
  await cluster.call({ operation: 'adding partitions', topic: name }, () =>
    cluster.admin.createPartitions({ topics: [{ name, count }] }),
  );
  await waitForLeaders(cluster, name, count);
}

function newTopic(cluster: KafkaCluster, topic: NewTopic) {
  if (topic === null || typeof topic !== 'object') {
    throw new InvalidRecordError(`a new topic must be an object with a 'name', got ${String(topic)}`);
  }
  validateTopicName(topic.name);
  const defaults = cluster.options.topicDefaults ?? { partitions: 1, replicationFactor: 1 };
  const partitions = topic.partitions ?? defaults.partitions;
  validatePartitionCount(partitions);
  const replicationFactor = topic.replicationFactor ?? defaults.replicationFactor;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new InvalidRecordError(
      `the replication factor must be a positive integer, got ${String(replicationFactor)}`,
    );
  }
  return { name: topic.name, partitions, replicationFactor, configs: toKafkaConfigs(topic.config) };
}

async function waitForLeaders(cluster: KafkaCluster, topic: string, partitions: number): Promise<void> {
  const deadline = Date.now() + PROPAGATION_MS;
  for (;;) {
    try {
      const metadata = await cluster.reader.metadata({ topics: [topic], forceUpdate: true });
      const found = metadata.topics.get(topic);
      if (found && found.partitionsCount >= partitions && found.partitions.every((p) => p.leader >= 0)) {
        cluster.clearMetadata();
        return;
      }
    } catch (error) {
      if (Date.now() > deadline) throw cluster.translate(error, { operation: 'creating a topic', topic });
    }
    if (Date.now() > deadline) return;
    await sleep(50);
  }
}
