// subscribeconsumer / unsubscribeconsumer: a consumer id is the right to read one topic.
import { ForbiddenError, NotFoundError, showValue } from '../errors.js';
import { CONSUMER_ID, newId } from '../ids.js';
import type { ConsumerRegistration, ContactDetails } from '../store/records.js';
import type { OperationContext } from './context.js';
import { checkContact, contactDetails, describeExisting } from './validate.js';

export interface SubscribeInput extends Partial<ContactDetails> {
  topic: string;
  groupId?: string;
}

export async function subscribe(
  context: OperationContext,
  input: SubscribeInput,
): Promise<ConsumerRegistration> {
  checkContact(input);
  await describeExisting(context.backbone, input.topic);
  const { tokenId } = context.principal;
  // One at a time per token, so that two concurrent calls cannot both pass the count.
  return context.locks.run(`registrations:${tokenId}`, async () => {
    checkRegistrationQuota(context, tokenId);
    const registration: ConsumerRegistration = {
      consumerId: newId(CONSUMER_ID),
      topic: input.topic,
      groupId: input.groupId ?? '',
      createdAt: new Date((context.clock ?? Date.now)()).toISOString(),
      ...contactDetails(input),
      tokenId,
    };
    await context.store.consumers.put(registration.consumerId, registration);
    return registration;
  });
}

/**
 * Every subscription is a record kept in the metadata topic for good: a token may hold at most
 * `maxRegistrationsPerToken` consumer ids (topics, groups and joins are registered by admins only).
 */
function checkRegistrationQuota(context: OperationContext, tokenId: string): void {
  const limit = context.limits.maxRegistrationsPerToken;
  let held = 0;
  for (const c of context.store.consumers.values()) if (c.tokenId === tokenId) held++;
  if (held >= limit) {
    throw new ForbiddenError(
      `this token holds ${held} consumer ids, the most allowed (maxRegistrationsPerToken = ${limit}); unsubscribe some first`,
      'REGISTRATION_LIMIT',
    );
  }
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
