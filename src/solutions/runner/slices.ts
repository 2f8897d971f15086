// A step handles up to a few thousand rows and a restart replays up to 20,000: done in one stretch
// it would hold the event loop — every other runner, the server, the console's live streams — for
// hundreds of ms. The work is cut into slices of bounded time; between slices the event loop runs
// whatever waits (setImmediate: after pending I/O). A step's transaction still covers all its rows:
// slicing changes when rows are handled, not what is committed together or in which order.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one slice may hold the event loop before it gives it back. */
export const SLICE_BUDGET_MS = 5;

export class Slices {
  #since = performance.now();
  /** How many times the event loop was given back. */
  yields = 0;

  constructor(private readonly budgetMs = SLICE_BUDGET_MS) {}

  /** Gives the event loop back once this slice has used its budget (call between units of work). */
  async next(): Promise<void> {
    if (performance.now() - this.#since < this.budgetMs) return;
    await this.yield();
  }

  /** Gives the event loop back now (after a unit of work known to be long). */
  async yield(): Promise<void> {
    await nextTurn();
    this.yields++;
    this.#since = performance.now();
  }
}
