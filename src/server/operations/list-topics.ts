// listtopics: every user topic with its partitions, record count and registration. Producer ids are
// capabilities, so only an admin sees them.
import type { OperationContext } from './context.js';
import { isInternalTopic } from './validate.js';

export interface TopicSummary {
  topic: string;
  partitions: number;
  /** Records currently stored (latest - earliest offset, summed over partitions). */
  records: number;
  active: boolean;
  registered: boolean;
  producerId?: string;
  companyname: string;
  description: string;
  createdAt?: string;
}

export async function listTopics(context: OperationContext): Promise<TopicSummary[]> {
  const names = (await context.backbone.listTopics()).filter((n) => !isInternalTopic(n)).sort();
  const admin = context.principal.role === 'admin';
  const out: TopicSummary[] = [];
  for (const topic of names) {
    const offsets = await context.backbone.listOffsets(topic).catch(() => []);
    const registration = context.store.topics.get(topic);
    out.push({
      topic,
      partitions: offsets.length,
      records: offsets.reduce((sum, p) => sum + (p.latest - p.earliest), 0),
      active: registration?.active ?? true,
      registered: registration !== undefined,
      ...(admin && registration ? { producerId: registration.producerId } : {}),
      companyname: registration?.companyname ?? '',
      description: registration?.description ?? '',
      ...(registration ? { createdAt: registration.createdAt } : {}),
    });
  }
  return out;
}
