// Rules that decide whether a scored value is anomalous, beyond the peer group's own threshold:
// conditions on the value and on |score| (the distance from the usual behaviour in standard
// deviations), combined with `and` or `or`.
import type { StreamScore } from './peer-group.js';
import type { TextPattern } from './text-peer-group.js';

export interface Condition {
  subject: 'value' | 'score';
  operator: '<' | '>' | '=';
  threshold: number;
}

export interface StreamRule {
  stream: string;
  /** How the conditions combine; default `and`. */
  combine: 'and' | 'or';
  conditions: Condition[];
  /** Text streams: VIPER's `v2=a^b|c` with `stringcontains` (substring when true, whole value else). */
  text?: { pattern: TextPattern; contains: boolean };
}

/**
 * Whether a scored value is anomalous under its stream's rule: the rule's conditions combined; a
 * rule without conditions defers to the peer group's own decision.
 */
export function ruleHolds(rule: StreamRule, score: StreamScore): boolean {
  if (rule.conditions.length === 0) return score.anomaly;
  const test = (c: Condition): boolean => {
    const x = c.subject === 'score' ? Math.abs(score.score) : score.value;
    return c.operator === '<' ? x < c.threshold : c.operator === '>' ? x > c.threshold : x === c.threshold;
  };
  return rule.combine === 'or' ? rule.conditions.some(test) : rule.conditions.every(test);
}
