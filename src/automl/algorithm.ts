import type { Dataset, Task } from './dataset.js';

/** Hyperparameters are plain data, as scikit-learn's `get_params()`. */
export type Hyperparameters = Record<string, number | string | boolean>;

/** JSON-safe learnt parameters of one algorithm (arrays of numbers, base64 strings, nested objects). */
export type ModelParameters = Record<string, unknown>;

/** What a candidate search may know about the window when it proposes hyperparameters. */
export interface SearchSpace {
  rows: number;
  features: number;
  task: Task;
}

/** Optional inputs of a fit beyond its training rows. */
export interface FitControls {
  /**
   * The selection's holdout rows, standardised as the training rows: a learner that stops early
   * (GBDT) may watch its loss on them instead of holding out rows of its own. Never learnt from.
   */
  validation?: Dataset;
}

/**
 * One learning algorithm. Stateless: `fit` returns plain parameters and `predict` reads them, so a
 * model is data (DESIGN.md §4) that travels through topics and worker threads as JSON.
 * Inputs reach `fit` and `predict` already standardised by the model (see model.ts).
 */
export interface Algorithm {
  /** Stable id used in model JSON and the leaderboard, e.g. `ridge`, `gbdt`. */
  readonly name: string;
  readonly tasks: readonly Task[];
  /** Built by the selection from other algorithms' models (the ensemble), never planned itself. */
  readonly composite?: boolean;
  /** Hyperparameters used when the search has room for a single candidate. */
  defaults(space: SearchSpace): Hyperparameters;
  /** Candidate hyperparameter sets, most promising first; `random` is a seeded U[0,1) source. */
  candidates(space: SearchSpace, count: number, random: () => number): Hyperparameters[];
  fit(data: Dataset, hyperparameters: Hyperparameters, task: Task, controls?: FitControls): ModelParameters;
  /**
   * The configuration a refit on the whole window should use after a fit with
   * `controls.validation` (e.g. the rounds early stopping kept, so that the refit needs no
   * validation rows and grows no tree the holdout found useless). Default: the same.
   */
  refitHyperparameters?(hyperparameters: Hyperparameters, parameters: ModelParameters): Hyperparameters;
  /**
   * Writes one prediction per row of `x` (rows × features, row-major) into `out`;
   * for classification, the probability of class 1.
   */
  predict(
    parameters: ModelParameters,
    x: Float64Array,
    rows: number,
    features: number,
    out: Float64Array,
  ): void;
}
