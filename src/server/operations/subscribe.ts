// subscribeconsumer / unsubscribeconsumer: a consumer id is the right to read one topic.
import { NotFoundError, showValue } from '../errors.js';
import { CONSUMER_ID, newId } from '../ids.js';
import type { ConsumerRegistration, ContactDetails } from '../store/records.js';
import type { OperationContext } from './context.js';
import { contactDetails, describeExisting } from './validate.js';

export interface SubscribeInput extends Partial<ContactDetails> {
  topic: string;
  groupId?: string;
}

export async function subscribe(
  context: OperationContext,
  input: SubscribeInput,
): Promise<ConsumerRegistration> {
  await describeExisting(context.backbone, input.topic);
  const registration: ConsumerRegistration = {
    consumerId: newId(CONSUMER_ID),
    topic: input.topic,
    groupId: input.groupId ?? '',
    createdAt: new Date().toISOString(),
    ...contactDetails(input),
  };
  await context.store.consumers.put(registration.consumerId, registration);
  return registration;
}

export async function unsubscribe(
  context: OperationContext,
  consumerId: string,
): Promise<ConsumerRegistration> {
  const registration = context.store.consumers.get(consumerId);
  if (registration === undefined) {
    throw new NotFoundError(
      'UNKNOWN_CONSUMER',
      `consumer id '${showValue(consumerId)}' is not subscribed`,
      'consumerId',
    );
  }
  await context.store.consumers.delete(consumerId);
  return registration;
}
