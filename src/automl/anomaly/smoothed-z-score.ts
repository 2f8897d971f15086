// The "smoothed z-score" peak signal algorithm (J.P.G. van Brakel, 2014), which VIPER's anomaly flags
// (`lag`, `zthresh`, `influence`) and its Spikedetect statistic ("Z-score lag 5, 3.5 SD, influence
// 0.5") name. A value is a signal when it lies more than `threshold` standard deviations from the
// mean of the previous `lag` filtered values; a signalled value enters the filter only with weight
// `influence`, so one spike does not drag the baseline with it, while a lasting level shift does
// (influence > 0) and stops signalling once the filter has caught up.

import { InvalidInputError } from '../errors.js';

export interface SmoothedZScoreOptions {
  /** How many previous (filtered) values form the moving baseline. Integer ≥ 1. VIPER: 1–20. */
  lag: number;
  /** Distance from the baseline mean, in baseline standard deviations, that makes a signal. > 0. */
  threshold: number;
  /** Weight in [0, 1] with which a signalled value enters the baseline. */
  influence: number;
}

/** VIPER's Spikedetect parameters. */
export const SPIKE_DETECT_DEFAULTS: Readonly<SmoothedZScoreOptions> = Object.freeze({
  lag: 5,
  threshold: 3.5,
  influence: 0.5,
});

export interface SmoothedZScoreResult {
  /** +1 above the baseline, −1 below, 0 usual; the first `lag` values are always 0 (no baseline yet). */
  signals: Int8Array;
  /** (value − baseline mean) / baseline std per value; 0 for the first `lag` values. See `zScore`. */
  scores: Float64Array;
  /** The last `lag` filtered values (oldest first): the baseline a next value is compared with. */
  filtered: number[];
}

export function validateSmoothedZScoreOptions(options: SmoothedZScoreOptions): void {
  const { lag, threshold, influence } = options;
  if (!Number.isInteger(lag) || lag < 1) {
    throw new InvalidInputError(`lag must be an integer ≥ 1, got ${String(lag)}`);
  }
  if (!Number.isFinite(threshold) || threshold <= 0) {
    throw new InvalidInputError(`threshold (zthresh) must be a number > 0, got ${String(threshold)}`);
  }
  if (!Number.isFinite(influence) || influence < 0 || influence > 1) {
    throw new InvalidInputError(`influence must be in [0, 1], got ${String(influence)}`);
  }
}

/** Mean and population standard deviation (ddof 0, as the widely used reference implementation). */
export function baseline(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / n) };
}

/**
 * A z-score that stays finite on a flat baseline: the scale is floored at 1e-9 × max(1, |mean|), so a
 * value off a constant baseline gets a huge but JSON-safe score with the right sign (documented
 * fallback: a constant window makes every different value an anomaly).
 */
export function zScore(value: number, mean: number, std: number): number {
  const floor = 1e-9 * Math.max(1, Math.abs(mean));
  const d = value - mean;
  if (d === 0) return 0;
  return d / Math.max(std, floor);
}

/** Runs the algorithm over a series (oldest first). Series no longer than `lag` give no signals. */
export function smoothedZScore(
  series: ArrayLike<number>,
  options: SmoothedZScoreOptions,
): SmoothedZScoreResult {
  validateSmoothedZScoreOptions(options);
  const { lag, threshold, influence } = options;
  const n = series.length;
  const signals = new Int8Array(n);
  const scores = new Float64Array(n);
  // A ring of the last `lag` filtered values; the mean/std are recomputed over it (lag is small,
  // and recomputing avoids the drift of running sums of squares).
  const ring = new Float64Array(Math.min(lag, n));
  for (let i = 0; i < ring.length; i++) ring[i] = series[i];
  let head = 0;
  let previous = n > 0 ? series[Math.min(lag, n) - 1] : 0;
  for (let i = lag; i < n; i++) {
    const { mean, std } = baseline(ring);
    const value = series[i];
    const distance = value - mean;
    let filtered = value;
    if (Math.abs(distance) > threshold * std) {
      signals[i] = distance > 0 ? 1 : -1;
      filtered = influence * value + (1 - influence) * previous;
    }
    scores[i] = zScore(value, mean, std);
    ring[head] = filtered;
    head = (head + 1) % lag;
    previous = filtered;
  }
  const filtered: number[] = [];
  for (let k = 0; k < ring.length; k++) filtered.push(ring[(head + k) % ring.length]);
  return { signals, scores, filtered };
}
