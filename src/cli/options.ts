// Parsers for option values. Each throws commander's InvalidArgumentError, which commander turns into
// `tml: option '--partitions <n>' argument 'abc' is invalid. <reason>` — the option is always named.
import { InvalidArgumentError } from 'commander';
import type { TopicConfig } from '../backbone/types.js';

const INTEGER = /^[+-]?\d+$/;

function parseInteger(raw: string, min: number): number {
  const text = raw.trim();
  const value = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(
      min === 0 ? 'expected an integer >= 0.' : `expected an integer >= ${min}.`,
    );
  }
  return value;
}

/** An integer option value of at least `min`. */
export function integerAtLeast(min: number): (raw: string) => number {
  return (raw) => parseInteger(raw, min);
}

export type StartOffset = number | 'earliest' | 'latest';

/** `earliest`, `latest` or an offset >= 0. */
export function parseStartOffset(raw: string): StartOffset {
  const text = raw.trim().toLowerCase();
  if (text === 'earliest' || text === 'beginning') return 'earliest';
  if (text === 'latest' || text === 'end') return 'latest';
  if (!INTEGER.test(text)) throw new InvalidArgumentError("expected 'earliest', 'latest' or an offset >= 0.");
  return parseInteger(text, 0);
}

/** Milliseconds since the epoch, or a date/time that `Date.parse` understands (ISO 8601). */
export function parseTimestamp(raw: string): number {
  const text = raw.trim();
  if (INTEGER.test(text)) return parseInteger(text, 0);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError('expected milliseconds since the epoch or an ISO 8601 date-time.');
  }
  return ms;
}

/** The topic configs `--config` accepts, with how each value is read. */
const TOPIC_CONFIG_KEYS: Partial<
  Record<keyof TopicConfig, (value: string) => TopicConfig[keyof TopicConfig]>
> = {
  'cleanup.policy': (value) => {
    const policy = value.replace(/\s+/g, '');
    if (policy === 'delete' || policy === 'compact') return policy;
    if (policy === 'compact,delete' || policy === 'delete,compact') return 'compact,delete';
    throw new InvalidArgumentError("cleanup.policy must be 'delete', 'compact' or 'compact,delete'.");
  },
  'retention.ms': (value) => configInteger('retention.ms', value, -1),
  'retention.bytes': (value) => configInteger('retention.bytes', value, -1),
  'max.message.bytes': (value) => configInteger('max.message.bytes', value, 1),
  'delete.retention.ms': (value) => configInteger('delete.retention.ms', value, 0),
  'min.compaction.lag.ms': (value) => configInteger('min.compaction.lag.ms', value, 0),
  'segment.ms': (value) => configInteger('segment.ms', value, 1),
  'segment.bytes': (value) => configInteger('segment.bytes', value, 14),
};

function configInteger(key: string, value: string, min: number): number {
  const number = Number(value.trim());
  if (!INTEGER.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
    throw new InvalidArgumentError(
      `${key} must be an integer >= ${min}${min === -1 ? ' (-1 = unlimited)' : ''}.`,
    );
  }
  return number;
}

export const TOPIC_CONFIG_NAMES = Object.keys(TOPIC_CONFIG_KEYS);

/** Collects repeated `--config key=value` options into one TopicConfig. */
export function collectTopicConfig(raw: string, previous: TopicConfig = {}): TopicConfig {
  const equals = raw.indexOf('=');
  if (equals <= 0) throw new InvalidArgumentError('expected key=value, e.g. retention.ms=86400000.');
  const key = raw.slice(0, equals).trim();
  const value = raw.slice(equals + 1);
  if (!Object.hasOwn(TOPIC_CONFIG_KEYS, key)) {
    throw new InvalidArgumentError(
      `unknown topic config '${key}' (known: ${TOPIC_CONFIG_NAMES.join(', ')}).`,
    );
  }
  const parse = TOPIC_CONFIG_KEYS[key as keyof TopicConfig]!;
  return { ...previous, [key]: parse(value) };
}

/** One character (or `\t`), for CSV delimiters. */
export function parseDelimiter(raw: string): string {
  const value = raw === '\\t' || raw.toLowerCase() === 'tab' ? '\t' : raw;
  if (value.length !== 1) throw new InvalidArgumentError("expected one character (or '\\t').");
  return value;
}
