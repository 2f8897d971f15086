// Waiting in tests: a plain pause, and polling until a condition holds.
import { setTimeout as pause } from 'node:timers/promises';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => pause(ms);

/** Polls `check` until it holds or `timeoutMs` passes; the last failure is thrown. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}
