// Entry point of a training worker thread (loaded by piscina from the compiled dist/ file).
import { runTask } from './run-task.js';
import type { PoolTask } from './tasks.js';

export default function run(task: PoolTask): ReturnType<typeof runTask> | Promise<unknown> {
  if (task.kind === 'optimize' || task.kind === 'importances') {
    return import('./model-tasks.js').then(({ runModelTask }) => runModelTask(task));
  }
  if (task.kind === 'oneStep') {
    return import('./one-step-task.js').then(({ runOneStep }) => runOneStep(task));
  }
  if (task.kind === 'select') {
    return import('./select-task.js').then(({ runSelectTask }) => runSelectTask(task));
  }
  return runTask(task);
}
