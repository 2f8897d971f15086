import { InvalidPartitionsError, InvalidTopicNameError } from './errors.js';

const LEGAL = /^[a-zA-Z0-9._-]+$/;
/** Kafka's limit (Topic.MAX_NAME_LENGTH). */
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Throws `InvalidTopicNameError` unless `name` follows Kafka's topic naming rules. */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidTopicNameError(String(name), 'the name is empty');
  }
  if (name === '.' || name === '..') throw new InvalidTopicNameError(name, "'.' and '..' are not allowed");
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicNameError(
      name.slice(0, 40) + '…',
      `${name.length} characters, the maximum is ${MAX_TOPIC_NAME_LENGTH}`,
    );
  }
  if (!LEGAL.test(name)) {
    throw new InvalidTopicNameError(name, 'only ASCII letters, digits, ".", "_" and "-" are allowed');
  }
}

export function validatePartitionCount(partitions: unknown): asserts partitions is number {
  if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1) {
    throw new InvalidPartitionsError(partitions);
  }
}

/** A topic's new partition count: a positive integer, not below its `current` count (partitions are never removed). */
export function validatePartitionGrowth(
  name: string,
  current: number,
  count: unknown,
): asserts count is number {
  validatePartitionCount(count);
  if (count < current) {
    throw new InvalidPartitionsError(
      count,
      `topic '${name}' has ${current} partitions; partitions can be added, not removed (asked for ${count})`,
    );
  }
}
