// A 0/1 target built from conditions on the training set's streams (VIPER's `processlogic`):
// `classification_name=<name>:<stream>=<low>,<high>:...`. A row is 1 when every condition holds
// (the conditions are ANDed), each an inclusive range; `-n` as the low bound and `n` as the high
// bound leave that side open (the maadstml documentation's grammar).
import { StepInputError } from '../../errors.js';

const FIELD = 'classificationRule';

export interface RangeCondition {
  stream: string;
  /** Inclusive bounds; null = unbounded on that side. */
  low: number | null;
  high: number | null;
}

export interface ClassificationRule {
  /** The name of the 0/1 target (the model's dependent variable). */
  name: string;
  conditions: RangeCondition[];
}

function bound(text: string, open: string, part: string): number | null {
  const t = text.trim();
  if (t.toLowerCase() === open) return null;
  const value = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(value)) {
    throw new StepInputError(FIELD, `has ${part} bound '${t}' in a condition: give a number or '${open}'`);
  }
  return value;
}

/** Parses the rule text; syntax errors name the field. */
export function parseClassificationRule(text: string): ClassificationRule {
  const parts = text.split(':').map((p) => p.trim());
  const head = /^classification_name=(.+)$/i.exec(parts[0] ?? '');
  if (head === null || head[1].trim() === '') {
    throw new StepInputError(FIELD, `must start with 'classification_name=<name>', got '${parts[0] ?? ''}'`);
  }
  if (parts.length < 2) throw new StepInputError(FIELD, 'names no condition (<stream>=<low>,<high>)');
  const conditions = parts.slice(1).map((part): RangeCondition => {
    const eq = part.indexOf('=');
    const bounds = eq < 0 ? [] : part.slice(eq + 1).split(',');
    if (eq <= 0 || bounds.length !== 2) {
      throw new StepInputError(
        FIELD,
        `has condition '${part}': write <stream>=<low>,<high> ('-n'/'n' = open)`,
      );
    }
    const stream = part.slice(0, eq).trim();
    const low = bound(bounds[0], '-n', 'low');
    const high = bound(bounds[1], 'n', 'high');
    if (low !== null && high !== null && low > high) {
      throw new StepInputError(
        FIELD,
        `has condition '${part}' whose low bound ${low} is above its high bound ${high}`,
      );
    }
    return { stream, low, high };
  });
  return { name: head[1].trim(), conditions };
}

/** 1 when every condition holds on the row's values, else 0. */
export function classify(rule: ClassificationRule, valueOf: (stream: string) => number): 0 | 1 {
  for (const c of rule.conditions) {
    const v = valueOf(c.stream);
    if (!(c.low === null || v >= c.low) || !(c.high === null || v <= c.high)) return 0;
  }
  return 1;
}

/** The rule's 0/1 column over a training set's columns; an unknown stream is an input error. */
export function labelColumns(
  rule: ClassificationRule,
  columns: Record<string, number[]>,
  rows: number,
): number[] {
  for (const c of rule.conditions) {
    if (columns[c.stream] === undefined) {
      throw new StepInputError(
        FIELD,
        `names stream '${c.stream}', which the training set does not hold (it holds: ${Object.keys(columns).join(', ')})`,
      );
    }
  }
  const out = new Array<number>(rows);
  for (let r = 0; r < rows; r++) out[r] = classify(rule, (s) => columns[s][r]);
  return out;
}
