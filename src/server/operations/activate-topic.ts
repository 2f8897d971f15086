// activatetopic / deactivatetopic: a deactivated topic keeps its records but refuses produce and
// consume calls. A topic created outside the API is registered here (with a new producer id).
import { requireRole } from '../auth/authenticator.js';
import { PRODUCER_ID, newId } from '../ids.js';
import type { OperationContext } from './context.js';
import { contactDetails, describeExisting } from './validate.js';

export async function setTopicActive(
  context: OperationContext,
  topic: string,
  active: boolean,
): Promise<{ topic: string; active: boolean }> {
  requireRole(context.principal, 'admin', active ? 'activatetopic' : 'deactivatetopic');
  await describeExisting(context.backbone, topic);
  return context.locks.run(`topic:${topic}`, async () => {
    const registration = context.store.topics.get(topic) ?? {
      topic,
      producerId: newId(PRODUCER_ID),
      active: true,
      createdAt: new Date().toISOString(),
      ...contactDetails({}),
    };
    await context.store.topics.put(topic, { ...registration, active });
    return { topic, active };
  });
}
