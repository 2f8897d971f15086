import type { Algorithm } from '../../algorithm.js';
import { centredGram } from './gram.js';
import { linearParameters, predictLinear, requireRows } from './linear-model.js';
import { interceptFor, solveRidge } from './solve.js';

/** Ordinary least squares. No hyperparameters, so the search tries it once. */
export const ols: Algorithm = {
  name: 'ols',
  tasks: ['regression'],
  defaults: () => ({}),
  candidates: () => [{}],
  fit(data) {
    requireRows('ols', data);
    const system = centredGram(data.x, data.rows, data.features, data.y);
    const { coefficients, fallback } = solveRidge(system, 0);
    return linearParameters(interceptFor(system, coefficients), coefficients, fallback);
  },
  predict: predictLinear,
};
