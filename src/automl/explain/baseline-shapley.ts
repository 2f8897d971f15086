// Shapley values against one background point, for models with no cheaper exact form (k-NN, the
// Gaussian process, ridge on squares and products). The value of a feature set S is the model's
// output on a row that takes x's values on S and the background's elsewhere. The background is the
// window's means (0 in the model's standardised inputs), so a linear model gets exactly
// coefficient × centred value and the base value is the prediction at the window's means.
//
// Up to EXACT_FEATURES features every subset is evaluated (2^p rows in one batch prediction); above,
// antithetic permutation sampling with a fixed seed. Either way the contributions add up exactly to
// the output minus the base value: each permutation's marginal contributions telescope.

import { mulberry32 } from '../random.js';

export const EXACT_FEATURES = 10;
/** Permutations (each with its reverse) when the features are too many to enumerate. */
export const SAMPLED_PERMUTATIONS = 32;

/** Writes rows × p predictions of standardised rows into out. */
export type BatchPredict = (x: Float64Array, rows: number, out: Float64Array) => void;

export interface BaselineShapley {
  baseValue: number;
  contributions: Float64Array;
  method: 'baseline-shapley' | 'sampled-shapley';
}

export function baselineShapley(
  predict: BatchPredict,
  z: Float64Array,
  background: Float64Array,
): BaselineShapley {
  return z.length <= EXACT_FEATURES ? exact(predict, z, background) : sampled(predict, z, background);
}

function exact(predict: BatchPredict, z: Float64Array, background: Float64Array): BaselineShapley {
  const p = z.length;
  const subsets = 1 << p;
  const x = new Float64Array(subsets * p);
  for (let s = 0; s < subsets; s++) {
    for (let f = 0; f < p; f++) x[s * p + f] = s & (1 << f) ? z[f] : background[f];
  }
  const v = new Float64Array(subsets);
  predict(x, subsets, v);
  // Shapley weight of a subset of size k not holding f: k!(p−k−1)!/p!.
  const weight = new Float64Array(p);
  for (let k = 0; k < p; k++) weight[k] = 1 / (p * binomial(p - 1, k));
  const phi = new Float64Array(p);
  for (let s = 0; s < subsets; s++) {
    const k = popcount(s);
    for (let f = 0; f < p; f++) {
      if (s & (1 << f)) continue;
      phi[f] += weight[k] * (v[s | (1 << f)] - v[s]);
    }
  }
  return { baseValue: v[0], contributions: phi, method: 'baseline-shapley' };
}

function sampled(predict: BatchPredict, z: Float64Array, background: Float64Array): BaselineShapley {
  const p = z.length;
  const random = mulberry32(0x5eed);
  const orders: Int32Array[] = [];
  for (let m = 0; m < SAMPLED_PERMUTATIONS; m++) {
    const order = Int32Array.from({ length: p }, (_, i) => i);
    for (let i = p - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    orders.push(order, order.slice().reverse());
  }
  // Row 0 of each permutation is the background; row i switches the first i features of the order to x.
  const x = new Float64Array(orders.length * (p + 1) * p);
  orders.forEach((order, m) => {
    const row = background.slice();
    x.set(row, m * (p + 1) * p);
    for (let i = 0; i < p; i++) {
      row[order[i]] = z[order[i]];
      x.set(row, (m * (p + 1) + i + 1) * p);
    }
  });
  const v = new Float64Array(orders.length * (p + 1));
  predict(x, v.length, v);
  const phi = new Float64Array(p);
  orders.forEach((order, m) => {
    const b = m * (p + 1);
    for (let i = 0; i < p; i++) phi[order[i]] += (v[b + i + 1] - v[b + i]) / orders.length;
  });
  return { baseValue: v[0], contributions: phi, method: 'sampled-shapley' };
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function popcount(s: number): number {
  let c = 0;
  for (let v = s; v !== 0; v &= v - 1) c++;
  return c;
}
