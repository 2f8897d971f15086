// Scoring one candidate (algorithm × hyperparameters) on time-ordered splits. The same function runs
// inline and inside the worker threads, so both paths give identical metrics.

import type { Hyperparameters, ModelParameters } from '../algorithm.js';
import { getAlgorithm } from '../algorithms/index.js';
import { fitNormalisation, standardise } from '../data/normalisation.js';
import type { Split } from '../data/splits.js';
import type { Dataset, Task } from '../dataset.js';
import { AutoMLError } from '../errors.js';
import { classificationMetrics, regressionMetrics } from '../metrics.js';

export interface CandidateEvaluation {
  /** Parameters learnt on the last (newest) split's training rows. */
  parameters: ModelParameters;
  /** Holdout metrics, averaged over the splits when there are several (rolling origin). */
  metrics: Record<string, number>;
  /** Wall time of the fits and predictions of every split, in ms. */
  fitMs: number;
  /** The last (newest) split's holdout predictions: what an ensemble of candidates is built from. */
  predictions: Float64Array;
  /**
   * With early stopping on the holdout: the configuration a refit on the whole window uses (the
   * rounds the holdout kept); absent when it is the one evaluated.
   */
  refitHyperparameters?: Hyperparameters;
}

export function evaluateCandidate(
  data: Dataset,
  task: Task,
  algorithmName: string,
  hyperparameters: Hyperparameters,
  splits: readonly Split[],
  earlyStopping = false,
): CandidateEvaluation {
  const algorithm = getAlgorithm(algorithmName, task);
  const p = data.features;
  const started = performance.now();
  const sums: Record<string, number> = {};
  let parameters: ModelParameters = {};
  let predictions = new Float64Array(0);
  for (const split of splits) {
    const trainRows = split.trainEnd - split.trainStart;
    const testRows = split.testEnd - split.testStart;
    const trainX = data.x.subarray(split.trainStart * p, split.trainEnd * p);
    // Normalisation is fitted on the training rows only: the holdout must not leak into the model.
    const normalisation = fitNormalisation(trainX, trainRows, p);
    const train: Dataset = {
      rows: trainRows,
      features: p,
      x: standardise(trainX, trainRows, p, normalisation, new Float64Array(trainRows * p)),
      y: data.y.subarray(split.trainStart, split.trainEnd),
      featureNames: data.featureNames,
      targetName: data.targetName,
    };
    const testX = standardise(
      data.x.subarray(split.testStart * p, split.testEnd * p),
      testRows,
      p,
      normalisation,
      new Float64Array(testRows * p),
    );
    // Early stopping on the holdout (a single split only: rolling-origin folds would each stop at
    // their own round, and no one refit could follow them all). The holdout then both stops and
    // scores the fit, as AutoGluon's validation set does for its boosted trees.
    const validation: Dataset | undefined =
      earlyStopping && splits.length === 1 && algorithm.refitHyperparameters !== undefined
        ? {
            rows: testRows,
            features: p,
            x: testX,
            y: data.y.subarray(split.testStart, split.testEnd),
            featureNames: data.featureNames,
            targetName: data.targetName,
          }
        : undefined;
    parameters = algorithm.fit(train, hyperparameters, task, validation ? { validation } : undefined);
    const predicted = new Float64Array(testRows);
    algorithm.predict(parameters, testX, testRows, p, predicted);
    predictions = predicted;
    const actual = data.y.subarray(split.testStart, split.testEnd);
    for (let i = 0; i < testRows; i++) {
      if (!Number.isFinite(predicted[i])) {
        throw new AutoMLError(`${algorithmName} produced a non-finite holdout prediction`);
      }
    }
    const m: Record<string, number> = {
      ...(task === 'regression'
        ? regressionMetrics(actual, predicted)
        : classificationMetrics(actual, predicted)),
    };
    for (const [k, v] of Object.entries(m)) sums[k] = (sums[k] ?? 0) + v;
  }
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(sums)) metrics[k] = v / splits.length;
  const refit =
    splits.length === 1 && earlyStopping
      ? algorithm.refitHyperparameters?.(hyperparameters, parameters)
      : undefined;
  return {
    parameters,
    metrics,
    fitMs: performance.now() - started,
    predictions,
    ...(refit !== undefined && refit !== hyperparameters ? { refitHyperparameters: refit } : {}),
  };
}
