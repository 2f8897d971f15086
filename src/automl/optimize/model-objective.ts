// Adapts a trained model to an objective: the optimizer then searches the model's inputs.

import type { Task } from '../dataset.js';
import { AutoMLError, InvalidInputError } from '../errors.js';
import type { Objective } from './differential-evolution.js';

/** What the optimizer needs of a model; `Model` (model.ts) has it. */
export interface RowModel {
  readonly task: Task;
  readonly featureNames: readonly string[];
  predictRow(values: ArrayLike<number>): number;
  predictRowProba(values: ArrayLike<number>): number;
}

/**
 * The model's prediction as a function of its inputs (in `featureNames` order). For a classifier
 * it is the probability of class 1: the 0/1 label is flat almost everywhere, which leaves an
 * optimizer nothing to follow. A point where the model cannot predict (`Model` refuses a
 * non-finite prediction) is NaN, which the optimizer treats as the worst value; bad input still
 * throws.
 */
export function modelObjective(model: RowModel): Objective {
  const predict =
    model.task === 'classification'
      ? (x: Float64Array) => model.predictRowProba(x)
      : (x: Float64Array) => model.predictRow(x);
  return (x) => {
    try {
      return predict(x);
    } catch (error) {
      if (error instanceof AutoMLError && !(error instanceof InvalidInputError)) return NaN;
      throw error;
    }
  };
}
