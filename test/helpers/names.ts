// Names for topics and consumer groups that no other test, and no earlier run against the same
// Kafka cluster, used.
import { randomBytes } from 'node:crypto';

let counter = 0;
/** A topic or group name unique to this run and to earlier runs: `<prefix>-<time>-<random>-<n>`. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${counter}`;
}
