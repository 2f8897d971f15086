// Shared parameters and prediction of every model that is linear in its (standardised) inputs.
//
// Hand-written on Float64Array rather than ml-regression-multivariate-linear or ml-matrix `solve`:
// ml-stack.md §3a measured the centred normal equations + Cholesky 17–37× faster with the same R²
// to 1e-15, and there is no lasso or elastic-net package on npm at all.

import type { ModelParameters } from '../../algorithm.js';
import type { Dataset } from '../../dataset.js';
import { InsufficientDataError } from '../../errors.js';

export interface LinearParameters extends ModelParameters {
  intercept: number;
  coefficients: number[];
  fallbacks?: string[];
}

export function linearParameters(
  intercept: number,
  coefficients: Float64Array,
  fallback: string | undefined,
): LinearParameters {
  const parameters: LinearParameters = { intercept, coefficients: Array.from(coefficients) };
  if (fallback !== undefined) parameters.fallbacks = [fallback];
  return parameters;
}

export function predictLinear(
  parameters: ModelParameters,
  x: Float64Array,
  rows: number,
  features: number,
  out: Float64Array,
): void {
  const { intercept, coefficients } = parameters as LinearParameters;
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    let s = intercept;
    for (let j = 0; j < features; j++) s += coefficients[j] * x[o + j];
    out[r] = s;
  }
}

export function requireRows(algorithm: string, data: Dataset, minimum = 1): void {
  if (data.rows < minimum) {
    throw new InsufficientDataError(`${algorithm} needs at least ${minimum} row(s), got ${data.rows}`);
  }
}
