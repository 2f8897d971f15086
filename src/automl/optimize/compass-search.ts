// Projected compass search (a pattern search): try each variable a step up and down, keep what
// improves, halve the steps when nothing does. It finishes what Nelder–Mead cannot in many
// dimensions: on a model that is monotone in a variable (any linear model) the clipped steps walk
// each variable onto its bound in a few sweeps, where a 50-vertex simplex crawls.

import { clip, type Bounds } from './bounds.js';
import type { Objective, SearchResult } from './differential-evolution.js';

export interface CompassSearchOptions {
  /** Initial step per variable, as a fraction of its bound width; default 0.1. */
  step?: number;
  /** Stop when every step is below this fraction of its variable's width; default 1e-9. */
  tolerance?: number;
  /** Evaluation cap; default 5,000. */
  maxEvaluations?: number;
  deadline?: number;
}

/** Minimises `objective` from `start` inside the box; non-finite values count as +Infinity. */
export function compassSearch(
  objective: Objective,
  start: Float64Array,
  bounds: Bounds,
  options: CompassSearchOptions = {},
): SearchResult {
  const { lower, upper } = bounds;
  const tolerance = options.tolerance ?? 1e-9;
  const maxEvaluations = options.maxEvaluations ?? 5000;
  const free: number[] = [];
  for (let j = 0; j < lower.length; j++) if (upper[j] > lower[j]) free.push(j);
  const steps = new Float64Array(lower.length);
  for (const j of free) steps[j] = (options.step ?? 0.1) * (upper[j] - lower[j]);

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = objective(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const x = clip(Float64Array.from(start), bounds);
  let value = evaluate(x);
  let iterations = 0;
  let converged = free.length === 0;
  while (!converged && evaluations < maxEvaluations) {
    if (options.deadline !== undefined && performance.now() > options.deadline) break;
    iterations++;
    let improved = false;
    for (const j of free) {
      const current = x[j];
      for (const direction of [1, -1]) {
        const moved = Math.min(upper[j], Math.max(lower[j], current + direction * steps[j]));
        if (moved === current) continue;
        x[j] = moved;
        const v = evaluate(x);
        if (v < value) {
          value = v;
          improved = true;
          break;
        }
        x[j] = current;
        if (evaluations >= maxEvaluations) break;
      }
      if (evaluations >= maxEvaluations) break;
    }
    if (!improved) {
      converged = true;
      for (const j of free) {
        steps[j] /= 2;
        if (steps[j] > tolerance * (upper[j] - lower[j])) converged = false;
      }
    }
  }
  return { x, value, evaluations, iterations, converged };
}
