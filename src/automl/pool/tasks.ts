// Messages between the selection (calling thread) and the training workers. Only plain data and the
// shared window's buffer cross the thread boundary.

import type { Hyperparameters, ModelParameters } from '../algorithm.js';
import type { Split } from '../data/splits.js';
import type { Task } from '../dataset.js';
import type { ModelJSON } from '../model.js';
import type { ModelOptimization, OptimizeModelRequest } from '../optimize/optimize-model.js';
import type { SelectionResult, SelectOptions } from '../selection/select.js';

/** One configuration on the shared window (rows × features, then the target, in `buffer`). */
interface ConfigurationOnWindow {
  buffer: SharedArrayBuffer;
  rows: number;
  features: number;
  task: Task;
  algorithm: string;
  hyperparameters: Hyperparameters;
}

/** Score one candidate on the splits (holdout and, optionally, rolling-origin folds). */
export interface EvaluateTask extends ConfigurationOnWindow {
  kind: 'evaluate';
  splits: Split[];
  /** Let learners that stop early watch the (single) holdout: evaluate.ts. Default false. */
  earlyStopping?: boolean;
}

/** Fit the champion on the whole window and return its model JSON. */
export interface FitTask extends ConfigurationOnWindow {
  kind: 'fit';
  featureNames: string[];
  targetName: string;
  metrics: Record<string, number>;
  /** A cancellation flag (cancellation.ts): set when a refit started early is no longer needed. */
  cancel?: SharedArrayBuffer;
}

/**
 * The optimal inputs of a trained model: a search of up to its time budget, kept off the calling
 * thread (a solution's promotion runs one after each new champion).
 */
export interface OptimizeTask {
  kind: 'optimize';
  model: ModelJSON;
  request: OptimizeModelRequest;
}

/** A trained model's feature importances on the newest rows of its window (Model.importances). */
export interface ImportancesTask {
  kind: 'importances';
  model: ModelJSON;
  x: Float64Array;
  rows: number;
}

/** A whole selection on one pool thread (select-task.ts). */
export interface SelectTask {
  kind: 'select';
  buffer: SharedArrayBuffer;
  rows: number;
  features: number;
  featureNames: string[];
  targetName: string;
  /** The selection's options, without the pool (its candidates run inline on the thread). */
  options: Omit<SelectOptions, 'pool' | 'startedAt'>;
  /** When the caller posted the task (Date.now(): thread clocks have different origins). */
  postedAtEpochMs: number;
  /** Budget the caller had spent before posting (reading the window, ...). */
  spentBeforeMs: number;
}

/** Rolling-origin predictions of a configuration on the newest rows (selection/one-step.ts). */
export interface OneStepTask extends ConfigurationOnWindow {
  kind: 'oneStep';
  /** The first row predicted; the rows after it up to the window's newest are predicted too. */
  from: number;
  /** How many refits: the rows are cut into this many blocks, each predicted by a fit on the rows before it. */
  origins: number;
}

export interface OneStepResult {
  ok: true;
  predictions: Float64Array;
}

export interface SelectResult {
  ok: true;
  selection: SelectionResult;
}

export type TrainingTask = EvaluateTask | FitTask;

/** Every task a pool thread runs. */
export type PoolTask = TrainingTask | OptimizeTask | ImportancesTask | SelectTask | OneStepTask;

/** Errors travel as data: structured clone keeps neither the class nor its extra fields. */
export interface TaskFailure {
  ok: false;
  /** `invalidInput`: an InvalidInputError (or a subclass), the caller's input to fix. */
  error: { name: string; message: string; invalidInput?: boolean };
}

export interface EvaluateResult {
  ok: true;
  parameters: ModelParameters;
  metrics: Record<string, number>;
  fitMs: number;
  /** Holdout predictions of the newest split (dropped by the selection once out of its top few). */
  predictions?: Float64Array;
  /** The configuration to refit with, when early stopping changed it (evaluate.ts). */
  refitHyperparameters?: Hyperparameters;
}

export interface FitResult {
  ok: true;
  model: ModelJSON;
  fallbacks: string[];
  fitMs: number;
}

export interface OptimizeTaskResult {
  ok: true;
  optimization: ModelOptimization;
}

export interface ImportancesResult {
  ok: true;
  importances: Record<string, number>;
}

export type TaskOutcome<T> = T | TaskFailure;
