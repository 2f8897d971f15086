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
        report.compacted += compactPartition(store, p, config, now);
      }
    }
  }
  return report;
}

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

function compactPartition(store: LogStore, p: PartitionState, config: TopicConfig, now: number): number {
  if (p.next === p.logStart) return 0;
  const lag = config['min.compaction.lag.ms'] ?? 0;
  const upTo = lag > 0 ? (store.offsetForTimestamp(p.id, p.logStart, now - lag) ?? p.next) : p.next;
  const tombstoneCutoff = now - (config['delete.retention.ms'] ?? 0);
  const [removed, bytes] = store.compact(p.id, p.logStart, upTo, tombstoneCutoff);
  p.bytes = bytes;
  p.dirty = 0;
  return removed;
}
