// Held-out residuals for split-conformal intervals on one-shot predictions. The champion is refitted
// on the window without its newest rows (the selection's time-ordered holdout) and its absolute
// errors on those rows are kept with the model: the interval of a later prediction is the
// champion's value ± their conformal quantile. The refit stands in for the champion (same
// configuration, 80% of its rows), as MAPIE's split method calibrates a model fitted apart. A
// binary classifier keeps the same rows' nonconformity scores 1 − p̂(true class) instead: its
// prediction set at a coverage is every class whose score is within their conformal quantile.

import { holdoutSplit } from '../data/splits.js';
import { sliceRows } from '../data/rows.js';
import type { Dataset } from '../dataset.js';
import { Model, type ModelJSON } from '../model.js';
import type { TrainingPool } from '../pool/training-pool.js';
import { refitModel } from '../selection/refit.js';
import { classScores } from './sets.js';

export interface Calibration {
  /** Regression: absolute held-out errors, ascending (at most MAX_CALIBRATION_RESIDUALS, the newest rows). */
  absoluteResiduals?: number[];
  /** Binary classification: held-out scores 1 − p̂(true class), ascending (the same rows). */
  classScores?: number[];
}

export const CALIBRATION_FRACTION = 0.2;
export const MAX_CALIBRATION_RESIDUALS = 2_000;

/** The champion with its held-out residuals (regression) or class scores (classification). */
export async function calibrate(
  champion: ModelJSON,
  data: Dataset,
  options: { pool?: TrainingPool } = {},
): Promise<ModelJSON> {
  if (data.rows < 10) return champion;
  const split = holdoutSplit(data.rows, CALIBRATION_FRACTION);
  const start = Math.max(split.testStart, split.testEnd - MAX_CALIBRATION_RESIDUALS);
  const fitted = await refitModel(sliceRows(data, split.trainStart, split.trainEnd), champion, options);
  const holdout = sliceRows(data, start, split.testEnd);
  if (champion.task === 'classification') {
    const probabilities = Model.fromJSON(fitted).predictProba(holdout.x, holdout.rows);
    return { ...champion, calibration: { classScores: Array.from(classScores(holdout.y, probabilities)) } };
  }
  const predicted = Model.fromJSON(fitted).predict(holdout.x, holdout.rows);
  const absoluteResiduals = Array.from(predicted, (p, r) => Math.abs(holdout.y[r] - p)).sort((a, b) => a - b);
  return { ...champion, calibration: { absoluteResiduals } };
}
