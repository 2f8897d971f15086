// A text filter on one field of JSON records (VIPER's `wherecondition` on `wheresearchkey`, maadstml
// item 32): `[males]` keeps records whose field is exactly "males", `(males)` those whose field
// contains it, `{males}` those whose field does not contain it; a bare `males` is an exact match
// (the client's "filter the data on males"). The field is a dotted JSON path (`a.b.0.c`); a record
// without it, or not JSON, never matches (and never passes a `{…}` filter either: it has no text
// to exclude on).
import type { ConsumedRecord } from '../backbone/types.js';
import { StepInputError } from './errors.js';
import { valueAt } from './json-criteria.js';

export interface WhereFilter {
  /** The JSON path searched (VIPER's default: `PreprocessIdentifier`). */
  key: string;
  /** `[text]`, `(text)`, `{text}` or bare `text`. */
  condition: string;
}

export type WhereMatch = (record: Pick<ConsumedRecord, 'value'>) => boolean;

const FORMS: Record<string, { close: string; rule: 'exact' | 'contains' | 'excludes' }> = {
  '[': { close: ']', rule: 'exact' },
  '(': { close: ')', rule: 'contains' },
  '{': { close: '}', rule: 'excludes' },
};

/** The filter as a predicate, or a StepInputError naming `where`/`whereKey` when it cannot be one. */
export function whereMatcher(filter: WhereFilter): WhereMatch {
  const key = filter.key.trim();
  if (key === '' || key.split('.').some((part) => part === '')) {
    throw new StepInputError('whereKey', `must be a JSON path like Identifier or a.b.c, got '${filter.key}'`);
  }
  const condition = filter.condition.trim();
  const form = FORMS[condition.charAt(0)];
  let rule: 'exact' | 'contains' | 'excludes' = 'exact';
  let text = condition;
  if (form !== undefined) {
    if (!condition.endsWith(form.close)) {
      throw new StepInputError(
        'where',
        `'${condition}' opens with '${condition.charAt(0)}' but does not close with '${form.close}'`,
      );
    }
    rule = form.rule;
    text = condition.slice(1, -1);
  }
  if (text === '') throw new StepInputError('where', `'${condition}' names no text to match`);
  const path = key.split('.');
  return (record) => {
    let document: unknown;
    try {
      document = JSON.parse(record.value?.toString('utf8') ?? '');
    } catch {
      return false;
    }
    const field = valueAt(document, path);
    if (field === undefined || field === null || typeof field === 'object') return false;
    const value = String(field);
    return rule === 'exact'
      ? value === text
      : rule === 'contains'
        ? value.includes(text)
        : !value.includes(text);
  };
}
