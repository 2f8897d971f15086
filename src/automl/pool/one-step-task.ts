// Rolling-origin predictions of a configuration as one pool task (selection/one-step.ts): a
// streaming learner's challenger check, kept off the row path. Loaded by a worker thread at its
// first such task.
import { oneStepPredictions } from '../selection/one-step.js';
import { readWindow } from './shared-window.js';
import { taskFailure } from './task-failure.js';
import type { OneStepResult, OneStepTask, TaskOutcome } from './tasks.js';

export function runOneStep(task: OneStepTask): TaskOutcome<OneStepResult> {
  try {
    return { ok: true, predictions: oneStepPredictions(readWindow(task), task, task.from, task.origins) };
  } catch (error) {
    return taskFailure(error);
  }
}
