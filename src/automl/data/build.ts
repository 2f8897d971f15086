// Building a training window from the values the streams layer hands over. Missing or unparsable
// values (null, undefined, '', 'abc') and NaN/±Infinity make the row unusable: it is dropped and
// counted, never passed on to a learner.

import type { Dataset } from '../dataset.js';
import { InvalidInputError } from '../errors.js';

/** Strings are accepted because stream payloads are often text (CSV, JSON with quoted numbers). */
export type RawValue = number | string | null | undefined;

export interface BuiltDataset {
  dataset: Dataset;
  /** Rows left out because a feature or the target was missing or non-finite. */
  droppedRows: number;
}

export interface ColumnsInput {
  featureNames: readonly string[];
  targetName: string;
  /** One column per feature, in `featureNames` order, oldest value first. */
  features: ReadonlyArray<ArrayLike<RawValue>>;
  target: ArrayLike<RawValue>;
}

export interface RowsInput {
  featureNames: readonly string[];
  targetName: string;
  /** Each row holds the features in `featureNames` order followed by the target; oldest first. */
  rows: ReadonlyArray<ArrayLike<RawValue>>;
}

export function toNumber(value: RawValue): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const s = value.trim();
    return s === '' ? NaN : Number(s);
  }
  return NaN;
}

export function datasetFromColumns(input: ColumnsInput): BuiltDataset {
  const p = input.featureNames.length;
  checkNames(input.featureNames, input.targetName);
  if (input.features.length !== p) {
    throw new InvalidInputError(`${input.features.length} feature columns for ${p} feature names`);
  }
  const n = input.target.length;
  input.features.forEach((column, f) => {
    if (column.length !== n) {
      throw new InvalidInputError(
        `column ${input.featureNames[f]} has ${column.length} values but ${input.targetName} has ${n}; align the streams first`,
      );
    }
  });
  return collect(
    n,
    p,
    input,
    (r, f) => toNumber(input.features[f][r]),
    (r) => toNumber(input.target[r]),
  );
}

export function datasetFromRows(input: RowsInput): BuiltDataset {
  const p = input.featureNames.length;
  checkNames(input.featureNames, input.targetName);
  input.rows.forEach((row, r) => {
    if (row.length !== p + 1) {
      throw new InvalidInputError(`row ${r} has ${row.length} values; expected ${p} features + the target`);
    }
  });
  return collect(
    input.rows.length,
    p,
    input,
    (r, f) => toNumber(input.rows[r][f]),
    (r) => toNumber(input.rows[r][p]),
  );
}

function checkNames(featureNames: readonly string[], targetName: string): void {
  const seen = new Set<string>();
  for (const name of [...featureNames, targetName]) {
    if (typeof name !== 'string' || name === '')
      throw new InvalidInputError('variable names must be non-empty');
    if (seen.has(name)) throw new InvalidInputError(`variable ${name} appears twice`);
    seen.add(name);
  }
}

function collect(
  n: number,
  p: number,
  names: { featureNames: readonly string[]; targetName: string },
  feature: (row: number, f: number) => number,
  target: (row: number) => number,
): BuiltDataset {
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  let kept = 0;
  for (let r = 0; r < n; r++) {
    const t = target(r);
    if (!Number.isFinite(t)) continue;
    let ok = true;
    for (let f = 0; f < p; f++) {
      const v = feature(r, f);
      if (!Number.isFinite(v)) {
        ok = false;
        break;
      }
      x[kept * p + f] = v;
    }
    if (!ok) continue;
    y[kept++] = t;
  }
  return {
    dataset: {
      rows: kept,
      features: p,
      x: kept === n ? x : x.slice(0, kept * p),
      y: kept === n ? y : y.slice(0, kept),
      featureNames: [...names.featureNames],
      targetName: names.targetName,
    },
    droppedRows: n - kept,
  };
}
