// Topic configs between the backbone's typed form and Kafka's name/value strings.
import { InvalidConfigError } from '../errors.js';
import type { TopicConfig } from '../types.js';

const NUMERIC = new Set([
  'retention.ms',
  'retention.bytes',
  'max.message.bytes',
  'delete.retention.ms',
  'min.compaction.lag.ms',
  'segment.ms',
  'segment.bytes',
]);
const POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);

/** The Kafka config entries for a topic; throws `InvalidConfigError` on unknown names or bad values. */
export function toKafkaConfigs(config: TopicConfig | undefined): { name: string; value: string }[] {
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new InvalidConfigError(
      `a topic config must be an object of Kafka config names, got ${typeof config}`,
    );
  }
  const entries: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (name === 'cleanup.policy') {
      if (typeof value !== 'string' || !POLICIES.has(value)) {
        throw new InvalidConfigError(
          `cleanup.policy must be 'delete', 'compact' or 'compact,delete', got '${String(value)}'`,
        );
      }
      entries.push({ name, value });
    } else if (NUMERIC.has(name)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
        throw new InvalidConfigError(`${name} must be an integer >= -1, got '${String(value)}'`);
      }
      entries.push({ name, value: String(value) });
    } else {
      throw new InvalidConfigError(`unknown topic config '${name}'`);
    }
  }
  return entries;
}

/** The backbone's view of the configs Kafka reports as set on the topic itself. */
export function fromKafkaConfigs(configs: { name: string; value?: string | null }[]): TopicConfig {
  const config: Record<string, string | number> = {};
  for (const { name, value } of configs) {
    if (value === null || value === undefined) continue;
    if (name === 'cleanup.policy') {
      config[name] = value.includes('compact') && value.includes('delete') ? 'compact,delete' : value;
    } else if (NUMERIC.has(name)) config[name] = Number(value);
  }
  return config as TopicConfig;
}

export const TOPIC_CONFIG_NAMES = ['cleanup.policy', ...NUMERIC];
