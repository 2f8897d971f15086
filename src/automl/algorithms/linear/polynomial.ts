import type { Algorithm, ModelParameters, SearchSpace } from '../../algorithm.js';
import { booleanParameter, numberParameter } from '../hyperparameters.js';
import { centredGram } from './gram.js';
import { linearParameters, requireRows, type LinearParameters } from './linear-model.js';
import { ridgeCandidates } from './ridge.js';
import { interceptFor, solveRidge } from './solve.js';

/**
 * Beyond this many features the pairwise products are left out (squares only): with interactions
 * the expansion has p + p(p+1)/2 columns, 1,325 at p = 50, and the Gram matrix would cost n·1,325².
 */
export const MAX_FEATURES_WITH_INTERACTIONS = 20;

function expandedWidth(p: number, interactions: boolean): number {
  return interactions ? p + (p * (p + 1)) / 2 : 2 * p;
}

/** [x₁..x_p, then x_i·x_j for i ≤ j (or only x_i² without interactions)], row-major. */
function expand(x: Float64Array, rows: number, p: number, interactions: boolean): Float64Array {
  const q = expandedWidth(p, interactions);
  const out = new Float64Array(rows * q);
  for (let r = 0; r < rows; r++) {
    const i0 = r * p;
    let o = r * q;
    for (let i = 0; i < p; i++) out[o++] = x[i0 + i];
    for (let i = 0; i < p; i++) {
      const xi = x[i0 + i];
      if (interactions) for (let j = i; j < p; j++) out[o++] = xi * x[i0 + j];
      else out[o++] = xi * xi;
    }
  }
  return out;
}

interface PolynomialParameters extends LinearParameters {
  interactions: boolean;
}

function interactionsFor(space: SearchSpace): boolean {
  return space.features <= MAX_FEATURES_WITH_INTERACTIONS;
}

/** Degree-2 polynomial ridge: ridge on the standardised features, their squares and products. */
export const poly2Ridge: Algorithm = {
  name: 'poly2_ridge',
  tasks: ['regression'],
  defaults: (space) => ({ lambda: 1e-2, interactions: interactionsFor(space) }),
  candidates: (space, count, random) =>
    ridgeCandidates(count, random).map((h) => ({ ...h, interactions: interactionsFor(space) })),
  fit(data, hyperparameters): ModelParameters {
    const lambda = numberParameter('poly2_ridge', hyperparameters, 'lambda', 1e-2, { min: 0 });
    const interactions = booleanParameter(
      'poly2_ridge',
      hyperparameters,
      'interactions',
      data.features <= MAX_FEATURES_WITH_INTERACTIONS,
    );
    requireRows('poly2_ridge', data);
    const q = expandedWidth(data.features, interactions);
    const system = centredGram(expand(data.x, data.rows, data.features, interactions), data.rows, q, data.y);
    const { coefficients, fallback } = solveRidge(system, lambda);
    const parameters: PolynomialParameters = {
      ...linearParameters(interceptFor(system, coefficients), coefficients, fallback),
      interactions,
    };
    return parameters;
  },
  predict(parameters, x, rows, p, out) {
    const { intercept, coefficients: c, interactions } = parameters as PolynomialParameters;
    for (let r = 0; r < rows; r++) {
      const i0 = r * p;
      let s = intercept;
      let k = p;
      for (let i = 0; i < p; i++) s += c[i] * x[i0 + i];
      for (let i = 0; i < p; i++) {
        const xi = x[i0 + i];
        if (interactions) for (let j = i; j < p; j++) s += c[k++] * (xi * x[i0 + j]);
        else s += c[k++] * xi * xi;
      }
      out[r] = s;
    }
  },
};
