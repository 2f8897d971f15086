// Conformal prediction sets for binary classifiers: split conformal with the "least ambiguous"
// score (Sadinle, Lei & Wasserman, JASA 2019; LAC in MAPIE): a held-out row's nonconformity is
// 1 − p̂(its true class), and a new row's set holds every class c with 1 − p̂(c) ≤ q̂, q̂ the
// conformal quantile of the held-out scores. Marginal coverage ≥ the nominal level for exchangeable
// rows (Vovk et al.), with the smallest expected set among split-conformal sets of this form. With
// two classes a set is {0}, {1}, {0, 1} (the model is unsure at this level) or empty (both classes
// fit worse than the held-out rows did: an outlier).

import { checkCoverage, conformalQuantile } from './conformal.js';

/** Held-out nonconformity scores 1 − p̂(true class), ascending; `probability1` is p̂(class 1). */
export function classScores(actual: ArrayLike<number>, probability1: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(actual.length);
  for (let i = 0; i < actual.length; i++) {
    scores[i] = actual[i] === 1 ? 1 - probability1[i] : probability1[i];
  }
  return scores.sort();
}

/**
 * The classes (ascending) of the prediction set for p̂(class 1) = `probability1` at `coverage`, from
 * ascending held-out scores. Too few scores for the level (n < 1/α − 1): both classes, the honest
 * answer when the quantile is unbounded. Throws InvalidInputError naming `setting` unless coverage
 * is in (0, 1).
 */
export function predictionSet(
  probability1: number,
  sortedScores: ArrayLike<number>,
  coverage: number,
  setting = 'coverage',
): number[] {
  checkCoverage(coverage, setting);
  return setAtQuantile(probability1, conformalQuantile(sortedScores, 1 - coverage));
}

/**
 * The classes whose score 1 − p̂(c) is at most `q` (a conformal quantile of scores, split or
 * adaptive); an undefined quantile (unbounded) keeps both classes. For classes 0/1 the score of the
 * true class is |y − p̂₁|, the absolute error of the probability: adaptive conformal inference on
 * those errors (AdaptiveConformal) gives the quantile that follows drift.
 */
export function setAtQuantile(probability1: number, q: number | undefined): number[] {
  if (q === undefined) return [0, 1];
  const set: number[] = [];
  if (probability1 <= q) set.push(0); // score of class 0: 1 − (1 − p̂₁) = p̂₁
  if (1 - probability1 <= q) set.push(1);
  return set;
}
