// The client's errors turned into the backbone's typed errors, each saying what to check.
import {
  AuthenticationError,
  AuthorizationError,
  BackboneError,
  BrokerUnreachableError,
  InvalidConfigError,
  InvalidRecordError,
  InvalidTopicNameError,
  TopicExistsError,
  UnknownGroupError,
  UnknownTopicError,
} from '../errors.js';

/** What the failing operation was about, for the message. */
export interface ErrorContext {
  operation: string;
  brokers: string[];
  topic?: string;
  groupId?: string;
}

interface Flat {
  /** Kafka protocol error ids (e.g. `TOPIC_ALREADY_EXISTS`) found anywhere in the error tree. */
  ids: Set<string>;
  /** The client's own codes (`PLT_KFK_NETWORK`, ...) and Node's (`ECONNREFUSED`, TLS codes). */
  codes: Set<string>;
  messages: string[];
}

function flatten(
  error: unknown,
  into: Flat = { ids: new Set(), codes: new Set(), messages: [] },
  depth = 0,
): Flat {
  if (depth > 8 || error === null || typeof error !== 'object') return into;
  const e = error as {
    apiId?: unknown;
    code?: unknown;
    message?: unknown;
    serverErrorMessage?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof e.apiId === 'string') into.ids.add(e.apiId);
  if (typeof e.code === 'string') into.codes.add(e.code);
  if (typeof e.serverErrorMessage === 'string' && e.serverErrorMessage)
    into.messages.push(e.serverErrorMessage);
  else if (typeof e.message === 'string' && e.message) into.messages.push(e.message);
  if (Array.isArray(e.errors)) for (const inner of e.errors) flatten(inner, into, depth + 1);
  if (e.cause) flatten(e.cause, into, depth + 1);
  return into;
}

/** Errors that pass once the cluster's metadata is read again (a restarted or moved leader, a
 * coordinator still loading): worth a retry after clearing the cached metadata. */
const TRANSIENT = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'KAFKA_STORAGE_ERROR',
]);

export function isTransient(error: unknown): boolean {
  const { ids } = flatten(error);
  return [...ids].some((id) => TRANSIENT.has(id)) || missingBroker(error);
}

/**
 * The broker a client was talking to is gone or no longer the coordinator it was asked as: the
 * coordinator has to be found again (Kafka's Java producer does so on these answers).
 */
export function lostCoordinator(error: unknown): boolean {
  const { ids, codes, messages } = flatten(error);
  return (
    ids.has('NOT_COORDINATOR') ||
    ids.has('COORDINATOR_NOT_AVAILABLE') ||
    [...codes].some((c) => NETWORK.has(c)) ||
    messages.some((m) => m.startsWith(NO_ANSWER)) ||
    missingBroker(error)
  );
}

/**
 * The client was sent to a node that is not among the brokers it cached (a broker that was down
 * when its metadata was read): @platformatic/kafka 1.35 fails with "Cannot find broker with node
 * id N", or with a TypeError where it looks the node's address up without checking (the producer's
 * TxnOffsetCommit and coordinator connections). Fresh metadata has the node.
 */
export function missingBroker(error: unknown): boolean {
  return flatten(error).messages.some(
    (m) => m.startsWith('Cannot find broker with node id') || m.includes("(reading 'host')"),
  );
}

/** The connection to a broker failed or was cut (the client already retried it). */
export function connectionLost(error: unknown): boolean {
  return [...flatten(error).codes].some((c) => NETWORK.has(c));
}

/** How a call that the client never settled fails (util.withTimeout, in KafkaCluster). */
export const NO_ANSWER = 'no answer within';

/** Kafka protocol error ids inside a client error. */
export function protocolErrorIds(error: unknown): Set<string> {
  return flatten(error).ids;
}

const TLS_TRUST = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK = new Set([
  'PLT_KFK_NETWORK',
  'PLT_KFK_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The message to show: the client's own first message, and, when that only counts its retries
 * ("fetch failed 3 times."), the last attempt's reason too, which is what the user can act on.
 */
function describe(flat: Flat, error: unknown): string {
  const messages = flat.messages.filter((m) => !m.startsWith('Received response with error'));
  const first = messages[0] ?? String(error);
  const last = messages[messages.length - 1];
  return /failed \d+ times?\.?$/.test(first) && last !== undefined && last !== first
    ? `${first} Last: ${last}`
    : first;
}

/** Turns any error of the client into a backbone error; backbone errors pass through. */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (error instanceof BackboneError) return error;
  const flat = flatten(error);
  const { ids, codes } = flat;
  const detail = describe(flat, error);
  const where = context.brokers.join(',');
  const options = { cause: error };

  const tlsCode = [...codes].find((c) => TLS_TRUST.has(c));
  if (tlsCode) {
    return new BrokerUnreachableError(
      `TLS to the Kafka brokers ${where} failed: the broker's certificate is not trusted (${tlsCode}). ` +
        'Check the CA file (caFile / TML_KAFKA_CA_FILE) and that the broker address matches its certificate.',
      options,
    );
  }
  if (
    codes.has('PLT_KFK_AUTHENTICATION') ||
    ids.has('SASL_AUTHENTICATION_FAILED') ||
    ids.has('UNSUPPORTED_SASL_MECHANISM') ||
    ids.has('ILLEGAL_SASL_STATE')
  ) {
    return new AuthenticationError(
      `Kafka refused the credentials at ${where} (${detail}). Check the SASL mechanism, user name and password.`,
      options,
    );
  }
  const denied = [...ids].find((id) => id.endsWith('_AUTHORIZATION_FAILED'));
  if (denied) {
    const what = context.topic
      ? ` on topic '${context.topic}'`
      : context.groupId
        ? ` on group '${context.groupId}'`
        : '';
    return new AuthorizationError(
      `Kafka denied ${context.operation}${what} (${denied}). Check the ACLs granted to the connecting user.`,
      options,
    );
  }
  if (ids.has('TOPIC_ALREADY_EXISTS') && context.topic) return new TopicExistsError(context.topic);
  const unknownTopic = flat.messages.some((m) => /^unknown topic/i.test(m));
  if (
    (ids.has('UNKNOWN_TOPIC_OR_PARTITION') || ids.has('UNKNOWN_TOPIC_ID') || unknownTopic) &&
    context.topic
  ) {
    return new UnknownTopicError(context.topic);
  }
  if (ids.has('INVALID_TOPIC_EXCEPTION') && context.topic)
    return new InvalidTopicNameError(context.topic, detail);
  if (
    ids.has('INVALID_PARTITIONS') ||
    ids.has('INVALID_REPLICATION_FACTOR') ||
    ids.has('INVALID_CONFIG') ||
    ids.has('POLICY_VIOLATION')
  ) {
    return new InvalidConfigError(`Kafka refused ${context.operation}: ${detail}`);
  }
  if (ids.has('INVALID_RECORD') || ids.has('CORRUPT_MESSAGE')) {
    const why = flat.messages.find((m) => m.includes('RecordError')) ?? detail;
    return new InvalidRecordError(
      `Kafka rejected a record${context.topic ? ` of topic '${context.topic}'` : ''}: ${why}`,
    );
  }
  if (ids.has('GROUP_ID_NOT_FOUND') && context.groupId) return new UnknownGroupError(context.groupId);
  if ([...codes].some((c) => NETWORK.has(c)) || /connect|socket|timed? ?out/i.test(detail)) {
    return new BrokerUnreachableError(
      `the Kafka brokers ${where} did not answer ${context.operation} (${detail}). ` +
        'Check that the brokers run and that the address, port, TLS and network settings are right.',
      options,
    );
  }
  const named = ids.size > 0 ? ` (${[...ids].join(', ')})` : '';
  return new BackboneError('KAFKA_ERROR', `Kafka failed ${context.operation}: ${detail}${named}`, options);
}
