// Ensemble selection (Caruana et al., ICML 2004, as auto-sklearn and AutoGluon use it): starting
// from nothing, repeatedly add — with replacement — the candidate whose holdout predictions most
// improve the average's holdout loss; the weights are how often each was added. It needs no extra
// fit during the search (the candidates' holdout predictions are already there), and averaging a
// few different good models lowers the variance that picking one of many on a small holdout adds.
import type { Task } from '../dataset.js';
import { classificationMetrics, regressionMetrics } from '../metrics.js';
import { selectionScore } from './champion.js';

/** The candidates the ensemble may draw from: the best few by holdout score. */
export const ENSEMBLE_CANDIDATES = 10;
/** Additions (Caruana's "iterations"); weights are multiples of 1/ENSEMBLE_STEPS. */
export const ENSEMBLE_STEPS = 20;
/**
 * The ensemble replaces the best single candidate only when its holdout score is lower by at least
 * this share: it was fitted to the same holdout, so a marginal gain is as likely noise, and it
 * costs one refit per member.
 */
export const ENSEMBLE_MIN_GAIN = 0.01;

/**
 * A model is published as one Kafka record (1 MB by default); each member keeps its own cap, but
 * several large members (forests, k-NN) together could pass it: such an ensemble is not used.
 */
export const ENSEMBLE_MAX_JSON_BYTES = 900_000;

export interface EnsembleChoice {
  /** Candidate indices and weights (summing to 1). */
  members: Array<{ index: number; weight: number }>;
  metrics: Record<string, number>;
  score: number;
}

/** Pointwise loss whose mean the greedy steps minimise: squared error, or log-loss. */
function meanLoss(
  task: Task,
  actual: Float64Array,
  sum: Float64Array,
  extra: Float64Array,
  k: number,
): number {
  let total = 0;
  const n = actual.length;
  for (let i = 0; i < n; i++) {
    const v = (sum[i] + extra[i]) / k;
    if (task === 'regression') total += (v - actual[i]) ** 2;
    else {
      const q = Math.min(1 - 1e-15, Math.max(1e-15, v));
      total -= actual[i] === 1 ? Math.log(q) : Math.log(1 - q);
    }
  }
  return total / n;
}

/**
 * The greedy ensemble of `candidates` (index, holdout predictions), or null when it is one model
 * or does not beat `bestScore` by ENSEMBLE_MIN_GAIN.
 */
export function selectEnsemble(
  task: Task,
  actual: Float64Array,
  candidates: Array<{ index: number; predictions: Float64Array }>,
  bestScore: number,
): EnsembleChoice | null {
  if (candidates.length < 2) return null;
  const n = actual.length;
  const sum = new Float64Array(n);
  const counts = new Array<number>(candidates.length).fill(0);
  for (let step = 1; step <= ENSEMBLE_STEPS; step++) {
    let best = 0;
    let bestLoss = Infinity;
    for (let j = 0; j < candidates.length; j++) {
      const loss = meanLoss(task, actual, sum, candidates[j].predictions, step);
      if (loss < bestLoss) {
        bestLoss = loss;
        best = j;
      }
    }
    counts[best]++;
    const p = candidates[best].predictions;
    for (let i = 0; i < n; i++) sum[i] += p[i];
  }
  const members = counts
    .map((count, j) => ({ index: candidates[j].index, weight: count / ENSEMBLE_STEPS }))
    .filter((m) => m.weight > 0);
  if (members.length < 2) return null;
  const averaged = sum.map((v) => v / ENSEMBLE_STEPS);
  const metrics: Record<string, number> = {
    ...(task === 'regression'
      ? regressionMetrics(actual, averaged)
      : classificationMetrics(actual, averaged)),
  };
  const score = selectionScore(task, metrics);
  if (!(score <= bestScore * (1 - ENSEMBLE_MIN_GAIN))) return null;
  return { members, metrics, score };
}
