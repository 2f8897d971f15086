// Checks every tree learner makes on a training window before it bins it, and the row samples
// (all rows, bootstrap, subsample) the learners draw from it.

import type { Dataset, Task } from '../../dataset.js';
import { InvalidInputError } from '../../errors.js';

export function checkWindow(data: Dataset, task: Task): void {
  const { rows, features, x, y } = data;
  if (!Number.isInteger(rows) || rows < 1)
    throw new InvalidInputError(`the window has ${rows} rows; need at least 1`);
  if (!Number.isInteger(features) || features < 0)
    throw new InvalidInputError(`invalid feature count ${features}`);
  if (x.length !== rows * features) {
    throw new InvalidInputError(`x has ${x.length} values, expected rows × features = ${rows * features}`);
  }
  if (y.length !== rows) throw new InvalidInputError(`y has ${y.length} values, expected ${rows}`);
  for (let r = 0; r < rows; r++) {
    const v = y[r];
    if (!Number.isFinite(v)) {
      throw new InvalidInputError(`target of row ${r} is ${v}; drop non-finite rows before fitting`);
    }
    if (task === 'classification' && v !== 0 && v !== 1) {
      throw new InvalidInputError(`classification labels must be 0 or 1; row ${r} has ${v}`);
    }
  }
}

export function mean(y: Float64Array, rows: number): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += y[r];
  return sum / rows;
}

/** Rows 0 … n−1. */
export function allRows(n: number): Uint32Array {
  const sample = new Uint32Array(n);
  for (let i = 0; i < n; i++) sample[i] = i;
  return sample;
}

/** n draws with replacement from rows 0 … n−1, sorted so histogram passes read memory in order. */
export function bootstrap(n: number, random: () => number): Uint32Array {
  const sample = new Uint32Array(n);
  for (let i = 0; i < n; i++) sample[i] = Math.floor(random() * n);
  return sample.sort();
}

/** k distinct rows of 0 … n−1 (partial Fisher–Yates over `scratch`, which must hold 0 … n−1 in some order), sorted. */
export function subsample(k: number, scratch: Uint32Array, random: () => number): Uint32Array {
  const n = scratch.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = scratch[i];
    scratch[i] = scratch[j];
    scratch[j] = t;
  }
  return scratch.slice(0, k).sort();
}

/** Gains as shares of the total (all zero when no tree split), rounded so the JSON stays short. */
export function importanceShares(gains: Float64Array): number[] {
  let total = 0;
  for (const g of gains) total += g;
  return Array.from(gains, (g) => (total > 0 ? Math.round((g / total) * 1e6) / 1e6 : 0));
}

/** A minimum leaf size proportional to the window, within [1, 20] and small enough to split. */
export function leafSizeFor(rows: number, fraction: number): number {
  return Math.max(1, Math.min(20, Math.round(rows * fraction), Math.floor(rows / 4)));
}
