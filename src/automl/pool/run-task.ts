// The body of a training task, shared by the worker thread and the inline path.

import { runCancellable } from '../cancellation.js';
import { Model } from '../model.js';
import { evaluateCandidate } from '../selection/evaluate.js';
import { readWindow } from './shared-window.js';
import type { EvaluateResult, EvaluateTask, FitResult, FitTask, TaskOutcome, TrainingTask } from './tasks.js';

export function runTask(task: EvaluateTask): TaskOutcome<EvaluateResult>;
export function runTask(task: FitTask): TaskOutcome<FitResult>;
export function runTask(task: TrainingTask): TaskOutcome<EvaluateResult | FitResult>;
export function runTask(task: TrainingTask): TaskOutcome<EvaluateResult | FitResult> {
  try {
    if (task.kind === 'evaluate') {
      const data = readWindow(task);
      const r = evaluateCandidate(
        data,
        task.task,
        task.algorithm,
        task.hyperparameters,
        task.splits,
        task.earlyStopping === true,
      );
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
    return { ok: false, error: { name: e.name, message: e.message } };
  }
}
