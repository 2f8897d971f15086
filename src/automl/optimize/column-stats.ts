// Per-variable descriptive statistics of a training window: VIPER's `DescriptiveStats`, and the
// raw material of the `constrainttype` bounds.

import { InsufficientDataError, InvalidInputError } from '../errors.js';
import { NonFiniteValueError } from '../statistics/errors.js';

export interface ColumnStats {
  variable: string;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single row. */
  std: number;
}

/** Statistics of each column of a row-major rows × features window. */
export function describeColumns(
  x: Float64Array,
  rows: number,
  featureNames: readonly string[],
): ColumnStats[] {
  const p = featureNames.length;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new InsufficientDataError(`the window has ${rows} rows; at least one is needed to describe it`);
  }
  if (x.length !== rows * p) {
    throw new InvalidInputError(`the window must hold ${rows} × ${p} values, got ${x.length}`);
  }
  return featureNames.map((variable, f) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[r * p + f];
      if (!Number.isFinite(v)) throw new NonFiniteValueError(`column '${variable}'`, r, v);
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const mean = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (x[r * p + f] - mean) ** 2;
    return { variable, min, max, mean, std: rows > 1 ? Math.sqrt(squares / (rows - 1)) : 0 };
  });
}
