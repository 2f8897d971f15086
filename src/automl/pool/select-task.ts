// A whole model selection as ONE pool task: its candidates run one after another on the pool
// thread, inline (see `wholeOnPoolMaxCells` in selection/select.ts). Loaded by a worker thread at
// its first such task.
import { selectModel } from '../selection/select.js';
import { readWindow } from './shared-window.js';
import { taskFailure } from './task-failure.js';
import type { SelectResult, SelectTask, TaskOutcome } from './tasks.js';

export async function runSelectTask(task: SelectTask): Promise<TaskOutcome<SelectResult>> {
  try {
    const data = readWindow(task, task.featureNames, task.targetName);
    // the budget counts from the caller's start: time queued for a thread is spent too
    const queuedMs = Math.max(0, Date.now() - task.postedAtEpochMs);
    const selection = await selectModel(data, {
      ...task.options,
      startedAt: performance.now() - queuedMs - task.spentBeforeMs,
    });
    return { ok: true, selection };
  } catch (error) {
    return taskFailure(error);
  }
}
