// Errors about a window of stream values, shared by statistics, anomaly detection and optimization.
// They extend the automl layer's classes so the server maps them like every other automl error.

import { InsufficientDataError, InvalidInputError } from '../errors.js';

/** A window (or a column of one) holds NaN or ±Infinity where a finite number is required. */
export class NonFiniteValueError extends InvalidInputError {
  constructor(
    readonly what: string,
    readonly index: number,
    readonly value: number,
  ) {
    super(`${what} holds a non-finite value (${String(value)}) at position ${index}`);
  }
}

/** A window has no values at all, so nothing can be computed from it. */
export class EmptyWindowError extends InsufficientDataError {
  constructor(readonly what: string) {
    super(`${what} is empty: at least one value is needed`);
  }
}

/** A statistic name that is not one of VIPER's preprocessing types. */
export class UnknownStatisticError extends InvalidInputError {
  constructor(
    readonly statistic: string,
    known: readonly string[],
  ) {
    super(`unknown statistic '${statistic}'; known statistics: ${known.join(', ')}`);
  }
}

/** A VIPER statistic that needs strings, timestamps or coordinates, asked of a numeric window. */
export class NonNumericStatisticError extends InvalidInputError {
  constructor(
    readonly statistic: string,
    needs: string,
  ) {
    super(
      `statistic '${statistic}' needs ${needs}; the statistics engine computes over a numeric window only`,
    );
  }
}

/** Throws unless every value is finite; `what` names the window in the message. */
export function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new NonFiniteValueError(what, i, v);
  }
}
