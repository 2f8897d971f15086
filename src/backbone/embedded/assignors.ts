// Kafka's two classic partition assignment strategies, as pure functions over the members'
// subscriptions: RangeAssignor (Kafka's default) and RoundRobinAssignor.
import type { TopicPartition } from '../types.js';

export type AssignmentStrategy = 'range' | 'round-robin';

export interface MemberSubscription {
  memberId: string;
  topics: string[];
}

export type Assignment = Map<string, TopicPartition[]>;

/**
 * Range: for each topic alone, the members subscribed to it (sorted by id) get consecutive ranges
 * of partitions; the first `partitions % members` get one more. Members beyond the partition count
 * get nothing from that topic.
 */
export function rangeAssign(members: MemberSubscription[], partitionCounts: Map<string, number>): Assignment {
  const result: Assignment = new Map(members.map((m) => [m.memberId, []]));
  const sorted = [...members].sort((a, b) => compare(a.memberId, b.memberId));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compare);
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    if (count === 0 || subscribers.length === 0) continue;
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((member, i) => {
      const take = per + (i < extra ? 1 : 0);
      const mine = result.get(member.memberId) as TopicPartition[];
      for (let p = next; p < next + take; p++) mine.push({ topic, partition: p });
      next += take;
    });
  }
  return result;
}

/**
 * Round-robin: every topic-partition of the subscribed topics, sorted, dealt in turn to the
 * members (sorted by id), skipping members not subscribed to that topic.
 */
export function roundRobinAssign(
  members: MemberSubscription[],
  partitionCounts: Map<string, number>,
): Assignment {
  const result: Assignment = new Map(members.map((m) => [m.memberId, []]));
  const sorted = [...members].sort((a, b) => compare(a.memberId, b.memberId));
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compare);
  let turn = 0;
  for (const topic of topics) {
    const count = partitionCounts.get(topic) ?? 0;
    for (let partition = 0; partition < count; partition++) {
      for (let tries = 0; tries < sorted.length; tries++) {
        const member = sorted[turn % sorted.length];
        turn++;
        if (member.topics.includes(topic)) {
          (result.get(member.memberId) as TopicPartition[]).push({ topic, partition });
          break;
        }
      }
    }
  }
  return result;
}

export function assign(
  strategy: AssignmentStrategy,
  members: MemberSubscription[],
  partitionCounts: Map<string, number>,
): Assignment {
  return strategy === 'round-robin'
    ? roundRobinAssign(members, partitionCounts)
    : rangeAssign(members, partitionCounts);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
