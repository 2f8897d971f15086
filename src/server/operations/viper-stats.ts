// viperstats: who produces and consumes what. VIPER's shape was never published; tml answers the
// backbone, each registered topic with its record count, and the counts of registrations.
import type { OperationContext } from './context.js';
import { listTopics } from './list-topics.js';

export interface ServerStats {
  backbone: string;
  topics: Array<{ topic: string; partitions: number; records: number; active: boolean; consumers: number }>;
  producers: number;
  consumers: number;
  groups: number;
  joinedTopics: number;
  models: number;
}

export async function viperStats(context: OperationContext): Promise<ServerStats> {
  const topics = await listTopics(context);
  const consumers = context.store.consumers.values();
  return {
    backbone: context.backbone.kind,
    topics: topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions,
      records: t.records,
      active: t.active,
      consumers: consumers.filter((c) => c.topic === t.topic).length,
    })),
    producers: context.store.topics.values().length,
    consumers: consumers.length,
    groups: context.store.groups.values().length,
    joinedTopics: context.store.joins.values().length,
    models: (await context.store.models.aliases()).length,
  };
}
