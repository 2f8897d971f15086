// A pool of worker threads for candidate fits. piscina over worker_threads, not child processes:
// threads share the window's SharedArrayBuffer and start 2× faster (ml-stack.md §4).

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type {
  EvaluateResult,
  EvaluateTask,
  FitResult,
  FitTask,
  ImportancesResult,
  ImportancesTask,
  OneStepResult,
  OneStepTask,
  OptimizeTask,
  OptimizeTaskResult,
  PoolTask,
  SelectResult,
  SelectTask,
  TaskOutcome,
} from './tasks.js';

type AnyResult =
  EvaluateResult | FitResult | OptimizeTaskResult | ImportancesResult | SelectResult | OneStepResult;

export interface TrainingPoolOptions {
  /** Default: os.availableParallelism() — training is CPU-bound, more threads only queue. */
  maxThreads?: number;
  /** Idle threads exit after this many ms (default 30 s), so an idle process holds no CPU. */
  idleTimeout?: number;
}

/**
 * The compiled worker sits next to this file in dist/. When this module runs from TypeScript
 * sources (tsx, during development) there is no .js beside it, so the .ts is used and the workers
 * inherit the parent's `--import tsx` through their default execArgv.
 */
function workerFile(): string {
  const compiled = fileURLToPath(new URL('./worker.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('./worker.ts', import.meta.url));
}

export class TrainingPool {
  private readonly piscina: Piscina;
  private closed = false;
  /** Tasks handed to piscina and not settled yet. */
  #inFlight = 0;

  constructor(options: TrainingPoolOptions = {}) {
    const maxThreads = options.maxThreads ?? availableParallelism();
    this.piscina = new Piscina({
      filename: workerFile(),
      maxThreads,
      minThreads: Math.min(1, maxThreads),
      idleTimeout: options.idleTimeout ?? 30_000,
    });
  }

  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  /** Every thread has a task (running or queued): a new task would wait for one to finish. */
  get busy(): boolean {
    return this.#inFlight >= this.threads;
  }

  run(task: EvaluateTask): Promise<TaskOutcome<EvaluateResult>>;
  run(task: FitTask): Promise<TaskOutcome<FitResult>>;
  run(task: OptimizeTask): Promise<TaskOutcome<OptimizeTaskResult>>;
  run(task: ImportancesTask): Promise<TaskOutcome<ImportancesResult>>;
  run(task: SelectTask): Promise<TaskOutcome<SelectResult>>;
  run(task: OneStepTask): Promise<TaskOutcome<OneStepResult>>;
  run(task: PoolTask): Promise<TaskOutcome<AnyResult>> {
    if (this.closed) return Promise.reject(new Error('training pool is closed'));
    this.#inFlight++;
    const done = () => {
      this.#inFlight--;
    };
    const run = this.piscina.run(task) as Promise<TaskOutcome<AnyResult>>;
    run.then(done, done);
    return run;
  }

  /** Waits for running tasks, then stops the threads so the process can exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.close();
  }
}
