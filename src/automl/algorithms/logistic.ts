// Binary logistic regression with an L2 penalty on the coefficients (not the intercept), by Newton's
// method or L-BFGS (logistic-solver.ts). Hand-written: ml-logistic-regression is fixed-step gradient descent without an
// intercept or regularisation and measured ~500× slower at 16k rows (ml-stack.md §3c).

import type { Algorithm, Hyperparameters } from '../algorithm.js';
import { logUniform } from '../random.js';
import { numberParameter } from './hyperparameters.js';
import { lbfgs, MIN_L2, newton, type Problem } from './logistic-solver.js';
import { linearParameters, requireRows, type LinearParameters } from './linear/linear-model.js';

const GRID = [1e-3, 1e-2, 1e-1, 1, 1e-4];
/**
 * Features above which L-BFGS replaces Newton: a Newton step costs n·(p²/2 + 2p) products against
 * L-BFGS's n·2p, and L-BFGS needs several times more steps (measured: about even at p ≈ 10).
 */
export const NEWTON_MAX_FEATURES = 10;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The coefficients [β₁..β_p, β₀] by the given solver (both reach the same optimum). */
export function solveLogistic(problem: Problem, solver: 'newton' | 'lbfgs'): Float64Array {
  const { y, n, p } = problem;
  let ones = 0;
  for (let r = 0; r < n; r++) ones += y[r];
  const w = new Float64Array(p + 1);
  const rate = ones / n;
  w[p] = Math.log(rate / (1 - rate));
  if (solver === 'newton') newton(problem, w);
  else lbfgs(problem, w);
  return w;
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
    const solver = p <= NEWTON_MAX_FEATURES ? 'newton' : 'lbfgs';
    const w = solveLogistic({ x, y, n, p, l2 }, solver);
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
