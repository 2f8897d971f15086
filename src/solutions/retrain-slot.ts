// A retrain off the row path (a spec's `retrain.background`): the learner's retrain runs on the
// training pool while rows go on being predicted by the current champion; its outcome waits here
// until the loop takes it (the runner publishes it with the step in which it is taken). At most one
// retrain per learner is in flight — a trigger that comes meanwhile is kept, and the loop asks again
// once the outcome is taken, so the next retrain cuts a window the new champion has not seen.
// With `retrain.refresh`, each due trigger also fits the champion's configuration again inline on
// the newest window (requestAndRefresh), so the rows until the retrain lands are predicted by
// parameters that learnt the latest rows. The solution runner and `bench:solutions-accuracy` share
// this unit, so the bench measures the policy solutions run.
import type { RefreshOutcome, RetrainOutcome, WindowLearner } from './learner.js';

export interface SettledRetrain<T> {
  outcome: RetrainOutcome;
  trigger: T;
  /** The time the retrain cut its window. */
  at: number;
}

export class RetrainSlot<T> {
  #inflight?: Promise<void>;
  #settled?: SettledRetrain<T>;
  #queued?: T;

  /** A retrain is running, or finished and not yet taken. */
  get busy(): boolean {
    return this.#inflight !== undefined || this.#settled !== undefined;
  }

  /** A finished retrain waits to be taken. */
  get ready(): boolean {
    return this.#settled !== undefined;
  }

  /** A trigger that came while a retrain was busy (to be asked again after `take`). */
  get queued(): T | undefined {
    return this.#queued;
  }

  /**
   * Starts a retrain of `learner` on its window as of `now`, unless one is busy: then the trigger is
   * kept (the first one kept wins; a later one adds nothing: the next retrain sees every row).
   */
  request(learner: WindowLearner, trigger: T, now: number): void {
    if (this.busy) {
      this.#queued ??= trigger;
      return;
    }
    // learner.retrain never rejects on the data; a failure of the pool itself (closed at shutdown)
    // becomes a retrain that did not train, so nothing is left unhandled
    this.#inflight = learner.retrain(now).then(
      (outcome) => {
        this.#settled = { outcome, trigger, at: now };
        this.#inflight = undefined;
      },
      (error: unknown) => {
        this.#settled = {
          outcome: { trained: false, reason: `training failed: ${(error as Error).message}`, rows: 0 },
          trigger,
          at: now,
        };
        this.#inflight = undefined;
      },
    );
  }

  /**
   * A due trigger off the row path: `request`, then with `refresh` the champion's configuration
   * fitted again inline (`WindowLearner.refresh`) when due (refreshIfDue). The retrain is started first:
   * it competes with the champion as it was before this row's refresh, judged on the rows since
   * that one's fit. Undefined when no refresh was due.
   */
  async requestAndRefresh(
    learner: WindowLearner,
    trigger: T,
    now: number,
    refresh?: { everyRecords?: number },
  ): Promise<RefreshOutcome | undefined> {
    this.request(learner, trigger, now);
    return refreshIfDue(learner, trigger === 'records', now, refresh);
  }

  /**
   * `take`, and with `refresh`, a champion the retrain promoted (fitted on the window as of its
   * trigger) fitted again inline on the newest rows when as many arrived since as a records trigger
   * needs — so no row is predicted by the parameters of a window older than the refreshes'.
   */
  async takeAndRefresh(
    learner: WindowLearner,
    now: number,
    refresh?: { everyRecords?: number },
  ): Promise<((SettledRetrain<T> & { queued?: T }) & { refreshed?: RefreshOutcome }) | undefined> {
    const settled = this.take();
    if (settled === undefined || !settled.outcome.trained || !settled.outcome.promoted) return settled;
    const refreshed = await refreshIfDue(learner, true, now, refresh);
    return refreshed === undefined ? settled : { ...settled, refreshed };
  }

  /**
   * A refresh on a row that triggers no retrain, for a refresh cadence of its own (a spec's
   * `retrain.refresh.everyRecords`, below the retrain's): the champion's configuration fitted again
   * once `everyRecords` rows arrived since its last fit. Undefined when none was due.
   */
  async refreshWhenDue(
    learner: WindowLearner,
    now: number,
    refresh: { everyRecords?: number },
  ): Promise<RefreshOutcome | undefined> {
    return refreshIfDue(learner, true, now, refresh);
  }

  /** The finished retrain, once; the trigger kept meanwhile is handed back with it. */
  take(): (SettledRetrain<T> & { queued?: T }) | undefined {
    const settled = this.#settled;
    if (settled === undefined) return undefined;
    this.#settled = undefined;
    const queued = this.#queued;
    this.#queued = undefined;
    return queued === undefined ? settled : { ...settled, queued };
  }

  /** Waits for the retrain in flight, if any (its outcome is then ready to take). */
  async settle(): Promise<void> {
    await this.#inflight;
  }
}

/**
 * The inline refresh's cadence: on a `records` trigger once `everyRecords` rows arrived since the
 * champion's last fit (a trigger kept while a retrain runs comes again on every row), on any other
 * trigger once a row did.
 */
async function refreshIfDue(
  learner: WindowLearner,
  records: boolean,
  now: number,
  refresh?: { everyRecords?: number },
): Promise<RefreshOutcome | undefined> {
  if (refresh === undefined) return undefined;
  const due = records ? (refresh.everyRecords ?? 1) : 1;
  if (learner.rowsSinceFit < due) return undefined;
  return learner.refresh(now);
}
