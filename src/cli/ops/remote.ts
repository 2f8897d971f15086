// TopicOps on a tml server, through the SDK (the /v1 API). What that API cannot do is refused with a
// UsageError naming the option, before anything is sent: nothing is emulated.
import type { TopicDescription } from '../../backbone/types.js';
import { TmlApiError, type TmlClient, type TopicSummary } from '../../client/index.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { ProduceOptions } from '../commands/produce.js';
import { consumeRemote } from '../consume/remote.js';
import { TopicStateError, UsageError } from '../errors.js';
import { remoteAppender } from '../produce/remote-appender.js';
import { notOverServer } from '../remote/unsupported.js';
import type { Appender, CreatedTopic, NewTopic, RecordSink, TopicOps } from './types.js';

export class RemoteTopicOps implements TopicOps {
  constructor(private readonly client: TmlClient) {}

  async createTopic(topic: NewTopic, ifNotExists: boolean): Promise<CreatedTopic> {
    if (topic.config !== undefined) {
      throw notOverServer('--config', "the server's /v1 API creates topics with the default config");
    }
    const created = await this.client.createTopic({
      topic: topic.name,
      ...(topic.partitions !== undefined ? { partitions: topic.partitions } : {}),
      ...(topic.replicationFactor !== undefined ? { replicationFactor: topic.replicationFactor } : {}),
    });
    if (created.existed && !ifNotExists) throw new TopicStateError(`topic '${topic.name}' already exists`);
    const summary = await this.summary(topic.name);
    return {
      name: topic.name,
      partitions: summary.partitions,
      ...(topic.replicationFactor !== undefined ? { replicationFactor: topic.replicationFactor } : {}),
      json: {
        name: topic.name,
        partitions: summary.partitions,
        producerId: created.producerId,
        existed: created.existed,
      },
      note: `tml: the producer id of '${topic.name}' is ${created.producerId} (for produce --producer-id)`,
    };
  }

  async listTopics(): Promise<string[]> {
    return (await this.client.listTopics()).map((t) => t.topic);
  }

  describeTopic(): Promise<TopicDescription> {
    throw notOverServer(
      '`topics describe`',
      "the server's /v1 API does not report partition offsets, replication factor or config " +
        '(tml topics list shows the topics)',
    );
  }

  addPartitions(name: string, count: number) {
    return this.client.addPartitions(name, count);
  }

  async deleteTopic(name: string, ifExists: boolean): Promise<boolean> {
    if (ifExists && !(await this.listTopics()).includes(name)) return false;
    await this.client.deleteTopic(name);
    return true;
  }

  async openAppender(topic: string, options: ProduceOptions): Promise<Appender> {
    const refused = (
      [
        ['--key', options.key],
        ['--partition', options.partition],
        ['--key-column', options.keyColumn],
        ['--records', options.records],
      ] as const
    ).find(([, value]) => value !== undefined && value !== false);
    if (refused) {
      throw notOverServer(
        refused[0],
        "the server's /v1 API takes record values only (no keys, partitions, headers or timestamps)",
      );
    }
    const producerId = options.producerId ?? (await this.producerIdOf(topic));
    return remoteAppender(this.client, topic, producerId);
  }

  async consume(topic: string, options: ConsumeOptions, sink: RecordSink): Promise<void> {
    await consumeRemote(
      this.client,
      topic,
      options,
      sink,
      async () => (await this.summary(topic)).partitions,
    );
  }

  async close(): Promise<void> {}

  private async summary(topic: string): Promise<TopicSummary> {
    const summary = (await this.client.listTopics()).find((t) => t.topic === topic);
    if (summary === undefined) throw new TopicStateError(`topic '${topic}' does not exist`);
    return summary;
  }

  /** An admin token sees producer ids; a topic made outside the server gets one by registering it (also for `tml analytics`). */
  async producerIdOf(topic: string): Promise<string> {
    const summary = await this.summary(topic);
    if (summary.producerId !== undefined) return summary.producerId;
    if (!summary.registered) {
      try {
        return (await this.client.createTopic({ topic })).producerId;
      } catch (error) {
        if (!(error instanceof TmlApiError && error.status === 403)) throw error;
      }
    }
    throw new UsageError(
      `producing to '${topic}' through the server needs its producer id: use an admin token, ` +
        'or give --producer-id <id> (tml topics create prints it)',
    );
  }
}
