// TopicOps on the local backbone (the embedded store in the data directory, or Kafka by configuration),
// through the server's operations and guards as an administrator (whoever opens the data directory
// holds every record in it): topics are created and registered as createtopics does, records are
// appended as the topic's producer with the server's value checks.
import type { Backbone, ProducerRecord, RecordMetadata } from '../../backbone/types.js';
import { createTopic } from '../../server/operations/create-topic.js';
import type { OperationContext } from '../../server/operations/context.js';
import { appendRecords } from '../../server/operations/produce.js';
import { deleteTopics } from '../../server/operations/delete-topics.js';
import { addPartitions } from '../../server/operations/partitions.js';
import { isInternalTopic } from '../../server/operations/validate.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { ProduceOptions } from '../commands/produce.js';
import { consumeLocal } from '../consume/local.js';
import { TopicStateError, UsageError } from '../errors.js';
import {
  partitionRangeText,
  type AppendResult,
  type Appender,
  type CreatedTopic,
  type NewTopic,
  type RecordSink,
  type TopicOps,
} from './types.js';

export class LocalTopicOps implements TopicOps {
  constructor(
    private readonly backbone: Backbone,
    /** Opened on first use: listing or reading topics needs no registrations. */
    private readonly openContext: () => Promise<OperationContext>,
  ) {}

  #context?: Promise<OperationContext>;
  private context(): Promise<OperationContext> {
    return (this.#context ??= this.openContext());
  }

  async createTopic(topic: NewTopic, ifNotExists: boolean): Promise<CreatedTopic> {
    const created = await createTopic(await this.context(), {
      topic: topic.name,
      ...(topic.partitions !== undefined ? { partitions: topic.partitions } : {}),
      ...(topic.replicationFactor !== undefined ? { replicationFactor: topic.replicationFactor } : {}),
      ...(topic.config !== undefined ? { config: topic.config } : {}),
    });
    if (created.existed && !ifNotExists) throw new TopicStateError(`topic '${topic.name}' already exists`);
    const description = await this.backbone.describeTopic(topic.name);
    return {
      name: topic.name,
      partitions: description.partitions.length,
      replicationFactor: description.replicationFactor,
      json: description,
    };
  }

  /** The topics a server lists too: tml's own (`__` names, its registrations and registry) stay out. */
  async listTopics(): Promise<string[]> {
    return (await this.backbone.listTopics()).filter((name) => !isInternalTopic(name));
  }

  describeTopic(name: string) {
    return this.backbone.describeTopic(name);
  }

  async addPartitions(name: string, count: number) {
    return addPartitions(await this.context(), name, count);
  }

  async deleteTopic(name: string, ifExists: boolean): Promise<boolean> {
    if (ifExists && !(await this.backbone.listTopics()).includes(name)) return false;
    // As deletetopics: its producer id, consumer ids and group memberships go with it.
    await deleteTopics(await this.context(), [name]);
    return true;
  }

  async openAppender(topic: string, options: ProduceOptions): Promise<Appender> {
    if (options.producerId !== undefined) {
      throw new UsageError('--producer-id applies to a server: give --server <url> too');
    }
    const description = await this.backbone.describeTopic(topic);
    const count = description.partitions.length;
    if (options.partition !== undefined && options.partition >= count) {
      throw new UsageError(`--partition ${options.partition}: ${partitionRangeText(topic, count)}`);
    }
    // The local administrator produces as the topic's producer: its registration (made now for a
    // topic that has none, as createtopics does for an existing topic) is checked on every append.
    const context = await this.context();
    const { producerId } = await createTopic(context, { topic });
    const spread = roundRobinFromRandom(count);
    return {
      append: async (records) => {
        for (const record of records) spread(record);
        return ranges(await appendRecords(context, { topic, producerId, records, parameter: 'value' }));
      },
    };
  }

  consume(topic: string, options: ConsumeOptions, sink: RecordSink): Promise<void> {
    return consumeLocal(this.backbone, topic, options, sink);
  }

  close(): Promise<void> {
    return this.backbone.close();
  }
}

/**
 * Records with neither key nor partition go round-robin from a random partition: every `tml produce`
 * is a new producer, and starting each at partition 0 would pile one-record runs onto partition 0
 * (Kafka's own producer starts at a random partition too). Keyed records are left to the backbone's
 * murmur2 partitioner.
 */
function roundRobinFromRandom(partitions: number): (record: ProducerRecord) => void {
  let next = Math.floor(Math.random() * partitions);
  return (record) => {
    if (record.partition !== undefined || (record.key !== undefined && record.key !== null)) return;
    record.partition = next;
    next = next + 1 === partitions ? 0 : next + 1;
  };
}

function ranges(metadata: RecordMetadata[]): AppendResult {
  const byPartition = new Map<number, { partition: number; firstOffset: number; lastOffset: number }>();
  for (const { partition, offset } of metadata) {
    const range = byPartition.get(partition);
    if (range === undefined)
      byPartition.set(partition, { partition, firstOffset: offset, lastOffset: offset });
    else {
      if (offset < range.firstOffset) range.firstOffset = offset;
      if (offset > range.lastOffset) range.lastOffset = offset;
    }
  }
  return { records: metadata.length, partitions: [...byPartition.values()] };
}
