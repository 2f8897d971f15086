// Generated windows with known structure for the automl-core tests (seeded, so reproducible).
import type { Dataset } from '../../src/automl/dataset.js';
import { mulberry32, normal } from '../../src/automl/random.js';

export function generate(
  rows: number,
  features: number,
  target: (x: Float64Array, offset: number, random: () => number) => number,
  seed = 7,
): Dataset {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) x[r * features + f] = random() * 4 - 2;
    y[r] = target(x, r * features, random);
  }
  return {
    rows,
    features,
    x,
    y,
    featureNames: Array.from({ length: features }, (_, f) => `x${f + 1}`),
    targetName: 'y',
  };
}

/** y = 3·x1 − 2·x2 + 10 + N(0, 0.5²): R² ceiling ≈ 0.986 on U(−2, 2) inputs. */
export const linearTarget = (x: Float64Array, o: number, random: () => number): number =>
  3 * x[o] - 2 * x[o + 1] + 10 + 0.5 * normal(random);

/** y = sin(x1)·x2 + N(0, 0.1²): nonlinear, R² ceiling ≈ 0.9875. */
export const sineTarget = (x: Float64Array, o: number, random: () => number): number =>
  Math.sin(x[o]) * x[o + 1] + 0.1 * normal(random);

/** 1[3·x1 − 2·x2 + N(0, 1.5²) > 0]: Bayes accuracy ≈ 0.90. */
export const classTarget = (x: Float64Array, o: number, random: () => number): number =>
  3 * x[o] - 2 * x[o + 1] + 1.5 * normal(random) > 0 ? 1 : 0;

export function r2Of(actual: Float64Array, predicted: Float64Array): number {
  let mean = 0;
  for (const v of actual) mean += v;
  mean /= actual.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < actual.length; i++) {
    res += (actual[i] - predicted[i]) ** 2;
    tot += (actual[i] - mean) ** 2;
  }
  return 1 - res / tot;
}
