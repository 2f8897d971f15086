// Errors of bounded optimization. They extend the automl layer's InvalidInputError, so the server
// maps them like every other bad request.

import { AutoMLError, InvalidInputError } from '../errors.js';

/** A bound is not a finite number, or a lower bound exceeds its upper bound. */
export class InvalidBoundsError extends InvalidInputError {
  constructor(
    readonly variable: string,
    readonly min: number,
    readonly max: number,
  ) {
    super(
      Number.isFinite(min) && Number.isFinite(max)
        ? `bounds of '${variable}': min ${min} is greater than max ${max}`
        : `bounds of '${variable}' must be finite numbers, got min ${String(min)} and max ${String(max)}`,
    );
  }
}

/** `constraints` names a variable the model does not have. */
export class UnknownVariableError extends InvalidInputError {
  constructor(
    readonly variable: string,
    known: readonly string[],
  ) {
    super(
      `constraints name an unknown variable '${variable}'; the model's variables are: ${known.join(', ')}`,
    );
  }
}

/** `constraints` is neither `best` nor `var:min:max,...`. */
export class InvalidConstraintsError extends InvalidInputError {}

/** The objective gave no finite value anywhere in the box, so there is nothing to optimise. */
export class NonFiniteObjectiveError extends AutoMLError {
  constructor(evaluations: number) {
    super(`the objective was not finite at any of the ${evaluations} points evaluated inside the bounds`);
  }
}
