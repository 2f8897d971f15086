// Adding partitions to a topic (modifytopicdetails' `partition`, POST /v1/topics/{topic}/partitions):
// Kafka can add partitions to a topic but never remove them, so a smaller count is refused. Keyed
// records written afterwards may hash to a new partition: a per-device reader finds a device's newer
// records on its key's new partition (src/streams/device.ts reads the key's partition).
import { requireRole } from '../auth/authenticator.js';
import { NotFoundError, ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { MAX_PARTITIONS } from './create-topic.js';
import { describeExisting } from './validate.js';

/** Checks a requested partition count (before anything else of the call changes). */
export function checkPartitionCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new ParameterError('count', `must be a whole number from 1 to ${MAX_PARTITIONS}, got ${count}`);
  }
}

export async function addPartitions(
  context: OperationContext,
  topic: string,
  count: number,
): Promise<{ topic: string; partitions: number; added: number }> {
  requireRole(context.principal, 'admin', 'createPartitions');
  checkPartitionCount(count);
  await describeExisting(context.backbone, topic);
  return context.locks.run(`topic:${topic}`, async () => {
    if (context.store.topics.get(topic) === undefined) {
      throw new NotFoundError(
        'UNREGISTERED_TOPIC',
        `topic '${topic}' was not created through tml (createtopics)`,
        'topic',
      );
    }
    const before = (await context.backbone.describeTopic(topic)).partitions.length;
    if (count < before) {
      throw new ParameterError(
        'count',
        `is ${count}, but topic '${topic}' has ${before}: partitions can be added, never removed`,
      );
    }
    await context.backbone.createPartitions(topic, count);
    return { topic, partitions: count, added: count - before };
  });
}
