// Binary logistic regression by Newton's method (IRLS) with an L2 penalty on the coefficients (not
// the intercept). Hand-written: ml-logistic-regression is fixed-step gradient descent without an
// intercept or regularisation and measured ~500× slower at 16k rows (ml-stack.md §3c).

import type { Algorithm, Hyperparameters } from '../algorithm.js';
import { logUniform } from '../random.js';
import { numberParameter } from './hyperparameters.js';
import { choleskyInPlace, choleskySolveInPlace } from './linear/cholesky.js';
import { linearParameters, requireRows, type LinearParameters } from './linear/linear-model.js';

const MAX_ITERATIONS = 50;
/** Always-on ridge floor: keeps the Hessian invertible on separable windows with l2 = 0. */
const MIN_L2 = 1e-8;
const GRID = [1e-3, 1e-2, 1e-1, 1, 1e-4];

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Mean log-loss + (l2/2)·‖β‖² for weights w = [β₁..β_p, β₀]; writes each row's linear score to
 * `z`, so the next Newton step starts from them instead of another pass over the rows.
 */
function objective(
  x: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  w: Float64Array,
  l2: number,
  z: Float64Array,
): number {
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const o = r * p;
    let s = w[p];
    for (let j = 0; j < p; j++) s += w[j] * x[o + j];
    z[r] = s;
    loss += softplus(s) - y[r] * s;
  }
  let penalty = 0;
  for (let j = 0; j < p; j++) penalty += w[j] * w[j];
  return loss / n + 0.5 * l2 * penalty;
}

/**
 * The lower triangle of Xᵀ·diag(weight)·X with a trailing column of ones (the intercept) into the
 * q×q row-major `out`, q = p + 1. Four rows per pass: each Hessian entry is loaded and stored once
 * per four rows instead of once per row, ~2× faster than row-by-row rank-one updates at p = 50.
 */
function weightedGram(x: Float64Array, n: number, p: number, weight: Float64Array, out: Float64Array): void {
  const q = p + 1;
  out.fill(0);
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const o0 = r * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    const w0 = weight[r];
    const w1 = weight[r + 1];
    const w2 = weight[r + 2];
    const w3 = weight[r + 3];
    for (let j = 0; j < p; j++) {
      const a0 = w0 * x[o0 + j];
      const a1 = w1 * x[o1 + j];
      const a2 = w2 * x[o2 + j];
      const a3 = w3 * x[o3 + j];
      const row = j * q;
      for (let k = 0; k <= j; k++) {
        out[row + k] += a0 * x[o0 + k] + a1 * x[o1 + k] + a2 * x[o2 + k] + a3 * x[o3 + k];
      }
    }
    const last = p * q;
    for (let k = 0; k < p; k++) {
      out[last + k] += w0 * x[o0 + k] + w1 * x[o1 + k] + w2 * x[o2 + k] + w3 * x[o3 + k];
    }
    out[last + p] += w0 + w1 + w2 + w3;
  }
  for (; r < n; r++) {
    const o = r * p;
    const wr = weight[r];
    for (let j = 0; j < p; j++) {
      const a = wr * x[o + j];
      const row = j * q;
      for (let k = 0; k <= j; k++) out[row + k] += a * x[o + k];
    }
    const last = p * q;
    for (let k = 0; k < p; k++) out[last + k] += wr * x[o + k];
    out[last + p] += wr;
  }
}

export const logistic: Algorithm = {
  name: 'logistic',
  tasks: ['classification'],
  defaults: () => ({ l2: GRID[0] }),
  candidates(_space, count, random) {
    const out: Hyperparameters[] = [];
    for (let i = 0; i < count; i++)
      out.push({ l2: i < GRID.length ? GRID[i] : logUniform(random, 1e-5, 10) });
    return out;
  },
  fit(data, hyperparameters) {
    const l2 = Math.max(MIN_L2, numberParameter('logistic', hyperparameters, 'l2', GRID[0], { min: 0 }));
    requireRows('logistic', data);
    const { x, y, rows: n, features: p } = data;
    let ones = 0;
    for (let r = 0; r < n; r++) ones += y[r];
    if (ones === 0 || ones === n) {
      // One class only: the maximum-likelihood intercept is ±∞. Answer the Laplace-smoothed rate of
      // class 1 instead, a finite and honest probability.
      const rate = (ones + 0.5) / (n + 1);
      return linearParameters(
        Math.log(rate / (1 - rate)),
        new Float64Array(p),
        'logistic: one class in the training rows; constant (smoothed) probability',
      );
    }
    const q = p + 1;
    const w = new Float64Array(q);
    const rate = ones / n;
    w[p] = Math.log(rate / (1 - rate));
    const hessian = new Float64Array(q * q);
    const gradient = new Float64Array(q);
    const step = new Float64Array(q);
    const trial = new Float64Array(q);
    const weight = new Float64Array(n);
    let scores = new Float64Array(n);
    let trialScores = new Float64Array(n);
    let current = objective(x, y, n, p, w, l2, scores);
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      gradient.fill(0);
      for (let r = 0; r < n; r++) {
        const o = r * p;
        const prob = sigmoid(scores[r]);
        const residual = prob - y[r];
        weight[r] = Math.max(prob * (1 - prob), 1e-12);
        for (let j = 0; j < p; j++) gradient[j] += residual * x[o + j];
        gradient[p] += residual;
      }
      weightedGram(x, n, p, weight, hessian);
      for (let j = 0; j < q; j++) {
        gradient[j] /= n;
        for (let k = 0; k <= j; k++) hessian[j * q + k] /= n;
      }
      for (let j = 0; j < p; j++) {
        gradient[j] += l2 * w[j];
        hessian[j * q + j] += l2;
      }
      hessian[p * q + p] += MIN_L2;
      if (!choleskyInPlace(hessian, q, 1e-14)) break;
      step.set(gradient);
      choleskySolveInPlace(hessian, q, step);
      // The Newton decrement gᵀH⁻¹g is twice the decrease the quadratic model predicts: once it is
      // at rounding level the optimum is reached, and a further pass over the rows would change
      // nothing (saves the one or two confirmation iterations a loss-change test needs).
      let decrement = 0;
      for (let j = 0; j < q; j++) decrement += gradient[j] * step[j];
      const converged = decrement < 1e-10 * Math.max(1, current);
      // Step halving keeps Newton monotone when the quadratic model overshoots (far from the optimum).
      let t = 1;
      let accepted = false;
      for (let halving = 0; halving < 30; halving++) {
        for (let j = 0; j < q; j++) trial[j] = w[j] - t * step[j];
        const value = objective(x, y, n, p, trial, l2, trialScores);
        if (value <= current) {
          accepted = true;
          w.set(trial);
          [scores, trialScores] = [trialScores, scores];
          const improvement = current - value;
          current = value;
          if (improvement < 1e-12 * Math.max(1, current)) iteration = MAX_ITERATIONS;
          break;
        }
        t /= 2;
      }
      if (!accepted || converged) break;
    }
    const parameters: LinearParameters = linearParameters(w[p], w.subarray(0, p), undefined);
    return parameters;
  },
  predict(parameters, x, rows, p, out) {
    const { intercept, coefficients } = parameters as LinearParameters;
    for (let r = 0; r < rows; r++) {
      let z = intercept;
      for (let j = 0; j < p; j++) z += coefficients[j] * x[r * p + j];
      out[r] = sigmoid(z);
    }
  },
};
