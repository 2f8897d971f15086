// VIPER's anomaly `flags` strings (reference/viper-protocol.md §3.5), read into typed options.
// They arrive URL-decoded but mangled (newlines dropped, indentation left as spaces), so every token
// is trimmed and keys are case-insensitive.
//
// Training:   topic=<t>,topictype=numeric|string,threshnumber=<n>,lag=<1-20>,zthresh=<1-5>,influence=<0-1>
//             one group per stream, groups separated by `~`.
// Prediction: riskscore=<0-1>~complete=and|or|pNN~type=and|or,topic=<t>,topictype=numeric,v1<100,sc>500~...
//             text streams: topictype=string,stringcontains=0|1,v2=a^b|c,sc>.6 (sc: 1 − the value's
//             share of the peer group's window, see src/automl/anomaly/text-peer-group.ts)
//             `v1` conditions the value, `sc` the score (tml: |score|, the distance from the usual
//             behaviour in standard deviations; VIPER: "a standardized variance between the peer
//             group value and test value"); `type` says whether a topic's conditions are ANDed or ORed.

// The parsers live in the VIPER face; /v1 accepts the same syntax in its `flags` fields. What they
// produce is typed: peer-group options per stream and rules (src/automl/anomaly/rules.ts).
import {
  InvalidInputError,
  parseTextPattern,
  type Completeness,
  type TextPattern,
  type Condition,
  type PeerGroupOptions,
  type StreamRule,
} from '../../automl/index.js';
import { ParameterError } from '../errors.js';

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

export interface TopicRule {
  topic: string;
  topictype: 'numeric' | 'string';
  /** How the conditions combine; default `and`. */
  type: 'and' | 'or';
  conditions: Condition[];
  /** `v2=a^b|c` (text streams), matched as substrings when `stringcontains=1`. */
  pattern?: TextPattern;
  stringcontains: boolean;
  /** Tokens tml does not evaluate. */
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
    const rule: TopicRule = {
      topic: '',
      topictype: 'numeric',
      type: 'and',
      conditions: [],
      stringcontains: false,
      ignored: [],
    };
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
      } else if (key === 'v2') rule.pattern = parseTextPattern(value);
      else if (key === 'stringcontains') {
        if (value !== '0' && value !== '1') {
          throw new InvalidInputError(`flags: stringcontains must be 0 or 1 in '${group}', got '${value}'`);
        }
        rule.stringcontains = value === '1';
      } else rule.ignored.push(t);
    }
    if (rule.topic === '')
      throw new InvalidInputError(`flags: every rule needs topic=<name>; missing in '${group}'`);
    if (rule.pattern !== undefined && rule.topictype !== 'string') {
      throw new InvalidInputError(`flags: v2 matches text; give topictype=string in '${group}'`);
    }
    if (rule.topictype === 'string' && rule.conditions.some((c) => c.subject === 'value')) {
      throw new InvalidInputError(
        `flags: v1<, v1> compare numbers; a text stream takes v2=a^b|c in '${group}'`,
      );
    }
    result.rules.push(rule);
  }
  return result;
}

/** A prediction rule as the core evaluates it. */
export function streamRule(rule: TopicRule): StreamRule {
  return {
    stream: rule.topic,
    combine: rule.type,
    conditions: rule.conditions,
    ...(rule.pattern !== undefined ? { text: { pattern: rule.pattern, contains: rule.stringcontains } } : {}),
  };
}

/** The training flags as peer-group options per stream; every flag must name one of `streams`. */
export function peerGroupOptions(
  flags: string,
  streams: readonly string[],
): Array<{ stream: string; options: PeerGroupOptions; text?: boolean }> {
  const parsed = flagsParameter(() => parseTrainingFlags(flags));
  for (const f of parsed) {
    if (!streams.includes(f.topic)) {
      throw new ParameterError('flags', `name topic '${f.topic}', which is not in streamstoanalyse`);
    }
  }
  // topictype=string: a text peer group (how often each value occurs)
  return parsed.map((f) => ({
    stream: f.topic,
    options: f.options,
    ...(f.topictype === 'string' ? { text: true } : {}),
  }));
}

/** The prediction flags as the core's rules and risk options. */
export function anomalyRules(flags: string): {
  rules: StreamRule[];
  riskscore?: number;
  complete?: Completeness;
} {
  const parsed = flagsParameter(() => parsePredictionFlags(flags));
  return {
    rules: parsed.rules.map(streamRule),
    ...(parsed.riskscore !== undefined ? { riskscore: parsed.riskscore } : {}),
    ...(parsed.complete !== undefined ? { complete: parsed.complete } : {}),
  };
}

function flagsParameter<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ParameterError('flags', error.message);
    throw error;
  }
}
