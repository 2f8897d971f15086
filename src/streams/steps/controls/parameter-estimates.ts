// The estimated parameters of a model that is linear in its inputs (OLS, ridge, lasso, elastic net,
// logistic), in the units the model was fitted in: the fitted coefficients are on standardised
// inputs, so β_j = b_j / std_j and the constant = b_0 − Σ b_j·mean_j / std_j. Models without such
// coefficients (trees, kNN, Gaussian process, the polynomial ridge) have none: `estimates` is empty.
import type { ModelJSON } from '../../../automl/index.js';

export interface ParameterEstimates {
  /** [constant, β_1, ..., β_p] in the order of the independent variables; empty without them. */
  estimates: number[];
  hasConstantTerm: boolean;
}

const LINEAR = new Set(['ols', 'ridge', 'lasso', 'elastic_net', 'logistic']);

export function parameterEstimates(model: ModelJSON): ParameterEstimates {
  const p = model.parameters as { intercept?: unknown; coefficients?: unknown };
  const { mean, std } = model.normalisation;
  const coefficients = p.coefficients;
  if (
    !LINEAR.has(model.algorithm) ||
    typeof p.intercept !== 'number' ||
    !Array.isArray(coefficients) ||
    coefficients.length !== mean.length
  ) {
    return { estimates: [], hasConstantTerm: false };
  }
  const betas = (coefficients as number[]).map((b, j) => b / std[j]);
  const constant = betas.reduce((c, beta, j) => c - beta * mean[j], p.intercept);
  return { estimates: [constant, ...betas], hasConstantTerm: true };
}
