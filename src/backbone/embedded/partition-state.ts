// The embedded backbone's in-memory view of its topics: each partition's log start, end, size and
// the long polls waiting for its next append.
import type { TopicConfig } from '../types.js';
import { isCompacted } from './topic-config.js';

export interface PartitionState {
  /** The store's id of this partition (the high bits of its batches' row ids). */
  id: number;
  partition: number;
  logStart: number;
  next: number;
  bytes: number;
  maxTimestamp: number;
  /** Records appended since the last compaction: compaction skips clean partitions. */
  dirty: number;
  waiters: Set<() => void>;
}

export interface TopicState {
  name: string;
  partitions: PartitionState[];
  replicationFactor: number;
  config: TopicConfig;
  maxMessageBytes: number;
  compacted: boolean;
  roundRobin: number;
}

/** A topic's state before anything is appended; partition ids are filled in by the caller. */
export function newTopicState(
  name: string,
  partitions: number,
  replicationFactor: number,
  config: TopicConfig,
  defaultMaxMessageBytes: number,
): TopicState {
  return {
    name,
    replicationFactor,
    config,
    maxMessageBytes: config['max.message.bytes'] ?? defaultMaxMessageBytes,
    compacted: isCompacted(config),
    roundRobin: 0,
    partitions: Array.from({ length: partitions }, (_, partition) => ({
      id: 0,
      partition,
      logStart: 0,
      next: 0,
      bytes: 0,
      maxTimestamp: -1,
      dirty: 0,
      waiters: new Set<() => void>(),
    })),
  };
}

/** Wakes every long poll waiting on `p`. */
export function wakeAll(p: PartitionState): void {
  if (p.waiters.size === 0) return;
  for (const w of [...p.waiters]) w();
}

/** Resolves on the next append to one of `partitions`, a call of a waker, the timeout or close. */
export function waitForAppend(
  partitions: PartitionState[],
  ms: number,
  signal?: AbortSignal,
  wakers?: Set<() => void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    // removes exactly what was registered (`woken`), so a poll that times out leaves no waiter behind
    const done = (): void => {
      clearTimeout(timer);
      for (const p of partitions) p.waiters.delete(woken);
      wakers?.delete(woken);
      signal?.removeEventListener('abort', aborted);
    };
    const woken = (): void => {
      done();
      resolve();
    };
    const aborted = (): void => {
      done();
      reject(signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    };
    for (const p of partitions) p.waiters.add(woken);
    wakers?.add(woken);
    signal?.addEventListener('abort', aborted, { once: true });
    timer = setTimeout(woken, ms);
  });
}
