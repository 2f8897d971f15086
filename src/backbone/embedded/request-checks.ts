// The embedded backbone's checks of what a caller asks for, before anything is touched: a bad
// request is refused whole, with an error naming what is wrong.
import { InvalidConfigError, InvalidTopicNameError, TopicExistsError } from '../errors.js';
import { validatePartitionCount, validateTopicName } from '../topic-name.js';
import type { FetchRequest, NewTopic, TopicConfig } from '../types.js';
import { DEFAULT_FETCH_MAX_BYTES, DEFAULT_FETCH_MAX_RECORDS } from './options.js';
import { validateTopicConfig } from './topic-config.js';

export interface CheckedNewTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: TopicConfig;
}

/** A new topic with the defaults filled in; refuses a name that exists or collides with one. */
export function checkNewTopic(
  topic: NewTopic,
  defaults: { partitions: number; replicationFactor: number },
  existing: ReadonlyMap<string, unknown>,
): CheckedNewTopic {
  if (topic === null || typeof topic !== 'object') {
    throw new InvalidConfigError('createTopic needs { name, partitions? }');
  }
  validateTopicName(topic.name);
  const partitions = topic.partitions ?? defaults.partitions;
  validatePartitionCount(partitions);
  const replicationFactor = topic.replicationFactor ?? defaults.replicationFactor;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new InvalidConfigError(
      `the replication factor must be a positive integer, got ${String(replicationFactor)}`,
    );
  }
  const config = validateTopicConfig(topic.config);
  if (existing.has(topic.name)) throw new TopicExistsError(topic.name);
  // Kafka refuses names that differ only in '.' versus '_' (they collide in its metric names).
  const normal = topic.name.replace(/\./g, '_');
  for (const name of existing.keys()) {
    if (name.replace(/\./g, '_') === normal) {
      throw new InvalidTopicNameError(
        topic.name,
        `it collides with the existing topic '${name}' ('.' and '_' collide)`,
      );
    }
  }
  return { name: topic.name, partitions, replicationFactor, config };
}

/** A fetch request's numbers, checked, with the defaults filled in. */
export function checkFetchRequest(request: FetchRequest): {
  maxRecords: number;
  maxBytes: number;
  maxWaitMs: number;
} {
  if (request === null || typeof request !== 'object') {
    throw new InvalidConfigError('fetch needs a request object');
  }
  const { offset } = request;
  const maxRecords = request.maxRecords ?? DEFAULT_FETCH_MAX_RECORDS;
  const maxBytes = request.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
  const maxWaitMs = request.maxWaitMs ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new InvalidConfigError(`the fetch offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new InvalidConfigError(`maxRecords must be a positive integer, got ${String(maxRecords)}`);
  }
  if (typeof maxWaitMs !== 'number' || !(maxWaitMs >= 0)) {
    throw new InvalidConfigError(`maxWaitMs must be a number >= 0, got ${String(maxWaitMs)}`);
  }
  return { maxRecords, maxBytes, maxWaitMs };
}

/** An offset to commit: a non-negative integer, with string metadata if any. */
export function checkOffsetToCommit(offset: unknown, metadata: unknown): void {
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    throw new InvalidConfigError(`a committed offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (metadata !== undefined && typeof metadata !== 'string') {
    throw new InvalidConfigError('commit metadata must be a string');
  }
}
