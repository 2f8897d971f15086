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

/** Mean log-loss + (l2/2)·‖β‖² for weights w = [β₁..β_p, β₀]. */
function objective(
  x: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  w: Float64Array,
  l2: number,
): number {
  let loss = 0;
  for (let r = 0; r < n; r++) {
    let z = w[p];
    for (let j = 0; j < p; j++) z += w[j] * x[r * p + j];
    loss += softplus(z) - y[r] * z;
  }
  let penalty = 0;
  for (let j = 0; j < p; j++) penalty += w[j] * w[j];
  return loss / n + 0.5 * l2 * penalty;
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
    const row = new Float64Array(q);
    let current = objective(x, y, n, p, w, l2);
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      hessian.fill(0);
      gradient.fill(0);
      row[p] = 1;
      for (let r = 0; r < n; r++) {
        let z = w[p];
        for (let j = 0; j < p; j++) {
          row[j] = x[r * p + j];
          z += w[j] * row[j];
        }
        const prob = sigmoid(z);
        const residual = prob - y[r];
        const weight = Math.max(prob * (1 - prob), 1e-12);
        for (let j = 0; j < q; j++) {
          gradient[j] += residual * row[j];
          const wj = weight * row[j];
          for (let k = 0; k <= j; k++) hessian[j * q + k] += wj * row[k];
        }
      }
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
      const step = Float64Array.from(gradient);
      choleskySolveInPlace(hessian, q, step);
      // Step halving keeps Newton monotone when the quadratic model overshoots (far from the optimum).
      let t = 1;
      let accepted = false;
      const trial = new Float64Array(q);
      for (let halving = 0; halving < 30; halving++) {
        for (let j = 0; j < q; j++) trial[j] = w[j] - t * step[j];
        const value = objective(x, y, n, p, trial, l2);
        if (value <= current) {
          accepted = true;
          w.set(trial);
          const improvement = current - value;
          current = value;
          if (improvement < 1e-12 * Math.max(1, current)) iteration = MAX_ITERATIONS;
          break;
        }
        t /= 2;
      }
      if (!accepted) break;
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
