// Checks shared by the operations. Errors name the parameter as VIPER names it; the /v1 face renames.
import { numericText } from '../../streams/values.js';
import { BackboneError, UnknownTopicError } from '../../backbone/errors.js';
import { validateTopicName } from '../../backbone/topic-name.js';
import type { Backbone, TopicDescription } from '../../backbone/types.js';
import { ForbiddenError, NotFoundError, ParameterError, showValue } from '../errors.js';
import type { ConsumerRegistration, ContactDetails, TopicRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';

/** Topics whose names start with `__` hold the platform's own metadata. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}

/** Kafka's naming rules, reported against `parameter`; internal names are refused. */
export function checkTopicName(name: string, parameter = 'topic'): string {
  try {
    validateTopicName(name);
  } catch (error) {
    if (error instanceof BackboneError) {
      throw new ParameterError(
        parameter,
        `must be 1 to 249 ASCII letters, digits, '.', '_' or '-', got '${showValue(name)}'`,
      );
    }
    throw error;
  }
  if (isInternalTopic(name)) {
    throw new ParameterError(
      parameter,
      `names starting with '__' are reserved for tml, got '${showValue(name)}'`,
    );
  }
  return name;
}

export async function describeExisting(
  backbone: Backbone,
  topic: string,
  parameter = 'topic',
): Promise<TopicDescription> {
  checkTopicName(topic, parameter);
  try {
    return await backbone.describeTopic(topic);
  } catch (error) {
    if (error instanceof UnknownTopicError) {
      throw new NotFoundError('UNKNOWN_TOPIC', `topic '${topic}' does not exist`, parameter);
    }
    throw error;
  }
}

export function checkActive(registration: TopicRegistration | undefined, topic: string): void {
  if (registration !== undefined && !registration.active) {
    throw new ForbiddenError(`topic '${topic}' is deactivated (activatetopic enables it)`, 'TOPIC_INACTIVE');
  }
}

/** The consumer id exists and was subscribed to `topic`: a consumer id only reads its own topic. */
export async function checkConsumer(
  context: OperationContext,
  consumerId: string,
  topic: string,
  parameter = 'consumerId',
  /** false: a change of its details, which a deactivated consumer id may still make. */
  reading = true,
): Promise<ConsumerRegistration> {
  // Perhaps subscribed through another tml process since this one last looked.
  const consumer =
    context.store.consumers.get(consumerId) ?? (await context.store.consumers.lookup(consumerId));
  if (consumer === undefined) {
    throw new NotFoundError(
      'UNKNOWN_CONSUMER',
      `consumer id '${showValue(consumerId)}' is not subscribed`,
      parameter,
    );
  }
  if (reading && consumer.active === false) {
    throw new ForbiddenError(
      `consumer id '${consumerId}' is deactivated (an admin activates it in AiMS)`,
      'CONSUMER_INACTIVE',
    );
  }
  if (consumer.topic !== topic) {
    throw new ForbiddenError(
      `consumer id '${consumerId}' was subscribed to topic '${consumer.topic}', not '${topic}'`,
      'WRONG_TOPIC',
    );
  }
  return consumer;
}

/** Refuses the literals that would turn into NaN or Infinity in a numeric stream. */
export function checkFiniteText(value: string, parameter: string, where = ''): void {
  // What a numeric stream reads as a number must be finite: `1e309` and `{"value": 1e400}` are
  // Infinity to the reader (streams/values.ts), as the literals are. Read from the text itself: this
  // runs for every produced value, and encoding each to a Buffer first cost a fifth of a bulk produce.
  const read = numericText(value);
  if (Number.isFinite(read)) return;
  if (Number.isNaN(read)) {
    const t = value.trim().toLowerCase().replace(/^[+-]/, '');
    if (t !== 'nan' && t !== 'infinity' && t !== 'inf') return;
  }
  throw new ParameterError(
    parameter,
    `${where}must be a finite number or text, got '${showValue(value.trim())}'`,
  );
}

/** The longest contact field (companyname, contactname, ...), in characters, on both faces. */
export const MAX_CONTACT_CHARS = 4096;
const CONTACT_FIELDS = ['companyname', 'contactname', 'contactemail', 'location', 'description'] as const;

/** Refuses a contact field longer than MAX_CONTACT_CHARS, before anything is created or stored. */
export function checkContact(input: Partial<ContactDetails>): void {
  for (const field of CONTACT_FIELDS) {
    const value = input[field];
    if (value !== undefined && value.length > MAX_CONTACT_CHARS) {
      throw new ParameterError(
        field,
        `is ${value.length} characters long; the most is ${MAX_CONTACT_CHARS} (MAX_CONTACT_CHARS)`,
      );
    }
  }
}

export function contactDetails(input: Partial<ContactDetails>): ContactDetails {
  checkContact(input);
  return {
    companyname: input.companyname ?? '',
    contactname: input.contactname ?? '',
    contactemail: input.contactemail ?? '',
    location: input.location ?? '',
    description: input.description ?? '',
  };
}

/**
 * The main (joined) topic a call's data came from (VIPER's `maintopic`), recorded in its outputs:
 * it must be a topic of this server, named under `parameter`.
 */
export async function checkMainTopic(
  context: { backbone: Backbone },
  topic: string,
  parameter = 'mainTopic',
): Promise<void> {
  try {
    await describeExisting(context.backbone, topic, parameter);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ParameterError(parameter, `names topic '${topic}', which does not exist`);
    }
    throw error;
  }
}
