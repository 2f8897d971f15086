// Conformal prediction intervals for regression: prediction ± a quantile of past absolute errors.
// Split conformal (Vovk et al.; Lei et al. 2018) takes the quantile of held-out residuals; adaptive
// conformal inference (Gibbs & Candès, "Adaptive conformal inference under distribution shift",
// NeurIPS 2021) moves the miscoverage level it asks for after every outcome,
//   αₜ₊₁ = αₜ + γ·(α − errₜ),  errₜ = 1 when yₜ fell outside its interval,
// so the long-run share of misses stays at α even when the errors' distribution drifts.

import { InvalidInputError } from '../errors.js';

export interface PredictionInterval {
  lower: number;
  upper: number;
  /** The nominal coverage asked for (e.g. 0.9). */
  coverage: number;
}

export interface AdaptiveConformalOptions {
  /** Nominal coverage 1 − α, in (0, 1); default 0.9. */
  coverage?: number;
  /** γ, the step of the level's update; Gibbs & Candès use 0.005. */
  learningRate?: number;
  /** Absolute errors kept (the newest); older ones are forgotten so the width follows drift. */
  window?: number;
}

export const DEFAULT_COVERAGE = 0.9;
export const DEFAULT_LEARNING_RATE = 0.005;
export const DEFAULT_CONFORMAL_WINDOW = 500;

/** Throws an InvalidInputError naming `setting` unless coverage is strictly between 0 and 1. */
export function checkCoverage(coverage: number, setting = 'coverage'): void {
  if (typeof coverage !== 'number' || !(coverage > 0 && coverage < 1)) {
    throw new InvalidInputError(
      `${setting} must be a number strictly between 0 and 1, got ${String(coverage)}`,
    );
  }
}

/**
 * The conformal quantile of `sorted` (ascending absolute errors) for miscoverage `alpha`: the
 * ⌈(n + 1)(1 − α)⌉-th smallest. Undefined — an unbounded interval — when that rank exceeds n (too
 * few errors for the level, or α ≤ 0 as adaptive inference may ask); α ≥ 1 asks for no width.
 */
export function conformalQuantile(sorted: ArrayLike<number>, alpha: number): number | undefined {
  const n = sorted.length;
  if (alpha >= 1) return 0;
  if (n === 0 || alpha <= 0) return undefined;
  const rank = Math.ceil((n + 1) * (1 - alpha));
  return rank > n ? undefined : sorted[Math.max(rank, 1) - 1];
}

/** Split conformal: the interval's half-width from held-out residuals, or undefined if too few. */
export function splitConformalWidth(residuals: ArrayLike<number>, coverage: number): number | undefined {
  checkCoverage(coverage);
  const sorted = Float64Array.from(residuals, Math.abs).sort();
  return conformalQuantile(sorted, 1 - coverage);
}

/** Adaptive conformal inference on a stream of (prediction, outcome) pairs. */
export class AdaptiveConformal {
  readonly coverage: number;
  readonly learningRate: number;
  readonly window: number;
  /** The miscoverage level αₜ currently asked for. */
  #alphaT: number;
  /** Absolute errors, oldest first (a ring), and the same values sorted for the quantile. */
  readonly #ring: Float64Array;
  #sorted: number[] = [];
  #next = 0;
  #count = 0;

  constructor(options: AdaptiveConformalOptions = {}) {
    this.coverage = options.coverage ?? DEFAULT_COVERAGE;
    checkCoverage(this.coverage);
    this.learningRate = options.learningRate ?? DEFAULT_LEARNING_RATE;
    if (!(this.learningRate > 0 && this.learningRate < 1)) {
      throw new InvalidInputError(`learningRate must be in (0, 1), got ${String(options.learningRate)}`);
    }
    this.window = options.window ?? DEFAULT_CONFORMAL_WINDOW;
    if (!Number.isInteger(this.window) || this.window < 2) {
      throw new InvalidInputError(`window must be an integer ≥ 2, got ${String(options.window)}`);
    }
    this.#alphaT = 1 - this.coverage;
    this.#ring = new Float64Array(this.window);
  }

  get alphaT(): number {
    return this.#alphaT;
  }

  /** The half-width for the next prediction; undefined (unbounded) until enough errors were seen. */
  width(): number | undefined {
    return conformalQuantile(this.#sorted, this.#alphaT);
  }

  interval(prediction: number): PredictionInterval | undefined {
    const w = this.width();
    return w === undefined
      ? undefined
      : { lower: prediction - w, upper: prediction + w, coverage: this.coverage };
  }

  /**
   * The outcome of a prediction made with the current state: updates αₜ by whether it was covered
   * (no interval yet counts as covered, it was infinitely wide), then remembers its error.
   */
  observe(prediction: number, actual: number): void {
    if (!Number.isFinite(prediction) || !Number.isFinite(actual)) return;
    const error = Math.abs(actual - prediction);
    const w = this.width();
    const miss = w !== undefined && error > w ? 1 : 0;
    const alpha = 1 - this.coverage;
    this.#alphaT += this.learningRate * (alpha - miss);
    if (this.#count === this.window) removeSorted(this.#sorted, this.#ring[this.#next]);
    else this.#count++;
    this.#ring[this.#next] = error;
    this.#next = (this.#next + 1) % this.window;
    insertSorted(this.#sorted, error);
  }
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(sorted: number[], value: number): void {
  sorted.splice(lowerBound(sorted, value), 0, value);
}

function removeSorted(sorted: number[], value: number): void {
  sorted.splice(lowerBound(sorted, value), 1);
}
