// A box of lower/upper bounds, one pair per variable.

import { InvalidInputError } from '../errors.js';
import { InvalidBoundsError } from './errors.js';

export interface Bounds {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Builds bounds from [min, max] pairs, checking each (finite, min ≤ max). */
export function boxBounds(
  pairs: ReadonlyArray<readonly [number, number]>,
  names?: readonly string[],
): Bounds {
  const lower = new Float64Array(pairs.length);
  const upper = new Float64Array(pairs.length);
  pairs.forEach(([min, max], j) => {
    lower[j] = min;
    upper[j] = max;
  });
  const bounds = { lower, upper };
  checkBounds(bounds, names);
  return bounds;
}

/** Throws InvalidBoundsError for a non-finite bound or min > max; min = max fixes a variable. */
export function checkBounds(bounds: Bounds, names?: readonly string[]): void {
  const { lower, upper } = bounds;
  if (lower.length !== upper.length) {
    throw new InvalidInputError(
      `bounds have ${lower.length} lower and ${upper.length} upper values; they must match`,
    );
  }
  if (lower.length === 0) throw new InvalidInputError('bounds are empty: there is no variable to optimise');
  for (let j = 0; j < lower.length; j++) {
    if (!Number.isFinite(lower[j]) || !Number.isFinite(upper[j]) || lower[j] > upper[j]) {
      throw new InvalidBoundsError(names?.[j] ?? `x${j}`, lower[j], upper[j]);
    }
  }
}

/** Moves each coordinate of `x` into the box (projection), in place. */
export function clip(x: Float64Array, bounds: Bounds): Float64Array {
  for (let j = 0; j < x.length; j++) {
    if (x[j] < bounds.lower[j]) x[j] = bounds.lower[j];
    else if (x[j] > bounds.upper[j]) x[j] = bounds.upper[j];
  }
  return x;
}
