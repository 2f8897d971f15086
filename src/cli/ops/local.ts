// TopicOps on the local backbone (the embedded store in the data directory, or Kafka by configuration).
import type { Backbone, ProducerRecord, RecordMetadata } from '../../backbone/types.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { ProduceOptions } from '../commands/produce.js';
import { consumeLocal } from '../consume/local.js';
import { UsageError } from '../errors.js';
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
  constructor(private readonly backbone: Backbone) {}

  async createTopic(topic: NewTopic, ifNotExists: boolean): Promise<CreatedTopic> {
    if (ifNotExists) await this.backbone.ensureTopic(topic);
    else await this.backbone.createTopic(topic);
    const description = await this.backbone.describeTopic(topic.name);
    return {
      name: topic.name,
      partitions: description.partitions.length,
      replicationFactor: description.replicationFactor,
      json: description,
    };
  }

  listTopics(): Promise<string[]> {
    return this.backbone.listTopics();
  }

  describeTopic(name: string) {
    return this.backbone.describeTopic(name);
  }

  async deleteTopic(name: string, ifExists: boolean): Promise<boolean> {
    if (ifExists && !(await this.backbone.listTopics()).includes(name)) return false;
    await this.backbone.deleteTopic(name);
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
    const spread = roundRobinFromRandom(count);
    return {
      append: async (records) => {
        for (const record of records) spread(record);
        return ranges(await this.backbone.produce(topic, records));
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
