// Waiting for a topic to hold records (VIPER's `timedelay` on preprocesscustomjson and
// nlpsearchanomaly, "delay to wait for response from Kafka"): a step that reads a window waits up to
// `waitMs` for the topic to hold `atLeast` records before it reads, so a call made just before the
// data lands still finds it. The wait polls the topic's offsets (no record is read) and never holds
// the event loop; past the wait the step reads what is there and fails as it would without one.
import { setTimeout as delay } from 'node:timers/promises';
import type { Backbone } from '../backbone/types.js';
import { StepInputError } from './errors.js';

/** The longest wait a step accepts (a minute, as consume's read wait). */
export const MAX_STEP_WAIT_MS = 60_000;
const POLL_MS = 100;

/** Returns once `topic` holds at least `atLeast` records, or when `waitMs` has passed. */
export async function waitForRecords(
  backbone: Backbone,
  topic: string,
  waitMs: number | undefined,
  atLeast = 1,
): Promise<void> {
  const wait = waitMs ?? 0;
  if (!(Number.isFinite(wait) && wait >= 0 && wait <= MAX_STEP_WAIT_MS)) {
    throw new StepInputError('waitMs', `must be from 0 to ${MAX_STEP_WAIT_MS} ms, got ${wait}`);
  }
  const deadline = Date.now() + wait;
  for (;;) {
    const offsets = await backbone.listOffsets(topic);
    if (offsets.reduce((n, p) => n + (p.latest - p.earliest), 0) >= atLeast) return;
    const left = deadline - Date.now();
    if (left <= 0) return;
    await delay(Math.min(POLL_MS, left));
  }
}
