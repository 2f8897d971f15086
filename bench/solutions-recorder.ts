// What the solutions benchmark learns from a running worker: every retrain (when it started, whether
// it trained, the window it learnt from) and every prediction (the champion version that made it and
// when its transaction committed), taken from the runners' own events in this process. A prediction
// is emitted while its step runs and becomes visible to read_committed consumers only when the
// step's transaction commits: the 'step' event, emitted after the commit, stamps the predictions
// buffered since the previous step with that commit time.
import type { SolutionRunner } from '../src/solutions/runner.js';

export interface RetrainRecord {
  /** When the retrain started (the runner's `lastRetrainAt`, ms since the epoch). */
  startedAt: number;
  trained: boolean;
  promoted: boolean;
  trigger: string;
  /** Champion version after this retrain (0 before the first). */
  version: number;
  /** Offsets [first, last] of the window, of the dependent variable's topic. */
  window?: [number, number];
  /** Order among this solution's events (retrains and predictions). */
  seq: number;
  elapsedMs: number;
}

/** The recorded history of one solution. */
export class SolutionTrace {
  readonly retrains: RetrainRecord[] = [];
  /** Predictions, in the order they were made: model version, event order and commit time. */
  readonly predictionVersion: number[] = [];
  readonly predictionSeq: number[] = [];
  readonly predictionCommittedAt: number[] = [];
  readonly problems: string[] = [];
  #seq = 0;
  #pending: number[] = [];

  constructor(
    readonly name: string,
    /** The key `topic/0` of the dependent variable's topic in lineages. */
    readonly windowKey: string,
  ) {}

  attach(runner: SolutionRunner): void {
    runner.on('retrain', (event) => {
      const outcome = event.outcome;
      const window = outcome.trained ? outcome.lineage[this.windowKey] : undefined;
      this.retrains.push({
        startedAt: event.state.lastRetrainAt,
        trained: outcome.trained,
        promoted: outcome.trained && outcome.promoted,
        trigger: event.trigger,
        version: outcome.trained ? outcome.champion.version : event.state.championVersion,
        window: window === undefined ? undefined : [window[0], window[1]],
        seq: this.#seq++,
        elapsedMs: outcome.trained ? outcome.elapsedMs : 0,
      });
    });
    runner.on('prediction', (event) => {
      this.#pending.push(this.predictionVersion.length);
      this.predictionVersion.push(event.modelVersion);
      this.predictionSeq.push(this.#seq++);
      this.predictionCommittedAt.push(Number.NaN);
    });
    runner.on('step', () => {
      const now = Date.now();
      for (const i of this.#pending) this.predictionCommittedAt[i] = now;
      this.#pending = [];
    });
    // A failed step (its transaction aborted) emits no 'step' but a problem; the runner then starts
    // again from its committed offsets. Problems are counted and reported: a clean run has none.
    runner.on('problem', (problem) => {
      this.problems.push(problem.message);
    });
  }
}
