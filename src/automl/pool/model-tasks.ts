// The pool's tasks on a trained model (its optimal inputs, its importances): work a solution's
// promotion keeps off the event loop. Loaded by a worker thread at its first such task, so threads
// that only train start as before.
import { Model } from '../model.js';
import { optimizeModel } from '../optimize/optimize-model.js';
import { taskFailure } from './task-failure.js';
import type {
  ImportancesResult,
  ImportancesTask,
  OptimizeTask,
  OptimizeTaskResult,
  TaskOutcome,
} from './tasks.js';

export type ModelTask = OptimizeTask | ImportancesTask;

export function runModelTask(task: ModelTask): TaskOutcome<OptimizeTaskResult | ImportancesResult> {
  try {
    const model = Model.fromJSON(task.model);
    if (task.kind === 'importances') {
      return { ok: true, importances: model.importances(task.x, task.rows) };
    }
    return { ok: true, optimization: optimizeModel(model, task.request) };
  } catch (error) {
    // errors cross the thread as data: an InvalidInputError (bad constraints) is marked as such
    return taskFailure(error);
  }
}
