// The body of a training task, shared by the worker thread and the inline path.

import { runCancellable } from '../cancellation.js';
import { InvalidInputError } from '../errors.js';
import { Model } from '../model.js';
import { evaluateCandidate } from '../selection/evaluate.js';
import { readWindow } from './shared-window.js';
import { optimizeModel } from '../optimize/optimize-model.js';
import type {
  EvaluateResult,
  EvaluateTask,
  FitResult,
  FitTask,
  ImportancesResult,
  ImportancesTask,
  OptimizeTask,
  OptimizeTaskResult,
  PoolTask,
  TaskOutcome,
} from './tasks.js';

type AnyResult = EvaluateResult | FitResult | OptimizeTaskResult | ImportancesResult;

export function runTask(task: EvaluateTask): TaskOutcome<EvaluateResult>;
export function runTask(task: FitTask): TaskOutcome<FitResult>;
export function runTask(task: OptimizeTask): TaskOutcome<OptimizeTaskResult>;
export function runTask(task: ImportancesTask): TaskOutcome<ImportancesResult>;
export function runTask(task: PoolTask): TaskOutcome<AnyResult>;
export function runTask(task: PoolTask): TaskOutcome<AnyResult> {
  try {
    if (task.kind === 'importances') {
      return { ok: true, importances: Model.fromJSON(task.model).importances(task.x, task.rows) };
    }
    if (task.kind === 'optimize') {
      return { ok: true, optimization: optimizeModel(Model.fromJSON(task.model), task.request) };
    }
    if (task.kind === 'evaluate') {
      const data = readWindow(task);
      const r = evaluateCandidate(data, task.task, task.algorithm, task.hyperparameters, task.splits);
      return { ok: true, ...r };
    }
    const data = readWindow(task, task.featureNames, task.targetName);
    const started = performance.now();
    const model = runCancellable(task.cancel, () =>
      Model.fit(task.algorithm, data, task.hyperparameters, task.task, { metrics: task.metrics }),
    );
    return {
      ok: true,
      model: model.toJSON(),
      fallbacks: [...model.fallbacks],
      fitMs: performance.now() - started,
    };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const invalidInput = e instanceof InvalidInputError;
    return {
      ok: false,
      error: { name: e.name, message: e.message, ...(invalidInput ? { invalidInput } : {}) },
    };
  }
}
