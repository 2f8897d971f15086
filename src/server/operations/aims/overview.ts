// AiMS's picture of the cluster (admin): every consumer id with what it read and when, every topic
// with what its producers wrote and when, and the totals. Reads and writes through the APIs are
// counted by the UsageRecorder; a topic written by a solution (not through the APIs) shows its
// newest record's time from the backbone.
import { requireRole } from '../../auth/authenticator.js';
import type { OperationContext } from '../context.js';
import { listTopics } from '../list-topics.js';
import { consumerKey, producerKey } from './usage.js';

export interface AimsConsumer {
  consumerId: string;
  topic: string;
  groupId: string;
  active: boolean;
  /** ms since the epoch; absent: never read. */
  lastReadAt?: number;
  bytesRead: number;
  recordsRead: number;
  activeDays: number;
  createdAt: string;
  companyname: string;
  contactname: string;
  contactemail: string;
}

export interface AimsProducer {
  topic: string;
  producerId?: string;
  active: boolean;
  /** The solution that writes this topic, if any. */
  solution?: string;
  /** ms since the epoch: the latest write through the APIs, or the newest record's time. */
  lastWriteAt?: number;
  bytesWritten: number;
  recordsWritten: number;
  activeDays: number;
  records: number;
  consumers: number;
  companyname: string;
  contactname: string;
  location: string;
  description: string;
}

export interface AimsOverview {
  cluster: {
    backbone: string;
    topics: number;
    consumers: number;
    groups: number;
    activeConsumers: number;
    activeTopics: number;
    bytesIn: number;
    bytesOut: number;
  };
  consumers: AimsConsumer[];
  producers: AimsProducer[];
}

export async function aimsOverview(context: OperationContext): Promise<AimsOverview> {
  requireRole(context.principal, 'admin', 'aimsOverview');
  const usage = (key: string) => context.usage?.get(key) ?? context.store.usage?.get(key);
  const consumers: AimsConsumer[] = context.store.consumers
    .values()
    .sort((a, b) => a.consumerId.localeCompare(b.consumerId))
    .map((c) => {
      const used = usage(consumerKey(c.consumerId));
      return {
        consumerId: c.consumerId,
        topic: c.topic,
        groupId: c.groupId,
        active: c.active !== false,
        ...(used ? { lastReadAt: used.lastAt } : {}),
        bytesRead: used?.bytes ?? 0,
        recordsRead: used?.records ?? 0,
        activeDays: used?.days.length ?? 0,
        createdAt: c.createdAt,
        companyname: c.companyname,
        contactname: c.contactname,
        contactemail: c.contactemail,
      };
    });
  const writers = new Map<string, string>();
  for (const solution of await (await context.solutions()).list()) {
    for (const topic of Object.values(solution.spec.outputs)) {
      if (typeof topic === 'string') writers.set(topic, solution.name);
    }
  }
  const producers: AimsProducer[] = [];
  for (const topic of await listTopics(context)) {
    const registration = context.store.topics.get(topic.topic);
    const used = usage(producerKey(topic.topic));
    const newest = await newestRecordTime(context, topic.topic);
    const lastWriteAt = Math.max(used?.lastAt ?? -1, newest ?? -1);
    const solution = writers.get(topic.topic);
    producers.push({
      topic: topic.topic,
      ...(registration ? { producerId: registration.producerId } : {}),
      active: topic.active,
      ...(solution !== undefined ? { solution } : {}),
      ...(lastWriteAt >= 0 ? { lastWriteAt } : {}),
      bytesWritten: used?.bytes ?? 0,
      recordsWritten: used?.records ?? 0,
      activeDays: used?.days.length ?? 0,
      records: topic.records,
      consumers: consumers.filter((c) => c.topic === topic.topic).length,
      companyname: registration?.companyname ?? '',
      contactname: registration?.contactname ?? '',
      location: registration?.location ?? '',
      description: registration?.description ?? '',
    });
  }
  const groups = new Set([
    ...context.store.groups.values().map((g) => g.groupId),
    ...consumers.map((c) => c.groupId).filter((g) => g !== ''),
  ]);
  return {
    cluster: {
      backbone: context.backbone.kind,
      topics: producers.length,
      consumers: consumers.length,
      groups: groups.size,
      activeConsumers: consumers.filter((c) => c.active).length,
      activeTopics: producers.filter((p) => p.active).length,
      bytesIn: producers.reduce((sum, p) => sum + p.bytesWritten, 0),
      bytesOut: consumers.reduce((sum, c) => sum + c.bytesRead, 0),
    },
    consumers,
    producers,
  };
}

/** The newest record's time over a topic's partitions (one small fetch per partition). */
async function newestRecordTime(context: OperationContext, topic: string): Promise<number | undefined> {
  let newest: number | undefined;
  for (const p of await context.backbone.listOffsets(topic).catch(() => [])) {
    if (p.latest <= p.earliest) continue;
    const result = await context.backbone
      .fetch({ topic, partition: p.partition, offset: p.latest - 1, maxRecords: 1, maxBytes: 1 })
      .catch(() => undefined);
    const record = result?.records[0];
    if (record !== undefined) newest = Math.max(newest ?? 0, record.timestamp);
  }
  return newest;
}
