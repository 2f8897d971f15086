// createtopics: creates the topic (unless it exists) and hands out the producer id that may write to
// it. Asking again for an existing topic returns the same producer id with a warning, as VIPER's
// "Topic already exists" answer (seed), so that re-running a notebook keeps working.
import { TopicExistsError } from '../../backbone/errors.js';
import { UnknownTopicError } from '../../backbone/errors.js';
import type { TopicConfig } from '../../backbone/types.js';
import { requireRole } from '../auth/authenticator.js';
import { ParameterError } from '../errors.js';
import { PRODUCER_ID, newId } from '../ids.js';
import type { ContactDetails, TopicRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { checkContact, checkTopicName, contactDetails } from './validate.js';

export interface CreateTopicInput extends Partial<ContactDetails> {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
  /** Topic configuration (the command line's --config; the HTTP faces create with the defaults). */
  config?: TopicConfig;
}

export interface CreateTopicResult {
  topic: string;
  producerId: string;
  /** True when the topic was there before this call. */
  existed: boolean;
}

export const MAX_PARTITIONS = 10_000;

export async function createTopic(
  context: OperationContext,
  input: CreateTopicInput,
): Promise<CreateTopicResult> {
  requireRole(context.principal, 'admin', 'createtopics');
  const topic = checkTopicName(input.topic);
  checkContact(input);
  const partitions = input.partitions ?? context.limits.topicDefaults.partitions;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new ParameterError(
      'partitions',
      `must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`,
    );
  }
  const replicationFactor = input.replicationFactor ?? context.limits.topicDefaults.replicationFactor;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > 100) {
    throw new ParameterError(
      'replicationFactor',
      `must be an integer from 1 to 100, got ${replicationFactor}`,
    );
  }

  return context.locks.run(`topic:${topic}`, async () => {
    const existed = await topicExists(context, topic);
    if (!existed) {
      try {
        await context.backbone.createTopic({
          name: topic,
          partitions,
          replicationFactor,
          ...(input.config !== undefined ? { config: input.config } : {}),
        });
      } catch (error) {
        // Another process created it between the check and here: same answer as "existed".
        if (!(error instanceof TopicExistsError)) throw error;
      }
    }
    const registered = context.store.topics.get(topic);
    if (registered !== undefined) return { topic, producerId: registered.producerId, existed };
    const registration: TopicRegistration = {
      topic,
      producerId: newId(PRODUCER_ID),
      active: true,
      createdAt: new Date().toISOString(),
      ...contactDetails(input),
    };
    await context.store.topics.put(topic, registration);
    return { topic, producerId: registration.producerId, existed };
  });
}

async function topicExists(context: OperationContext, topic: string): Promise<boolean> {
  try {
    await context.backbone.describeTopic(topic);
    return true;
  } catch (error) {
    if (error instanceof UnknownTopicError) return false;
    throw error;
  }
}
