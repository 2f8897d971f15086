// VIPER's anomaly `flags` strings (reference/viper-protocol.md §3.5), read into typed options.
// They arrive URL-decoded but mangled (newlines dropped, indentation left as spaces), so every token
// is trimmed and keys are case-insensitive.
//
// Training:   topic=<t>,topictype=numeric|string,threshnumber=<n>,lag=<1-20>,zthresh=<1-5>,influence=<0-1>
//             one group per stream, groups separated by `~`.
// Prediction: riskscore=<0-1>~complete=and|or|pNN~type=and|or,topic=<t>,topictype=numeric,v1<100,sc>500~...
//             `v1` conditions the value, `sc` the score (tml: |score|, the distance from the usual
//             behaviour in standard deviations; VIPER: "a standardized variance between the peer
//             group value and test value"); `type` says whether a topic's conditions are ANDed or ORed.

import { InvalidInputError } from '../errors.js';
import type { PeerGroupOptions, StreamScore } from './peer-group.js';
import type { Completeness } from './risk.js';

export interface TrainingFlags {
  topic: string;
  topictype: 'numeric' | 'string';
  options: PeerGroupOptions;
  /** Keys tml does not know, kept so the caller can report them. */
  ignored: string[];
}

function number(key: string, text: string, group: string): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) {
    throw new InvalidInputError(`flags: ${key} must be a number in '${group}', got '${text}'`);
  }
  return v;
}

function topicType(text: string, group: string): 'numeric' | 'string' {
  const t = text.toLowerCase();
  if (t === 'numeric' || t === 'string') return t;
  throw new InvalidInputError(`flags: topictype must be numeric or string in '${group}', got '${text}'`);
}

/** Reads the training flags: one entry per stream. */
export function parseTrainingFlags(flags: string): TrainingFlags[] {
  const groups = flags
    .split('~')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  if (groups.length === 0)
    throw new InvalidInputError('flags are empty: expected topic=...,lag=...,zthresh=...');
  return groups.map((group) => {
    let topic: string | undefined;
    let type: 'numeric' | 'string' = 'numeric';
    const options: PeerGroupOptions = {};
    const ignored: string[] = [];
    for (const token of group.split(',')) {
      const t = token.trim();
      if (t === '') continue;
      const eq = t.indexOf('=');
      const key = (eq < 0 ? t : t.slice(0, eq)).trim().toLowerCase();
      const value = eq < 0 ? '' : t.slice(eq + 1).trim();
      if (key === 'topic') topic = value;
      else if (key === 'topictype') type = topicType(value, group);
      else if (key === 'threshnumber') options.threshnumber = number(key, value, group);
      else if (key === 'lag') options.lag = number(key, value, group);
      else if (key === 'zthresh') options.threshold = number(key, value, group);
      else if (key === 'influence') options.influence = number(key, value, group);
      else ignored.push(t);
    }
    if (topic === undefined || topic === '') {
      throw new InvalidInputError(`flags: every group needs topic=<name>; missing in '${group}'`);
    }
    return { topic, topictype: type, options, ignored };
  });
}

export interface Condition {
  subject: 'value' | 'score';
  operator: '<' | '>' | '=';
  threshold: number;
}

export interface TopicRule {
  topic: string;
  topictype: 'numeric' | 'string';
  /** How the conditions combine; default `and`. */
  type: 'and' | 'or';
  conditions: Condition[];
  /** Tokens tml does not evaluate (string matching such as v2=a^b|c, stringcontains). */
  ignored: string[];
}

export interface PredictionFlags {
  riskscore?: number;
  complete?: Completeness;
  rules: TopicRule[];
}

const CONDITION = /^(v\d*|sc)\s*([<>=])\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)$/i;

/** Reads the prediction flags. */
export function parsePredictionFlags(flags: string): PredictionFlags {
  const result: PredictionFlags = { rules: [] };
  for (const raw of flags.split('~')) {
    const group = raw.trim();
    if (group === '') continue;
    const head = /^(riskscore|complete)\s*=\s*(.*)$/i.exec(group);
    if (head !== null && !group.includes(',')) {
      if (head[1].toLowerCase() === 'riskscore')
        result.riskscore = number('riskscore', head[2].trim(), group);
      else {
        const c = head[2].trim().toLowerCase();
        if (c !== 'and' && c !== 'or' && !/^p\d+(\.\d+)?$/.test(c)) {
          throw new InvalidInputError(`flags: complete must be and, or or pNN, got '${head[2].trim()}'`);
        }
        result.complete = c as Completeness;
      }
      continue;
    }
    const rule: TopicRule = { topic: '', topictype: 'numeric', type: 'and', conditions: [], ignored: [] };
    for (const token of group.split(',')) {
      const t = token.trim();
      if (t === '') continue;
      const condition = CONDITION.exec(t);
      if (condition !== null) {
        rule.conditions.push({
          subject: condition[1].toLowerCase() === 'sc' ? 'score' : 'value',
          operator: condition[2] as Condition['operator'],
          threshold: Number(condition[3]),
        });
        continue;
      }
      const eq = t.indexOf('=');
      const key = eq < 0 ? '' : t.slice(0, eq).trim().toLowerCase();
      const value = eq < 0 ? '' : t.slice(eq + 1).trim();
      if (key === 'topic') rule.topic = value;
      else if (key === 'topictype') rule.topictype = topicType(value, group);
      else if (key === 'type') {
        const v = value.toLowerCase();
        if (v !== 'and' && v !== 'or')
          throw new InvalidInputError(`flags: type must be and or or in '${group}'`);
        rule.type = v;
      } else rule.ignored.push(t);
    }
    if (rule.topic === '')
      throw new InvalidInputError(`flags: every rule needs topic=<name>; missing in '${group}'`);
    result.rules.push(rule);
  }
  return result;
}

/**
 * Whether a scored value is anomalous under its topic's rule: the rule's conditions combined by its
 * type; a rule without numeric conditions defers to the peer group's own decision.
 */
export function ruleHolds(rule: TopicRule, score: StreamScore): boolean {
  if (rule.conditions.length === 0) return score.anomaly;
  const test = (c: Condition): boolean => {
    const x = c.subject === 'score' ? Math.abs(score.score) : score.value;
    return c.operator === '<' ? x < c.threshold : c.operator === '>' ? x > c.threshold : x === c.threshold;
  };
  return rule.type === 'or' ? rule.conditions.some(test) : rule.conditions.every(test);
}
