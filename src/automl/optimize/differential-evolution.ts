// Differential evolution (Storn & Price; binomial crossover, dithered mutation):
// the global phase of bounded optimization. It needs no gradient, so it works on the flat plateaus
// and steps of tree models, where gradient methods stall (reference/ml-stack.md §5). No usable
// bounded optimizer exists on npm (same section: `fmin` exports nothing in Node 20 and its
// Nelder–Mead throws in strict mode, `optimization-js` has no bounds and ~500 dependencies,
// `ml-direct` explodes to 77k evaluations / out of memory in 5-D), so it is written here.

import { mulberry32 } from '../random.js';
import type { Bounds } from './bounds.js';

/** A function to minimise; it must not keep or modify `x`. */
export type Objective = (x: Float64Array) => number;

export interface DifferentialEvolutionOptions {
  /** Population size; default clamp(6·dimensions, 20, 50). */
  populationSize?: number;
  /** Generation cap; default 300. */
  maxGenerations?: number;
  /** Evaluation cap across the whole run; default 10,000. */
  maxEvaluations?: number;
  /** Crossover probability; default 0.7. */
  crossover?: number;
  /**
   * Mutation: `best1` (DE/best/1: fast, greedy), `currentToBest1` (DE/current-to-best/1: pulled to
   * the best but keeps more diversity) or `rand1` (DE/rand/1: explores most, converges slowest);
   * default `currentToBest1`. See PORTFOLIO in optimize.ts for how they are combined.
   */
  strategy?: 'best1' | 'currentToBest1' | 'rand1';
  /** Mutation factor range, drawn once per generation (dither); default [0.5, 1). */
  mutation?: readonly [number, number];
  /** Stop when the population's values have std ≤ tolerance·(|mean| + tolerance); default 1e-4. */
  tolerance?: number;
  /** …and when every variable's population std is ≤ positionTolerance of its width; default 1e-3. */
  positionTolerance?: number;
  seed?: number;
  /** `performance.now()` time after which the search stops with what it has. */
  deadline?: number;
}

export interface SearchResult {
  x: Float64Array;
  /** Objective at `x`; +Infinity if no evaluated point gave a finite value. */
  value: number;
  evaluations: number;
  iterations: number;
  /** True if the tolerance was met (not a cap or the deadline). */
  converged: boolean;
}

/** clamp(6·dimensions, 20, 50). */
export function defaultPopulationSize(dimensions: number): number {
  return Math.min(50, Math.max(20, 6 * dimensions));
}

/** Minimises `objective` over the box; non-finite objective values count as +Infinity. */
export function differentialEvolution(
  objective: Objective,
  bounds: Bounds,
  options: DifferentialEvolutionOptions = {},
): SearchResult {
  const d = bounds.lower.length;
  const size = Math.max(4, Math.round(options.populationSize ?? defaultPopulationSize(d)));
  const maxGenerations = options.maxGenerations ?? 300;
  const maxEvaluations = options.maxEvaluations ?? 10_000;
  const crossover = options.crossover ?? 0.7;
  const [fLow, fHigh] = options.mutation ?? [0.5, 1];
  const tolerance = options.tolerance ?? 1e-4;
  const positionTolerance = options.positionTolerance ?? 1e-3;
  const strategy = options.strategy ?? 'currentToBest1';
  const random = mulberry32(options.seed ?? 1);
  const { lower, upper } = bounds;

  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = objective(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  // Latin hypercube start: each variable's range is cut into `size` strata, one point per stratum,
  // so even a small population covers every part of every axis.
  const population: Float64Array[] = [];
  for (let i = 0; i < size; i++) population.push(new Float64Array(d));
  for (let j = 0; j < d; j++) {
    const strata = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const k = Math.floor(random() * (i + 1));
      [strata[i], strata[k]] = [strata[k], strata[i]];
    }
    const width = upper[j] - lower[j];
    for (let i = 0; i < size; i++) population[i][j] = lower[j] + ((strata[i] + random()) / size) * width;
  }
  const values = new Float64Array(size);
  let best = 0;
  for (let i = 0; i < size; i++) {
    values[i] = evaluate(population[i]);
    if (values[i] < values[best]) best = i;
  }

  const trial = new Float64Array(d);
  let generation = 0;
  let converged = false;
  while (generation < maxGenerations && evaluations + size <= maxEvaluations) {
    if (options.deadline !== undefined && performance.now() > options.deadline) break;
    generation++;
    const f = fLow + random() * (fHigh - fLow);
    const bestX = population[best];
    for (let i = 0; i < size; i++) {
      let r1: number;
      let r2: number;
      do r1 = Math.floor(random() * size);
      while (r1 === i);
      do r2 = Math.floor(random() * size);
      while (r2 === i || r2 === r1);
      let r3: number;
      do r3 = Math.floor(random() * size);
      while (r3 === i || r3 === r1 || r3 === r2);
      const target = population[i];
      const a = population[r1];
      const b = population[r2];
      const c = population[r3];
      const forced = Math.floor(random() * d);
      for (let j = 0; j < d; j++) {
        if (j !== forced && random() >= crossover) {
          trial[j] = target[j];
          continue;
        }
        let v =
          strategy === 'currentToBest1'
            ? target[j] + f * (bestX[j] - target[j]) + f * (a[j] - b[j])
            : strategy === 'best1'
              ? bestX[j] + f * (a[j] - b[j])
              : c[j] + f * (a[j] - b[j]);
        // Out of the box: land between the target and the violated bound, so the population can
        // approach a bound (where a linear model's optimum lies) without piling up on it.
        if (v < lower[j]) v = lower[j] + random() * (target[j] - lower[j]);
        else if (v > upper[j]) v = upper[j] - random() * (upper[j] - target[j]);
        trial[j] = v;
      }
      const value = evaluate(trial);
      if (value <= values[i]) {
        target.set(trial);
        values[i] = value;
        if (value <= values[best]) best = i;
      }
    }
    // Values alone are not enough: on a tree model's plateau every member has the same value while
    // the members still spread over the plateau and may yet find a higher one.
    if (spreadSmall(values, tolerance) && collapsed(population, bounds, positionTolerance)) {
      converged = true;
      break;
    }
  }
  return {
    x: Float64Array.from(population[best]),
    value: values[best],
    evaluations,
    iterations: generation,
    converged,
  };
}

function spreadSmall(values: Float64Array, tolerance: number): boolean {
  let sum = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) return false;
    sum += v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return Math.sqrt(squares / values.length) <= tolerance * (Math.abs(mean) + tolerance);
}

function collapsed(population: Float64Array[], bounds: Bounds, tolerance: number): boolean {
  const n = population.length;
  for (let j = 0; j < bounds.lower.length; j++) {
    const width = bounds.upper[j] - bounds.lower[j];
    if (width === 0) continue;
    let sum = 0;
    for (const x of population) sum += x[j];
    const mean = sum / n;
    let squares = 0;
    for (const x of population) squares += (x[j] - mean) ** 2;
    if (Math.sqrt(squares / n) > tolerance * width) return false;
  }
  return true;
}
