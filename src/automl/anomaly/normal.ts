// The standard normal distribution, for turning a z-score into a probability.

import { errorFunction } from 'simple-statistics';

/** Φ(z), the standard normal cumulative distribution function (error function accurate to ~1e-7). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/**
 * The probability that a standard normal draw lies closer to the mean than |z|: 2Φ(|z|) − 1.
 * 0 at z = 0, 0.683 at 1, 0.954 at 2, 0.997 at 3: "how unusual" a z-score is, in [0, 1].
 */
export function twoSidedProbability(z: number): number {
  return Math.min(1, Math.max(0, 2 * normalCdf(Math.abs(z)) - 1));
}
