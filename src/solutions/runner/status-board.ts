// A runner's status as readers see it (condition, recent problems, counters, champions), and when
// it is due to be published again.
import type { SolutionCondition, SolutionProblem, SolutionStatus } from '../catalog-types.js';

const STATUS_EVERY_MS = 1000;
const PROBLEMS_KEPT = 20;

export class StatusBoard {
  readonly status: SolutionStatus;
  #dirty = true;
  #writtenAt = 0;
  #lastProblem = '';

  constructor(
    workerId: string,
    private readonly now: () => number,
    private readonly onProblem: (problem: SolutionProblem) => void,
  ) {
    this.status = {
      condition: 'starting',
      problems: [],
      retrains: 0,
      predictions: 0,
      driftEvents: 0,
      champions: {},
      worker: workerId,
      updatedAt: now(),
    };
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  markDirty(): void {
    this.#dirty = true;
  }

  /** Changed since it was last published, or not published for a while. */
  due(now: number): boolean {
    return this.#dirty || now - this.#writtenAt >= STATUS_EVERY_MS;
  }

  /** The status record's value as of `now`. */
  value(incarnation: string, now: number): string {
    this.status.updatedAt = now;
    return JSON.stringify({ ...this.status, incarnation });
  }

  /** The status record was committed. */
  written(now: number): void {
    this.#writtenAt = now;
    this.#dirty = false;
  }

  setCondition(condition: SolutionCondition): void {
    if (this.status.condition === condition) return;
    this.status.condition = condition;
    this.#dirty = true;
  }

  /** A problem, reported once until another one comes. */
  problem(message: string, condition: SolutionCondition = 'problem'): void {
    this.setCondition(condition);
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    const problem = { at: this.now(), message };
    this.status.problems.push(problem);
    if (this.status.problems.length > PROBLEMS_KEPT) this.status.problems.shift();
    this.#dirty = true;
    this.onProblem(problem);
  }
}
