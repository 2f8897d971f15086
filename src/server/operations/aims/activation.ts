// AiMS's activate / deactivate, one or many at once: a deactivated consumer id is refused reads, a
// deactivated topic refuses produce and consume calls; both keep everything stored. Every name is
// checked before anything changes, so a batch with an unknown name changes nothing.
import { requireRole } from '../../auth/authenticator.js';
import { NotFoundError, ParameterError } from '../../errors.js';
import { setTopicActive } from '../activate-topic.js';
import type { OperationContext } from '../context.js';
import { describeExisting } from '../validate.js';

export interface ActivationInput {
  active: boolean;
  consumers?: string[];
  topics?: string[];
}

export interface ActivationResult {
  active: boolean;
  consumers: string[];
  topics: string[];
}

export async function setActivation(
  context: OperationContext,
  input: ActivationInput,
): Promise<ActivationResult> {
  requireRole(context.principal, 'admin', input.active ? 'activate' : 'deactivate');
  const consumerIds = [...new Set(input.consumers ?? [])];
  const topics = [...new Set(input.topics ?? [])];
  if (consumerIds.length === 0 && topics.length === 0) {
    throw new ParameterError('consumers', 'name at least one consumer id or topic');
  }
  const registrations = consumerIds.map((id) => {
    const registration = context.store.consumers.get(id);
    if (registration === undefined)
      throw new NotFoundError('UNKNOWN_CONSUMER', `consumer id '${id}' is not subscribed`, 'consumers');
    return registration;
  });
  for (const topic of topics) await describeExisting(context.backbone, topic);
  for (const registration of registrations) {
    await context.locks.run(`consumer:${registration.consumerId}`, () =>
      context.store.consumers.put(registration.consumerId, { ...registration, active: input.active }),
    );
  }
  for (const topic of topics) await setTopicActive(context, topic, input.active);
  return { active: input.active, consumers: consumerIds, topics };
}
