// Bounded optimization of a plain function: a global search (differential evolution) refined
// locally (projected Nelder–Mead, then a projected compass search). The objective is `(x: Float64Array) => number`, so the same code
// serves test functions and trained models (see model-objective.ts).

import { InvalidInputError } from '../errors.js';
import { deriveSeed } from '../random.js';
import { checkBounds, type Bounds } from './bounds.js';
import {
  defaultPopulationSize,
  differentialEvolution,
  type DifferentialEvolutionOptions,
  type Objective,
  type SearchResult,
} from './differential-evolution.js';
import { NonFiniteObjectiveError } from './errors.js';
import { compassSearch } from './compass-search.js';
import { nelderMead } from './nelder-mead.js';

export type Direction = 'minimize' | 'maximize';

/**
 * The global runs alternate two DE variants that fail on different problems: DE/rand/1 with
 * crossover 0.9 explores (it finds the best leaf of a bimodal GBDT model and 5-D Rosenbrock's
 * valley, but often misses Rastrigin's centre); DE/current-to-best/1 with crossover 0.7 exploits
 * (it finds Rastrigin's centre, but often settles on the GBDT model's lesser plateau). Run
 * together, both must fail for the search to. DE/rand/1 runs with twice the default population,
 * which a single run needs to find the best plateau of a tree model reliably. Miss rates per seed:
 * docs/benchmarks.md.
 */
const PORTFOLIO: ReadonlyArray<
  Pick<DifferentialEvolutionOptions, 'strategy' | 'crossover'> & { populationScale: number }
> = [
  { strategy: 'rand1', crossover: 0.9, populationScale: 2 },
  { strategy: 'currentToBest1', crossover: 0.7, populationScale: 1 },
];

/** Restarts stop at this many times `globalRuns` runs, even when evaluations are left. */
const RESTART_FACTOR = 3;
/**
 * …and as soon as this many runs have ended on the best value (within DE's tolerance): an easy
 * problem (every run lands on the same optimum) does not spend the whole budget. Three, because
 * two agreeing runs can both sit on a bimodal model's lesser plateau, and more would spend
 * evaluations an easy problem does not need (figures: docs/benchmarks.md).
 */
const CONFIRMING_RUNS = 3;

/** How many runs ended within DE's default value tolerance (1e-4, relative) of the best of them. */
function confirmations(values: readonly number[]): number {
  const best = Math.min(...values);
  if (!Number.isFinite(best)) return 0;
  const tolerance = 1e-4 * (Math.abs(best) + 1e-4);
  return values.filter((v) => v - best <= tolerance).length;
}

export interface OptimizeOptions {
  direction?: Direction;
  /**
   * VIPER's `epsilon`: "once HPDE finds a good local minimum/maximum, it uses this epsilon value to
   * find the global one". Here: the size, in percent of each variable's bound width, of the simplex
   * and of the first compass step with which the local phase explores around the global phase's
   * best point (default 10; capped at 100). 0 skips the local phase.
   */
  epsilon?: number;
  /** Seed of the global phase; the same seed gives the same result. Default 1. */
  seed?: number;
  /**
   * Independent global searches (different seeds, alternating the two DE variants of PORTFOLIO),
   * the best kept: a run that converged into a local minimum is outvoted. Default 2. Evaluations
   * these runs leave unused pay for restarts, up to 3 × globalRuns runs in all, until three runs
   * agree on the best value.
   */
  globalRuns?: number;
  /** Overall evaluation cap (global + local); default 20,000. */
  maxEvaluations?: number;
  /** Wall-clock cap in ms; the search returns its best point so far when it is reached. */
  timeBudgetMs?: number;
  /** Tuning of the global phase. */
  globalSearch?: Omit<DifferentialEvolutionOptions, 'seed' | 'deadline' | 'maxEvaluations'>;
}

export interface OptimizeResult {
  direction: Direction;
  /** The best point found, inside the bounds. */
  x: Float64Array;
  /** The objective at `x` (not negated for maximisation). */
  value: number;
  evaluations: number;
  elapsedMs: number;
  global: { value: number; evaluations: number; generations: number; converged: boolean };
  /** Nelder–Mead then compass search; `converged` is the compass search's. */
  local: { value: number; evaluations: number; converged: boolean } | null;
}

/** Finds the x in the box that minimises (or maximises) `objective`. */
export function optimize(
  objective: Objective,
  bounds: Bounds,
  options: OptimizeOptions = {},
): OptimizeResult {
  checkBounds(bounds);
  const direction = options.direction ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') {
    throw new InvalidInputError(`direction must be 'minimize' or 'maximize', got '${String(direction)}'`);
  }
  const epsilon = options.epsilon ?? 10;
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new InvalidInputError(`epsilon must be a number ≥ 0 (percent), got ${String(epsilon)}`);
  }
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  if (!Number.isFinite(maxEvaluations) || maxEvaluations < 1) {
    throw new InvalidInputError(`maxEvaluations must be ≥ 1, got ${String(maxEvaluations)}`);
  }
  const budget = options.timeBudgetMs;
  if (budget !== undefined && !(Number.isFinite(budget) && budget >= 0)) {
    throw new InvalidInputError(`timeBudgetMs must be a number of milliseconds ≥ 0, got ${String(budget)}`);
  }
  const sign = direction === 'maximize' ? -1 : 1;
  const minimised: Objective = sign === 1 ? objective : (x) => -objective(x);
  const started = performance.now();
  const deadline = budget === undefined ? undefined : started + budget;

  const runs = options.globalRuns ?? 2;
  if (!Number.isInteger(runs) || runs < 1) {
    throw new InvalidInputError(`globalRuns must be an integer ≥ 1, got ${String(runs)}`);
  }
  // The global phase gets five sixths of the evaluations, the local phase the rest. The first
  // `runs` searches split the global share; whatever they leave unused (a run stops when its
  // population has converged) pays for restarts, as long as one more run like the previous ones
  // fits in it and fewer than CONFIRMING_RUNS runs agree on the best value. A run that converged
  // into the wrong basin is outvoted by an independent restart: on the bimodal GBDT model of the
  // tests (seeds 1–400) two runs alone missed its best plateau 3.3% of the time, with restarts
  // 0.75%, with restarts and the larger DE/rand/1 population never. Rastrigin and Rosenbrock used
  // the whole budget already, so they get no restarts.
  const globalBudget = Math.max(1, Math.floor((maxEvaluations * 5) / 6));
  const perRun = Math.max(1, Math.floor(globalBudget / runs));
  const mostRuns = runs * RESTART_FACTOR;
  let global: SearchResult | undefined;
  let globalEvaluations = 0;
  const found: number[] = [];
  for (let run = 0; run < mostRuns; run++) {
    const left = globalBudget - globalEvaluations;
    if (run >= runs) {
      if (confirmations(found) >= CONFIRMING_RUNS) break;
      const typical = globalEvaluations / run;
      if (left < typical || (deadline !== undefined && performance.now() > deadline)) break;
    }
    const { populationScale, ...variant } = PORTFOLIO[run % PORTFOLIO.length];
    const next = differentialEvolution(minimised, bounds, {
      ...variant,
      populationSize: Math.round(populationScale * defaultPopulationSize(bounds.lower.length)),
      ...options.globalSearch,
      seed: run === 0 ? (options.seed ?? 1) : deriveSeed(options.seed ?? 1, `run${run}`),
      maxEvaluations: run < runs ? perRun : left,
      deadline,
    });
    globalEvaluations += next.evaluations;
    found.push(next.value);
    if (global === undefined || next.value < global.value) global = next;
  }
  if (global === undefined) throw new Error('unreachable: at least one global run');
  let x = global.x;
  let value = global.value;
  let local: OptimizeResult['local'] = null;
  if (epsilon > 0) {
    const step = Math.min(epsilon, 100) / 100;
    const remaining = Math.max(2, maxEvaluations - globalEvaluations);
    const polished = nelderMead(minimised, global.x, bounds, {
      step,
      maxEvaluations: Math.floor(remaining / 2),
      deadline,
    });
    const walked = compassSearch(minimised, polished.x, bounds, {
      step,
      maxEvaluations: Math.max(1, remaining - polished.evaluations),
      deadline,
    });
    local = {
      value: sign * walked.value,
      evaluations: polished.evaluations + walked.evaluations,
      converged: walked.converged,
    };
    if (walked.value <= value) {
      x = walked.x;
      value = walked.value;
    }
  }
  let evaluations = globalEvaluations + (local?.evaluations ?? 0);
  if (Number.isFinite(value)) {
    const snapped = snapToBounds(minimised, x, value, bounds);
    evaluations += snapped.evaluations;
    x = snapped.x;
    value = snapped.value;
  }
  if (!Number.isFinite(value)) throw new NonFiniteObjectiveError(evaluations);
  return {
    direction,
    x,
    value: sign * value,
    evaluations,
    elapsedMs: performance.now() - started,
    global: {
      value: sign * global.value,
      evaluations: globalEvaluations,
      generations: global.iterations,
      converged: global.converged,
    },
    local,
  };
}

/**
 * Moves coordinates that ended within 1e-6 of a bound's width onto the bound when that is no worse:
 * the simplex stops a hair short of a corner optimum, and a user expects the corner itself.
 */
function snapToBounds(
  objective: Objective,
  x: Float64Array,
  value: number,
  bounds: Bounds,
): { x: Float64Array; value: number; evaluations: number } {
  let evaluations = 0;
  const candidate = Float64Array.from(x);
  for (let j = 0; j < x.length; j++) {
    const lo = bounds.lower[j];
    const hi = bounds.upper[j];
    const near = 1e-6 * (hi - lo);
    const target = x[j] - lo <= near ? lo : hi - x[j] <= near ? hi : undefined;
    if (target === undefined || target === x[j]) continue;
    candidate[j] = target;
    evaluations++;
    const v = objective(candidate);
    if (v <= value) {
      value = v;
      x = Float64Array.from(candidate);
    } else {
      candidate[j] = x[j];
    }
  }
  return { x, value, evaluations };
}
