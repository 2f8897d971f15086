// Optimization of a trained model's inputs within bounds from its training window's statistics
// (the settings VIPER's `viperhpdeoptimize` takes: ismin, constraints, constraint type, stretch
// bounds, epsilon). The VIPER face shapes the result as VIPER answered (src/server/viper).

import { InvalidInputError } from '../errors.js';
import { checkBounds } from './bounds.js';
import type { ColumnStats } from './column-stats.js';
import { resolveBounds, type ConstraintType } from './constraints.js';
import { modelObjective, type RowModel } from './model-objective.js';
import { optimize, type OptimizeResult } from './optimize.js';

export interface OptimizeModelRequest {
  /** DescriptiveStats of the training window, one per model variable in the model's order. */
  stats: readonly ColumnStats[];
  /** VIPER `ismin`: 1/true minimises, 0/false maximises. Default 1. */
  ismin?: number | boolean;
  /** VIPER `constraints`: `best` (default) or `var:min:max,...`. */
  constraints?: string;
  /** VIPER `constrainttype` 1, 2 or 3 (default 1); see constraints.ts. */
  constraintType?: number;
  /** VIPER `stretchbounds`, percent (default 20). */
  stretchBounds?: number;
  /** VIPER `epsilon` (default 10); see OptimizeOptions.epsilon. */
  epsilon?: number;
  seed?: number;
  timeBudgetMs?: number;
  maxEvaluations?: number;
}

export interface ModelOptimization {
  objective: 'Minimization' | 'Maximization';
  /** The model's prediction (a classifier's probability of class 1) at the optimal inputs. */
  value: number;
  /** Optimal input per variable, in the model's order. */
  optimalValues: Array<{ variable: string; value: number }>;
  /** The box searched. */
  bounds: Array<{ variable: string; min: number; max: number }>;
  stats: readonly ColumnStats[];
  constraintType: ConstraintType;
  userConstrained: string[];
  epsilon: number;
  stretchBounds: number;
  search: OptimizeResult;
}

function readIsMin(ismin: number | boolean | undefined): boolean {
  if (ismin === undefined || ismin === true || ismin === 1) return true;
  if (ismin === false || ismin === 0) return false;
  throw new InvalidInputError(`ismin must be 1 (minimise) or 0 (maximise), got ${String(ismin)}`);
}

/** Finds the inputs, within VIPER's bounds, that minimise or maximise the model's prediction. */
export function optimizeModel(model: RowModel, request: OptimizeModelRequest): ModelOptimization {
  const names = model.featureNames;
  const { stats } = request;
  if (stats.length !== names.length || stats.some((s, j) => s.variable !== names[j])) {
    throw new InvalidInputError(
      `stats must describe the model's variables in order (${names.join(', ')}); got ${stats
        .map((s) => s.variable)
        .join(', ')}`,
    );
  }
  const minimise = readIsMin(request.ismin);
  const resolved = resolveBounds(request);
  checkBounds(resolved.bounds, names);
  const epsilon = request.epsilon ?? 10;
  const search = optimize(modelObjective(model), resolved.bounds, {
    direction: minimise ? 'minimize' : 'maximize',
    epsilon,
    seed: request.seed,
    timeBudgetMs: request.timeBudgetMs,
    maxEvaluations: request.maxEvaluations,
  });
  return {
    objective: minimise ? 'Minimization' : 'Maximization',
    value: search.value,
    optimalValues: names.map((variable, j) => ({ variable, value: search.x[j] })),
    bounds: names.map((variable, j) => ({
      variable,
      min: resolved.bounds.lower[j],
      max: resolved.bounds.upper[j],
    })),
    stats,
    constraintType: resolved.constraintType,
    userConstrained: resolved.userConstrained,
    epsilon,
    stretchBounds: request.stretchBounds ?? 20,
    search,
  };
}
