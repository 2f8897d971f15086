import type { Algorithm, Hyperparameters } from '../../algorithm.js';
import { logUniform } from '../../random.js';
import { numberParameter } from '../hyperparameters.js';
import { centredGram } from './gram.js';
import { linearParameters, predictLinear, requireRows } from './linear-model.js';
import { interceptFor, solveRidge } from './solve.js';

// λ is on the scale of the standardised Gram matrix (XᵀX / n, unit diagonal), i.e. the ridge
// minimises (1/n)·‖y − Xβ‖² + λ·‖β‖²: λ = 1 halves a lone coefficient, whatever n is.
const GRID = [1e-2, 1, 1e-1, 10, 1e-3];

export function ridgeCandidates(count: number, random: () => number): Hyperparameters[] {
  const out: Hyperparameters[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ lambda: i < GRID.length ? GRID[i] : logUniform(random, 1e-4, 100) });
  }
  return out;
}

export const ridge: Algorithm = {
  name: 'ridge',
  tasks: ['regression'],
  defaults: () => ({ lambda: GRID[0] }),
  candidates: (_space, count, random) => ridgeCandidates(count, random),
  fit(data, hyperparameters) {
    const lambda = numberParameter('ridge', hyperparameters, 'lambda', GRID[0], { min: 0 });
    requireRows('ridge', data);
    const system = centredGram(data.x, data.rows, data.features, data.y);
    const { coefficients, fallback } = solveRidge(system, lambda);
    return linearParameters(interceptFor(system, coefficients), coefficients, fallback);
  },
  predict: predictLinear,
};
