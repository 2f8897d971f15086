// deletetopics: a comma list of topics. Every name is checked before anything is deleted, so one
// unknown name leaves every topic in place. The producer id, the consumer ids of the topic and its
// place in consumer groups go with it.
import { requireRole } from '../auth/authenticator.js';
import type { OperationContext } from './context.js';
import { describeExisting } from './validate.js';

export async function deleteTopics(context: OperationContext, topics: string[]): Promise<string[]> {
  requireRole(context.principal, 'admin', 'deletetopics');
  const unique = [...new Set(topics)];
  for (const topic of unique) await describeExisting(context.backbone, topic);
  for (const topic of unique) {
    await context.locks.run(`topic:${topic}`, async () => {
      await context.backbone.deleteTopic(topic);
      if (context.store.topics.get(topic)) await context.store.topics.delete(topic);
      if (context.store.joins.get(topic)) await context.store.joins.delete(topic);
      for (const consumer of context.store.consumers.values()) {
        if (consumer.topic === topic) await context.store.consumers.delete(consumer.consumerId);
      }
      for (const group of context.store.groups.values()) {
        if (group.topics.includes(topic)) {
          await context.store.groups.put(group.groupId, {
            ...group,
            topics: group.topics.filter((t) => t !== topic),
          });
        }
      }
    });
  }
  return unique;
}
