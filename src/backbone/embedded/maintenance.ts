// Retention (time and size) and compaction over every topic. Offsets are never renumbered:
// retention moves the log start, compaction leaves gaps.
import type { TopicConfig } from '../types.js';
import type { LogStore } from './log-store.js';
import type { PartitionState, TopicState } from './partition-state.js';
import { effectiveTopicConfig, hasDeletePolicy } from './topic-config.js';

export interface MaintenanceReport {
  /** Records removed by retention (time or size). */
  retained: number;
  /** Records removed by compaction (superseded values and expired tombstones). */
  compacted: number;
}

export function runMaintenance(
  store: LogStore,
  topics: Iterable<TopicState>,
  defaultMaxMessageBytes: number,
  now: number,
  onlyDirty: boolean,
): MaintenanceReport {
  const report: MaintenanceReport = { retained: 0, compacted: 0 };
  for (const topic of topics) {
    const config = effectiveTopicConfig(topic.config, defaultMaxMessageBytes);
    for (const p of topic.partitions) {
      if (hasDeletePolicy(config)) report.retained += applyRetention(store, p, config, now);
      if (topic.compacted && (!onlyDirty || p.dirty > 0)) {
        const compaction = startCompaction(store, p, config, now);
        while (!compaction.step()) {
          // the whole partition at once
        }
        report.compacted += compaction.removed;
      }
    }
  }
  return report;
}

/**
 * The background pass: the same work as runMaintenance on the dirty partitions, given back to the
 * event loop every `sliceMs` (a compaction a chunk of batches at a time), so that a large
 * compacted partition does not stall every reader and writer of the process for the whole pass.
 * Stops early when `live(topic)` turns false (the topic deleted, the backbone closed).
 */
export async function runMaintenanceInSlices(
  store: LogStore,
  topics: readonly TopicState[],
  defaultMaxMessageBytes: number,
  now: number,
  live: (topic: TopicState) => boolean,
  sliceMs = MAINTENANCE_SLICE_MS,
): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { retained: 0, compacted: 0 };
  let sliceStart = performance.now();
  const pause = async (): Promise<void> => {
    if (performance.now() - sliceStart < sliceMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
  for (const topic of topics) {
    const config = effectiveTopicConfig(topic.config, defaultMaxMessageBytes);
    for (const p of topic.partitions) {
      if (!live(topic)) break;
      if (hasDeletePolicy(config)) report.retained += applyRetention(store, p, config, now);
      if (topic.compacted && p.dirty > 0) {
        const compaction = startCompaction(store, p, config, now);
        for (;;) {
          await pause();
          if (!live(topic) || compaction.step(COMPACTION_STEP_BATCHES)) break;
        }
        report.compacted += compaction.removed;
      }
      await pause();
    }
  }
  return report;
}

/** What the background pass works on: one backbone's store and its live topics. */
export interface MaintenanceTarget {
  store: LogStore;
  topics(): TopicState[];
  maxMessageBytes: number;
  /** False once the topic was deleted (or the backbone closed): its pass stops. */
  live(topic: TopicState): boolean;
}

/** A backbone's background maintenance: a sliced pass every interval, one pass at a time. */
export class BackgroundMaintenance {
  readonly #target: MaintenanceTarget;
  readonly #timer: NodeJS.Timeout | undefined;
  #running = false;

  /** `intervalMs` 0: no timer (passes only on request). */
  constructor(target: MaintenanceTarget, intervalMs: number) {
    this.#target = target;
    if (intervalMs > 0) {
      // a failed pass is tried again at the next tick: a full disk or a closed store must not
      // crash the process
      this.#timer = setInterval(() => void this.run().catch(() => undefined), intervalMs);
      this.#timer.unref();
    }
  }

  /** One pass now, in slices; undefined when a pass is already running. */
  async run(options: { now?: number; sliceMs?: number } = {}): Promise<MaintenanceReport | undefined> {
    if (this.#running) return undefined;
    this.#running = true;
    try {
      const { store, topics, maxMessageBytes, live } = this.#target;
      return await runMaintenanceInSlices(
        store,
        topics(),
        maxMessageBytes,
        options.now ?? Date.now(),
        live,
        options.sliceMs,
      );
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** How long the background pass may hold the event loop at a time. */
const MAINTENANCE_SLICE_MS = 5;
/** Batches a background compaction step reads or rewrites (about a millisecond of work). */
const COMPACTION_STEP_BATCHES = 32;

function applyRetention(store: LogStore, p: PartitionState, config: TopicConfig, now: number): number {
  let newStart = p.logStart;
  const retentionMs = config['retention.ms'] ?? -1;
  if (retentionMs >= 0 && p.next > p.logStart) {
    newStart = Math.max(newStart, store.offsetForTimestamp(p.id, p.logStart, now - retentionMs) ?? p.next);
  }
  const retentionBytes = config['retention.bytes'] ?? -1;
  if (retentionBytes >= 0 && p.bytes > retentionBytes) {
    newStart = Math.max(newStart, store.sizeRetentionStart(p.id, p.logStart, p.bytes, retentionBytes));
  }
  if (newStart <= p.logStart) return 0;
  const removed = newStart - p.logStart;
  p.bytes = store.truncateBefore(p.id, newStart, p.bytes);
  p.logStart = newStart;
  return removed;
}

/**
 * A partition's compaction below the cleanable point; its byte count and dirty count follow each
 * step. Records appended while it runs stay dirty for the next pass.
 */
function startCompaction(
  store: LogStore,
  p: PartitionState,
  config: TopicConfig,
  now: number,
): { step(maxBatches?: number): boolean; readonly removed: number } {
  if (p.next === p.logStart) return { step: () => true, removed: 0 };
  const lag = config['min.compaction.lag.ms'] ?? 0;
  const upTo = lag > 0 ? (store.offsetForTimestamp(p.id, p.logStart, now - lag) ?? p.next) : p.next;
  const tombstoneCutoff = now - (config['delete.retention.ms'] ?? 0);
  const job = store.compaction(p.id, p.logStart, upTo, tombstoneCutoff);
  const dirtyAtStart = p.dirty;
  let applied = 0;
  return {
    step(maxBatches?: number): boolean {
      const done = job.step(maxBatches);
      p.bytes += job.bytesDelta - applied;
      applied = job.bytesDelta;
      if (done) p.dirty = Math.max(0, p.dirty - dirtyAtStart);
      return done;
    },
    get removed() {
      return job.removed;
    },
  };
}
