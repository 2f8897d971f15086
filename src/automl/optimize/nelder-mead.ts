// Nelder–Mead with every trial point projected onto the box: the local phase that polishes what
// differential evolution found. Projection lets the simplex settle exactly on a bound or a corner,
// where linear models have their optimum. Fixed variables (min = max) are left out of the simplex.

import { clip, type Bounds } from './bounds.js';
import type { Objective, SearchResult } from './differential-evolution.js';

export interface NelderMeadOptions {
  /** Initial simplex edge per variable, as a fraction of its bound width; default 0.1. */
  step?: number;
  /** Evaluation cap; default 2,000. */
  maxEvaluations?: number;
  /** Stop when the simplex's values differ by ≤ tolerance·(|best| + tolerance) and its vertices
   *  by ≤ tolerance of each variable's width; default 1e-9. */
  tolerance?: number;
  /** Restarts from the best vertex with a fresh simplex while they improve; default 3. */
  restarts?: number;
  deadline?: number;
}

/** Minimises `objective` from `start` inside the box; non-finite values count as +Infinity. */
export function nelderMead(
  objective: Objective,
  start: Float64Array,
  bounds: Bounds,
  options: NelderMeadOptions = {},
): SearchResult {
  const { lower, upper } = bounds;
  const free: number[] = [];
  for (let j = 0; j < lower.length; j++) if (upper[j] > lower[j]) free.push(j);
  const maxEvaluations = options.maxEvaluations ?? 2000;
  const tolerance = options.tolerance ?? 1e-9;
  const step = options.step ?? 0.1;

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = objective(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let bestX = clip(Float64Array.from(start), bounds);
  let bestValue = evaluate(bestX);
  let iterations = 0;
  let converged = free.length === 0;
  const restarts = options.restarts ?? 3;
  for (let round = 0; round <= restarts && !converged; round++) {
    const run = simplexSearch();
    const improved = run.value < bestValue - tolerance * (Math.abs(bestValue) + tolerance);
    if (run.value <= bestValue) {
      bestX = run.x;
      bestValue = run.value;
    }
    // A restart that no longer improves means the simplex did not stop on a false (collapsed) minimum.
    if (!improved && run.converged) converged = true;
    if (!run.converged) break;
  }
  return { x: bestX, value: bestValue, evaluations, iterations, converged };

  function simplexSearch(): { x: Float64Array; value: number; converged: boolean } {
    const n = free.length;
    const vertices: Float64Array[] = [Float64Array.from(bestX)];
    for (const j of free) {
      const v = Float64Array.from(bestX);
      const h = step * (upper[j] - lower[j]);
      // Step inwards when the start sits on the upper bound.
      v[j] = v[j] + h <= upper[j] ? v[j] + h : v[j] - h;
      vertices.push(clip(v, bounds));
    }
    const values = vertices.map((v, i) => (i === 0 ? bestValue : evaluate(v)));
    const order = Array.from({ length: n + 1 }, (_, i) => i);
    const centroid = new Float64Array(lower.length);
    const point = (from: Float64Array, towards: Float64Array, t: number): Float64Array => {
      const p = Float64Array.from(from);
      for (const j of free) p[j] = from[j] + t * (towards[j] - from[j]);
      return clip(p, bounds);
    };
    while (evaluations < maxEvaluations) {
      if (options.deadline !== undefined && performance.now() > options.deadline) break;
      iterations++;
      order.sort((a, b) => values[a] - values[b]);
      const bestI = order[0];
      const worstI = order[n];
      if (small(vertices, values, order)) {
        return { x: vertices[bestI], value: values[bestI], converged: true };
      }
      centroid.set(vertices[bestI]);
      for (const j of free) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vertices[order[k]][j];
        centroid[j] = s / n;
      }
      const worst = vertices[worstI];
      const reflected = point(centroid, worst, -1);
      const fr = evaluate(reflected);
      if (fr < values[bestI]) {
        const expanded = point(centroid, worst, -2);
        const fe = evaluate(expanded);
        if (fe < fr) replace(worstI, expanded, fe);
        else replace(worstI, reflected, fr);
      } else if (fr < values[order[n - 1]]) {
        replace(worstI, reflected, fr);
      } else {
        const outside = fr < values[worstI];
        const contracted = outside ? point(centroid, reflected, 0.5) : point(centroid, worst, 0.5);
        const fc = evaluate(contracted);
        if (fc < (outside ? fr : values[worstI])) {
          replace(worstI, contracted, fc);
        } else {
          const anchor = vertices[bestI];
          for (let k = 1; k <= n; k++) {
            const i = order[k];
            replace(i, point(anchor, vertices[i], 0.5), NaN);
            values[i] = evaluate(vertices[i]);
          }
        }
      }
    }
    order.sort((a, b) => values[a] - values[b]);
    return { x: vertices[order[0]], value: values[order[0]], converged: false };

    function replace(i: number, x: Float64Array, value: number): void {
      vertices[i] = x;
      values[i] = value;
    }
  }

  function small(vertices: Float64Array[], values: number[], order: number[]): boolean {
    const fBest = values[order[0]];
    const fWorst = values[order[order.length - 1]];
    if (!Number.isFinite(fWorst)) return false;
    if (fWorst - fBest > tolerance * (Math.abs(fBest) + tolerance)) return false;
    const b = vertices[order[0]];
    for (const v of vertices) {
      for (const j of free) {
        if (Math.abs(v[j] - b[j]) > tolerance * (upper[j] - lower[j]) + 1e-300) return false;
      }
    }
    return true;
  }
}
