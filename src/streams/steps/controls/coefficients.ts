// Coefficient streams (VIPER's `sendcoefto`, `coeftoprocess`, `coefsubtopicnames`): chosen
// parameter estimates, by index into [constant, β_1, ...], each written as one record named by its
// subtopic into a topic, so consumers can follow e.g. an elasticity as it is re-estimated.
import { StepInputError } from '../../errors.js';
import type { ParameterEstimates } from './parameter-estimates.js';

export interface CoefficientSelection {
  /** The topic the coefficients are written to. */
  topic: string;
  /** Indexes into the estimates (0 = the constant term). */
  indexes: number[];
  /** One name per index (default `coef<index>`). */
  names: string[];
}

export interface CoefficientRecord {
  alias: string;
  algorithm: string;
  name: string;
  index: number;
  value: number;
  createdAt: string;
}

/**
 * Checks a selection against the number of estimates a linear model of these variables has
 * (constant + one per variable), before AutoML runs.
 */
export function checkCoefficientIndexes(selection: CoefficientSelection, variables: number): void {
  const count = variables + 1;
  if (selection.names.length > 0 && selection.names.length !== selection.indexes.length) {
    throw new StepInputError(
      'coefficientNames',
      `has ${selection.names.length} names for ${selection.indexes.length} coefficient indexes`,
    );
  }
  for (const i of selection.indexes) {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new StepInputError(
        'coefficientIndexes',
        `has index ${i}; the model has ${count} estimates (0 = constant, then one per independent variable)`,
      );
    }
  }
}

/** Checks the fitted champion has the estimates (before anything is written). */
export function checkCoefficientSelection(estimates: ParameterEstimates, algorithm: string): void {
  if (estimates.estimates.length === 0) {
    throw new StepInputError(
      'coefficientIndexes',
      `asks for coefficients, but the champion (${algorithm}) has no parameter estimates`,
    );
  }
}

export function coefficientRecords(
  selection: CoefficientSelection,
  estimates: ParameterEstimates,
  model: { alias: string; algorithm: string; createdAt: string },
): CoefficientRecord[] {
  return selection.indexes.map((index, k) => ({
    alias: model.alias,
    algorithm: model.algorithm,
    name: selection.names[k] ?? `coef${index}`,
    index,
    value: estimates.estimates[index],
    createdAt: model.createdAt,
  }));
}
