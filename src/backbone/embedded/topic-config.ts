// Validation of topic configuration (Kafka's names and value rules) and the effective values.
import { InvalidConfigError } from '../errors.js';
import type { TopicConfig } from '../types.js';

/**
 * Kafka's default `retention.ms` (`log.retention.hours` = 168): a topic created without one keeps
 * its records seven days, so a stream that is never read again does not fill the disk.
 */
export const DEFAULT_RETENTION_MS = 604_800_000;

/** Kafka's default `delete.retention.ms`: how long a tombstone outlives compaction (one day). */
export const DEFAULT_DELETE_RETENTION_MS = 86_400_000;

const INTEGER_KEYS = new Map<string, number>([
  // name → smallest allowed value
  ['retention.ms', -1],
  ['retention.bytes', -1],
  ['max.message.bytes', 0],
  ['delete.retention.ms', 0],
  ['min.compaction.lag.ms', 0],
  ['segment.ms', 1],
  ['segment.bytes', 14],
]);
const POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);

/** Throws `InvalidConfigError` naming the first unknown key or bad value; returns a normalised copy. */
export function validateTopicConfig(config: unknown): TopicConfig {
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidConfigError(
      `topic config must be an object of Kafka config names, got ${typeof config}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(config as Record<string, unknown>)) {
    if (raw === undefined) continue;
    if (name === 'cleanup.policy') {
      if (typeof raw !== 'string' || !POLICIES.has(raw.replace(/\s+/g, ''))) {
        throw new InvalidConfigError(
          `cleanup.policy must be 'delete', 'compact' or 'compact,delete', got ${JSON.stringify(raw)}`,
        );
      }
      const policy = raw.replace(/\s+/g, '');
      out[name] = policy === 'delete,compact' ? 'compact,delete' : policy;
      continue;
    }
    const min = INTEGER_KEYS.get(name);
    if (min === undefined) {
      throw new InvalidConfigError(
        `unknown topic config '${name}' (known: cleanup.policy, ${[...INTEGER_KEYS.keys()].join(', ')})`,
      );
    }
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    }
    out[name] = value;
  }
  return out as TopicConfig;
}

/** The configuration in force: what was set, over the defaults. */
export function effectiveTopicConfig(config: TopicConfig, maxMessageBytes: number): TopicConfig {
  return {
    'cleanup.policy': 'delete',
    'retention.ms': DEFAULT_RETENTION_MS,
    'retention.bytes': -1,
    'max.message.bytes': maxMessageBytes,
    'delete.retention.ms': DEFAULT_DELETE_RETENTION_MS,
    ...config,
  };
}

export function isCompacted(config: TopicConfig): boolean {
  return (config['cleanup.policy'] ?? 'delete').includes('compact');
}

export function hasDeletePolicy(config: TopicConfig): boolean {
  return (config['cleanup.policy'] ?? 'delete').includes('delete');
}
