// Cooperative cancellation of a fit on a worker thread. The selection refits its leader on a spare
// thread before the search has ended (select.ts); when a later candidate overtakes that leader, the
// refit is worth nothing and its thread is worth more to the candidates still queued. A worker
// cannot be interrupted, so the long learners (boosting, forests) look at a flag in shared memory
// once per tree and stop with FitCancelledError.
//
// The flag is ambient (set around the task by run-task.ts) rather than a parameter: every learner
// shares the Algorithm.fit signature, and only the few with long loops need to look at it.

import { AutoMLError } from './errors.js';

/** The fit was cancelled by the caller (its result was no longer needed); not a failure of the data. */
export class FitCancelledError extends AutoMLError {
  constructor() {
    super('fit cancelled: its result was no longer needed');
  }
}

/** A flag a worker can see: one Int32 in a SharedArrayBuffer, 0 = run, 1 = cancelled. */
export function cancellationFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

export function cancel(flag: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(flag), 0, 1);
}

let current: Int32Array | null = null;

/** Runs `fn` with `flag` as the current cancellation flag of this thread (none: never cancelled). */
export function runCancellable<T>(flag: SharedArrayBuffer | undefined, fn: () => T): T {
  const previous = current;
  current = flag === undefined ? null : new Int32Array(flag);
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Throws FitCancelledError if the current task has been cancelled; costs one atomic load. */
export function throwIfCancelled(): void {
  if (current !== null && Atomics.load(current, 0) !== 0) throw new FitCancelledError();
}
