// Topic and partition rows: a topic's partitions get store-wide partition ids, the high bits of
// their batches' row ids (schema.ts).
import type Database from 'better-sqlite3';
import { BackboneError } from '../../errors.js';
import type { TopicConfig } from '../../types.js';
import {
  MAX_PARTITION_ID,
  PARTITION_END,
  PARTITION_START,
  type StoredPartition,
  type StoredTopic,
} from './schema.js';

interface TopicRow {
  name: string;
  partitions: number;
  replication_factor: number;
  config: string;
}

interface PartitionRow {
  id: number;
  topic: string;
  partition: number;
  log_start_offset: number;
  next_offset: number;
  bytes: number;
  max_timestamp: number;
}

export interface TopicRows {
  load(): { topics: StoredTopic[]; partitions: StoredPartition[] };
  /** Creates a topic and its partitions; returns the partitions' ids in partition order. */
  create(topic: StoredTopic, now: number): number[];
  /** Deletes a topic with its partitions' batches, time index and committed offsets. */
  delete(name: string, partitionIds: number[]): void;
  /** Adds partitions `from`..`count - 1` to a topic; returns their ids in partition order. */
  addPartitions(name: string, from: number, count: number): number[];
}

export function topicRows(db: Database.Database): TopicRows {
  const selectTopics = db.prepare<[], TopicRow>(
    `SELECT name, partitions, replication_factor, config FROM topics ORDER BY name`,
  );
  const selectPartitions = db.prepare<[], PartitionRow>(
    `SELECT id, topic, partition, log_start_offset, next_offset, bytes, max_timestamp FROM partitions
     ORDER BY topic, partition`,
  );
  const insertTopic = db.prepare<{
    name: string;
    partitions: number;
    replicationFactor: number;
    config: string;
    now: number;
  }>(`INSERT INTO topics (name, partitions, replication_factor, config, created_at)
      VALUES (:name, :partitions, :replicationFactor, :config, :now)`);
  const maxPartitionId = db.prepare(`SELECT coalesce(max(id), 0) FROM partitions`).raw(true);
  // the lowest id after which no partition exists, for when ids reached MAX_PARTITION_ID
  const freePartitionId = db
    .prepare(
      `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM partitions WHERE id = 1)
       UNION ALL
       SELECT a.id + 1 FROM partitions a WHERE NOT EXISTS (SELECT 1 FROM partitions b WHERE b.id = a.id + 1)
       LIMIT 1`,
    )
    .raw(true);
  const insertPartition = db.prepare<{ id: number; topic: string; partition: number }>(
    `INSERT INTO partitions (id, topic, partition, log_start_offset, next_offset, bytes, max_timestamp)
     VALUES (:id, :topic, :partition, 0, 0, 0, -1)`,
  );
  const deletePartitionBatches = db.prepare<{ partition: number }>(
    `DELETE FROM batches WHERE id >= ${PARTITION_START} AND id < ${PARTITION_END}`,
  );
  const deletePartitionTimeIndex = db.prepare<{ partition: number }>(
    `DELETE FROM time_index WHERE partition_id = :partition`,
  );
  const deleteTopicPartitions = db.prepare<{ topic: string }>(`DELETE FROM partitions WHERE topic = :topic`);
  const deleteTopicOffsets = db.prepare<{ topic: string }>(`DELETE FROM group_offsets WHERE topic = :topic`);
  const deleteTopicRow = db.prepare<{ topic: string }>(`DELETE FROM topics WHERE name = :topic`);
  const updatePartitionCount = db.prepare<{ name: string; partitions: number }>(
    `UPDATE topics SET partitions = :partitions WHERE name = :name`,
  );

  const allocatePartitionId = (): number => {
    const next = ((maxPartitionId.get() as [number])[0] ?? 0) + 1;
    if (next <= MAX_PARTITION_ID) return next;
    const free = freePartitionId.get() as [number] | undefined;
    if (!free || free[0] > MAX_PARTITION_ID) {
      throw new BackboneError(
        'TOO_MANY_PARTITIONS',
        `the embedded backbone holds at most ${MAX_PARTITION_ID} partitions`,
      );
    }
    return free[0];
  };

  return {
    load() {
      const topics = selectTopics.all().map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replication_factor,
        config: JSON.parse(t.config) as TopicConfig,
      }));
      const partitions = selectPartitions.all().map((p) => ({
        id: p.id,
        topic: p.topic,
        partition: p.partition,
        logStartOffset: p.log_start_offset,
        nextOffset: p.next_offset,
        bytes: p.bytes,
        maxTimestamp: p.max_timestamp,
      }));
      return { topics, partitions };
    },
    create: db.transaction((topic: StoredTopic, now: number): number[] => {
      insertTopic.run({
        name: topic.name,
        partitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        config: JSON.stringify(topic.config),
        now,
      });
      const ids: number[] = [];
      for (let partition = 0; partition < topic.partitions; partition++) {
        const id = allocatePartitionId();
        insertPartition.run({ id, topic: topic.name, partition });
        ids.push(id);
      }
      return ids;
    }),
    addPartitions: db.transaction((name: string, from: number, count: number): number[] => {
      updatePartitionCount.run({ name, partitions: count });
      const ids: number[] = [];
      for (let partition = from; partition < count; partition++) {
        const id = allocatePartitionId();
        insertPartition.run({ id, topic: name, partition });
        ids.push(id);
      }
      return ids;
    }),
    delete: db.transaction((name: string, partitionIds: number[]): void => {
      for (const partition of partitionIds) {
        deletePartitionBatches.run({ partition });
        deletePartitionTimeIndex.run({ partition });
      }
      deleteTopicPartitions.run({ topic: name });
      deleteTopicOffsets.run({ topic: name });
      deleteTopicRow.run({ topic: name });
    }),
  };
}
