// A bound on a call's work (VIPER's `timeout` on the anomaly steps): counted from when the request
// arrived; a step checks it before its first write, so a call past its bound writes nothing.
import { StepInputError } from './errors.js';

export interface Deadline {
  /** `performance.now()` at which the bound passes. */
  at: number;
  seconds: number;
}

/** The deadline `seconds` after `startedAt` (a `performance.now()` reading); 0 < seconds <= 86400. */
export function deadlineAfter(startedAt: number, seconds: number): Deadline {
  if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 86_400)) {
    throw new StepInputError(
      'timeoutSeconds',
      `must be from 0 to 86400 seconds (exclusive of 0), got ${seconds}`,
    );
  }
  return { at: startedAt + seconds * 1000, seconds };
}

/** Throws, naming `timeoutSeconds`, when the deadline has passed. */
export function checkDeadline(deadline: Deadline | undefined): void {
  if (deadline !== undefined && performance.now() > deadline.at) {
    throw new StepInputError(
      'timeoutSeconds',
      `of ${deadline.seconds} s passed before the work was done; nothing was written`,
    );
  }
}
