// Whether a challenger predicts the newest rows better than the champion by more than noise: a
// one-sided paired t-test at the 5% level on the per-row losses of the two models on the same rows
// (squared error for regression; for classification the plain log-loss of the probabilities the
// models publish, not the tempered one a selection ranks by). A comparison of two scores on a
// handful of rows promotes on noise, and the challenger is the best of a selection's candidates on
// those rows, so its score is the optimistic one; the champion keeps predicting unless the evidence
// says otherwise.
import type { Task } from '../automl/dataset.js';

/** One-sided 95% quantiles of Student's t for 1..30 degrees of freedom (standard tables). */
const T95 = [
  6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753,
  1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697,
];
const Z95 = 1.6448536269514722;

/**
 * The one-sided 95% quantile of Student's t with `df` degrees of freedom: the table up to 30, above
 * it the normal quantile with the first two terms of its Cornish–Fisher expansion in 1/df (within
 * 1e-4 of the exact value).
 */
export function tQuantile95(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be at least 1, got ${df}`);
  if (df <= T95.length) return T95[Math.floor(df) - 1];
  const z = Z95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

const EPS = 1e-15;

/** A model's loss on one row: squared error, or log-loss of the probability of class 1. */
export function rowLoss(task: Task, actual: number, predicted: number): number {
  if (task === 'regression') return (actual - predicted) ** 2;
  const p = Math.min(1 - EPS, Math.max(EPS, predicted));
  return actual === 1 ? -Math.log(p) : -Math.log(1 - p);
}

export interface ChallengerTest {
  /** The challenger is better at the 5% level (or the champion's loss is not finite). */
  better: boolean;
  rows: number;
  /** Mean of champion loss − challenger loss over the rows (> 0: the challenger did better). */
  meanGain: number;
  standardError: number;
  /** The gain the mean had to exceed: the t quantile times the standard error. */
  threshold: number;
}

/**
 * The paired test on `actual` and the two models' predictions of the same rows. With fewer than two
 * rows there is no estimate of the noise: the champion stays.
 */
export function challengerTest(
  task: Task,
  actual: ArrayLike<number>,
  champion: ArrayLike<number>,
  challenger: ArrayLike<number>,
): ChallengerTest {
  const rows = actual.length;
  if (champion.length !== rows || challenger.length !== rows) {
    throw new RangeError(
      `${rows} rows, ${champion.length} champion and ${challenger.length} challenger predictions`,
    );
  }
  const gains = new Float64Array(rows);
  let championFinite = true;
  let challengerFinite = true;
  let sum = 0;
  for (let i = 0; i < rows; i++) {
    const own = rowLoss(task, actual[i], champion[i]);
    const other = rowLoss(task, actual[i], challenger[i]);
    if (!Number.isFinite(own)) championFinite = false;
    if (!Number.isFinite(other)) challengerFinite = false;
    gains[i] = own - other;
    sum += gains[i];
  }
  // a champion that predicted a non-finite value is replaced by a challenger that did not
  if (!championFinite || !challengerFinite) {
    const better = !championFinite && challengerFinite;
    return { better, rows, meanGain: better ? Infinity : -Infinity, standardError: NaN, threshold: NaN };
  }
  if (rows < 2)
    return { better: false, rows, meanGain: rows === 1 ? sum : 0, standardError: NaN, threshold: NaN };
  const meanGain = sum / rows;
  let squares = 0;
  for (let i = 0; i < rows; i++) squares += (gains[i] - meanGain) ** 2;
  const standardError = Math.sqrt(squares / (rows - 1) / rows);
  const threshold = tQuantile95(rows - 1) * standardError;
  return { better: meanGain > threshold, rows, meanGain, standardError, threshold };
}
