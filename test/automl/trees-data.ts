// Windows with known structure for the tree learner tests, drawn from a seeded generator.
import type { Dataset } from '../../src/automl/dataset.js';
import { mulberry32, normal } from '../../src/automl/random.js';

export interface Generated extends Dataset {
  /** For classification windows: the true P(y = 1) of each row, to compute the Bayes accuracy. */
  readonly probability: Float64Array;
}

/** x ~ U(−2, 2)^features; y = sin(x₁)·x₂ + N(0, noise²). Noise ceiling R² ≈ 1 − noise²/Var(y). */
export function sineWindow(rows: number, features: number, seed: number, noise = 0.1): Generated {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) x[r * features + f] = random() * 4 - 2;
    y[r] = Math.sin(x[r * features]) * x[r * features + 1] + noise * normal(random);
  }
  return window(x, y, features, new Float64Array(rows));
}

/** A circular class boundary: P(y = 1) = σ(3·(x₁² + x₂² − 2)); the other features are noise. */
export function ringWindow(rows: number, features: number, seed: number): Generated {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  const probability = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) x[r * features + f] = random() * 4 - 2;
    const a = x[r * features];
    const b = x[r * features + 1];
    probability[r] = 1 / (1 + Math.exp(-3 * (a * a + b * b - 2)));
    y[r] = random() < probability[r] ? 1 : 0;
  }
  return window(x, y, features, probability);
}

function window(x: Float64Array, y: Float64Array, features: number, probability: Float64Array): Generated {
  return {
    rows: y.length,
    features,
    x,
    y,
    probability,
    featureNames: Array.from({ length: features }, (_, f) => `x${f + 1}`),
    targetName: 'y',
  };
}

export function r2(actual: Float64Array, predicted: Float64Array): number {
  let mean = 0;
  for (const v of actual) mean += v;
  mean /= actual.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    residual += (actual[i] - predicted[i]) ** 2;
    total += (actual[i] - mean) ** 2;
  }
  return 1 - residual / total;
}

export function accuracy(actual: Float64Array, probability: Float64Array): number {
  let right = 0;
  for (let i = 0; i < actual.length; i++) if ((probability[i] >= 0.5 ? 1 : 0) === actual[i]) right++;
  return right / actual.length;
}

/** Expected accuracy of the best possible classifier: mean of max(p, 1 − p). */
export function bayesAccuracy(probability: Float64Array): number {
  let sum = 0;
  for (const p of probability) sum += Math.max(p, 1 - p);
  return sum / probability.length;
}
