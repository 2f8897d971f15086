// A text stream's peer group: how often each value occurred in the window (VIPER's
// topictype=string). A new value is scored by how rare it was: its share of the window, and
// `score` = 1 − share (1: never seen, the default anomaly). VIPER's string rules test the text itself:
// `v2=a^b|c` is a pattern — alternatives separated by `|`, each a set of terms joined by `^` (all
// must match) — matched as substrings with `stringcontains=1`, as the whole value with 0; both
// case-insensitive.
import { InvalidInputError } from '../errors.js';
import { EmptyWindowError } from '../statistics/errors.js';

export const TEXT_PEER_GROUP_SCHEMA_VERSION = 1;
/** The most distinct values a peer group keeps (the most frequent); the rest count as `other`. */
export const MAX_TEXT_VALUES = 1000;

export interface TextPeerGroupJSON {
  schemaVersion: 1;
  kind: 'text-peer-group';
  stream: string;
  count: number;
  distinct: number;
  /** Lower-cased value → occurrences, the MAX_TEXT_VALUES most frequent. */
  frequencies: Record<string, number>;
  /** Occurrences of values not kept. */
  other: number;
}

export interface TextScore {
  stream: string;
  text: string;
  /** The share of the peer group's window that held this value (0: never seen). */
  share: number;
  /** 1 − share: how unusual the value is, 0–1. */
  score: number;
  anomaly: boolean;
}

/** `a^b|c`: alternatives of terms that must all match. */
export type TextPattern = string[][];

export function trainTextPeerGroup(stream: string, values: readonly string[]): TextPeerGroupJSON {
  if (values.length === 0) throw new EmptyWindowError(`the window of text stream '${stream}'`);
  const counts = new Map<string, number>();
  for (const v of values) {
    const key = v.trim().toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = sorted.slice(0, MAX_TEXT_VALUES);
  return {
    schemaVersion: TEXT_PEER_GROUP_SCHEMA_VERSION,
    kind: 'text-peer-group',
    stream,
    count: values.length,
    distinct: counts.size,
    frequencies: Object.fromEntries(kept),
    other: sorted.slice(MAX_TEXT_VALUES).reduce((sum, [, n]) => sum + n, 0),
  };
}

export function readTextPeerGroup(input: unknown): TextPeerGroupJSON {
  const json = input as TextPeerGroupJSON;
  if (json === null || typeof json !== 'object' || json.kind !== 'text-peer-group') {
    throw new InvalidInputError('not a text peer group: expected an object with kind "text-peer-group"');
  }
  if (json.schemaVersion !== TEXT_PEER_GROUP_SCHEMA_VERSION || !(json.count > 0)) {
    throw new InvalidInputError(`text peer group of '${String(json.stream)}': unsupported or empty`);
  }
  return json;
}

/** Scores a value by its rarity in the peer group; an unseen value is an anomaly. */
export function scoreText(group: TextPeerGroupJSON, text: string): TextScore {
  const share = (group.frequencies[text.trim().toLowerCase()] ?? 0) / group.count;
  return { stream: group.stream, text, share, score: 1 - share, anomaly: share === 0 };
}

/** Reads `a^b|c`; empty terms (`a^^b`, `|c`) are refused. */
export function parseTextPattern(text: string): TextPattern {
  const alternatives = text.split('|').map((alt) => alt.split('^').map((t) => t.trim().toLowerCase()));
  for (const alt of alternatives) {
    if (alt.some((t) => t === '')) {
      throw new InvalidInputError(
        `v2=${text}: every term of a^b|c must be non-empty ('^' joins terms that must all match, '|' separates alternatives)`,
      );
    }
  }
  return alternatives;
}

export function matchesPattern(pattern: TextPattern, text: string, contains: boolean): boolean {
  const value = text.trim().toLowerCase();
  return pattern.some((alt) => alt.every((term) => (contains ? value.includes(term) : value === term)));
}
