// Running a selection's candidates: on the calling thread, or on the training pool with the
// leader's refit overlapping the search, each within the selection's time budget.

import { type Split } from '../data/splits.js';
import type { Task } from '../dataset.js';
import { cancel, cancellationFlag } from '../cancellation.js';
import { runTask } from '../pool/run-task.js';
import { type SharedWindow } from '../pool/shared-window.js';
import type { EvaluateResult, FitResult, FitTask, TaskOutcome } from '../pool/tasks.js';
import type { TrainingPool } from '../pool/training-pool.js';
import { estimatedCostNs, type Candidate } from './candidates.js';
import { selectionScore } from './champion.js';
import { ENSEMBLE_CANDIDATES } from './ensemble.js';

export type Outcomes = Map<number, TaskOutcome<EvaluateResult>>;
export type EarlyRefits = Map<number, Promise<TaskOutcome<FitResult>>>;

interface EarlyRefit {
  index: number;
  flag: SharedArrayBuffer;
  /** Settles when the task has left its thread (finished, failed or stopped by the flag). */
  done: Promise<void>;
  cancelled: boolean;
}

/**
 * Off by default (Infinity): a speculative refit (see evaluateOnPool) bets that the first long
 * candidate to finish stays the leader. Measured on the bench windows (2 threads, median of 3,
 * load average 8–12, threshold 50 ms): 20,000 × 5 nonlinear 2,517 ms against 1,669 without (a
 * random forest finishes first, is refitted, then overtaken by one GBDT, then by the other: two
 * refits thrown away while the GBDTs waited for a thread), 5,000 × 50 classification 2,816
 * against 2,714 and 5,000 × 50 nonlinear 4,604 against 4,307 (no gain: the first GBDT's refit
 * waits behind an already queued candidate, then shares the two cores with the other GBDT).
 */
export const SPECULATIVE_REFIT_MIN_MS = Infinity;

/**
 * With a pool, on a window of at most `inlineMaxCells`, candidates estimated below this (linear
 * models on micro-model windows: ~0.1 ms) are evaluated on the calling thread while the workers
 * fit the long ones: a round trip to a worker (~0.1–0.3 ms, more under load) costs more than such
 * a fit. On larger windows they are the first tasks posted. Either way they are scored first, and
 * their scores decide whether the long candidates' refit can start early (see settled below).
 */
export const INLINE_CANDIDATE_NS = 500_000;
/**
 * A candidate estimated above this is posted only when a thread is free: a task queued ahead in
 * piscina could not be overtaken by the leader's refit. Cheaper ones are queued one ahead so a
 * thread does not wait for the calling thread between two short fits.
 */
export const QUEUE_AHEAD_MAX_NS = 2_000_000;
/**
 * The leader is "settled" once every candidate still unscored is cheap next to it (each estimated
 * below this share of the leader's cost) and none is a tree ensemble or a GP, the families that
 * overtake on nonlinear windows. Its refit then starts on the next free thread while the cheap
 * rest (k-NN, logistic, CART) share the other, instead of after them, one thread idle.
 */
export const SETTLED_COST_SHARE = 0.25;
const OVERTAKING_FAMILIES = new Set(['gbdt', 'random_forest', 'extra_trees', 'gp']);
/** A leader whose holdout fit took less than this is refitted after the search as before. */
export const SETTLED_MIN_FIT_MS = 2;

/**
 * Keeps a selection inside its time budget: a candidate is launched only if its estimated cost
 * (estimatedCostNs, rescaled by how long the finished candidates actually took against their
 * estimates, so a loaded or faster machine is accounted for) ends before the budget, minus the
 * refit of the current leader on the whole window (a holdout fit scaled by 1 / training share).
 * Without it, a candidate launched just before the deadline (a GP on 1,500 rows, a 500-round GBDT)
 * could run several times the budget.
 */
class BudgetClock {
  private estimatedMs = 0;
  private actualMs = 0;

  constructor(
    private readonly started: number,
    private readonly budgetMs: number,
    private readonly costNs: readonly number[],
    private readonly refitScale: number,
  ) {}

  /** The measured ÷ estimated time of the candidates scored so far (1 before any). */
  private scale(): number {
    return this.estimatedMs > 0 ? Math.max(0.25, this.actualMs / this.estimatedMs) : 1;
  }

  record(index: number, fitMs: number): void {
    this.estimatedMs += this.costNs[index] / 1e6;
    this.actualMs += fitMs;
  }

  over(): boolean {
    return performance.now() - this.started >= this.budgetMs;
  }

  /** Whether candidate `index`, started now, is expected to end in time for the leader's refit. */
  fits(index: number, leader: number): boolean {
    const scale = this.scale();
    const refit = leader < 0 ? 0 : (scale * this.refitScale * this.costNs[leader]) / 1e6;
    const end = performance.now() - this.started + (scale * this.costNs[index]) / 1e6 + refit;
    return end <= this.budgetMs;
  }

  /** True when the plan cannot finish within the budget on `threads` threads (estimated). */
  binds(threads: number): boolean {
    return this.costNs.reduce((sum, c) => sum + c, 0) / 1e6 > this.budgetMs * threads;
  }
}

/**
 * One candidate at a time, yielding to the event loop between candidates, so the calling thread is
 * blocked for one fit at most (a few ms on micro-model windows).
 */
export async function evaluateInline(
  plan: Candidate[],
  window: SharedWindow,
  task: Task,
  splits: Split[],
  budgetMs: number,
  started: number,
  earlyStopping = false,
): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  const trainRows = splits[splits.length - 1].trainEnd;
  const cost = plan.map((c) => estimatedCostNs(c, trainRows, window.features));
  const clock = new BudgetClock(started, budgetMs, cost, window.rows / trainRows);
  let successes = 0;
  let leader = -1;
  let leaderScore = Infinity;
  for (const c of plan) {
    if (successes > 0 && (clock.over() || !clock.fits(c.index, leader))) continue;
    const outcome = runTask({
      kind: 'evaluate',
      ...window,
      task,
      algorithm: c.algorithm,
      hyperparameters: c.hyperparameters,
      splits,
      earlyStopping,
    });
    outcomes.set(c.index, outcome);
    dropSurplusPredictions(outcomes, task);
    if (outcome.ok) {
      successes++;
      clock.record(c.index, outcome.fitMs);
      const score = selectionScore(task, outcome.metrics);
      if (score < leaderScore) {
        leader = c.index;
        leaderScore = score;
      }
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return outcomes;
}

/**
 * The cheapest candidates first (inline on a small window), then the longest (so the pool does
 * not end waiting on one long fit), with at most `threads + 1` tasks in flight, a refit included,
 * and only `threads` when the next is long: queued tasks could not be withdrawn once the budget
 * runs out, nor overtaken by a refit.
 *
 * The champion's refit on the whole window would otherwise be a serial step after the last
 * candidate, with every other thread idle. So the current leader is refitted early when a thread
 * is idle once every candidate is launched, when it is settled (only candidates cheap next to it
 * are left, none of a family that overtakes: see SETTLED_COST_SHARE), or (opt-in,
 * `speculativeRefitMinMs`) as soon as a leader whose holdout fit took that long is known, the
 * candidates then sharing the other threads. When a later candidate overtakes the leader, its
 * refit is cancelled (cancellation.ts: a tree learner stops within one tree, freeing its thread
 * and core) and the new leader's starts when a thread is free, rather than after the search.
 */
export async function evaluateOnPool(
  pool: TrainingPool,
  plan: Candidate[],
  window: SharedWindow,
  task: Task,
  splits: Split[],
  budgetMs: number,
  started: number,
  speculateFromMs: number,
  inlineCheap: boolean,
  refitTask: (index: number, outcome: EvaluateResult) => FitTask,
  earlyStopping = false,
): Promise<{ outcomes: Outcomes; refits: EarlyRefits }> {
  const trainRows = splits[splits.length - 1].trainEnd;
  const cost = plan.map((c) => estimatedCostNs(c, trainRows, window.features));
  const isCheap = (c: Candidate) => cost[c.index] < INLINE_CANDIDATE_NS;
  const cheap = inlineCheap ? plan.filter(isCheap) : [];
  const clock = new BudgetClock(started, budgetMs, cost, window.rows / trainRows);
  // The cheap candidates posted first (when not run inline), then the longest first. When the
  // budget cannot fit the whole plan, the plan's own order instead (each family's most promising
  // configurations first): longest first would spend a short budget on the most expensive draws.
  const binds = clock.binds(pool.threads);
  const queue = plan
    .filter((c) => !(inlineCheap && isCheap(c)))
    .sort(
      (a, b) =>
        +isCheap(b) - +isCheap(a) ||
        (isCheap(a) || binds ? 0 : cost[b.index] - cost[a.index]) ||
        a.index - b.index,
    );
  let nextCheap = 0;
  // Candidates not scored yet (queued, running or cheap ones still to run inline).
  const unscored = new Set(plan.map((c) => c.index));
  const outcomes: Outcomes = new Map();
  const refits: EarlyRefits = new Map();
  const inFlight = new Set<Promise<void>>();
  let successes = 0;
  let next = 0;
  const limit = pool.threads + 1;
  const limitFor = (c: Candidate) => (cost[c.index] < QUEUE_AHEAD_MAX_NS ? limit : pool.threads);
  const settled = (leader: number): boolean => {
    for (const i of unscored) {
      if (OVERTAKING_FAMILIES.has(plan[i].algorithm) || cost[i] >= SETTLED_COST_SHARE * cost[leader])
        return false;
    }
    return true;
  };
  // The early refit holding a thread (one at a time); a cancelled one holds it until it stops.
  const early: { refit: EarlyRefit | null } = { refit: null };
  const tasks = () => inFlight.size + (early.refit === null ? 0 : 1);
  const leaderIndex = (): number => {
    let leader = -1;
    let leaderScore = Infinity;
    for (const [index, outcome] of outcomes) {
      if (!outcome.ok) continue;
      const score = selectionScore(task, outcome.metrics);
      if (score < leaderScore || (score === leaderScore && index < leader)) {
        leader = index;
        leaderScore = score;
      }
    }
    return leader;
  };
  const maybeRefitLeader = () => {
    const leader = leaderIndex();
    if (leader < 0) return;
    const running = early.refit;
    if (running !== null && !running.cancelled && running.index !== leader) {
      cancel(running.flag);
      running.cancelled = true;
      refits.delete(running.index);
    }
    if (running !== null || refits.has(leader)) return;
    const outcome = outcomes.get(leader);
    if (outcome === undefined || !outcome.ok) return;
    // A cheap leader is refitted after the search (on the calling thread on a small window).
    if (cost[leader] < INLINE_CANDIDATE_NS) return;
    const idle = next >= queue.length && tasks() < pool.threads;
    const speculative =
      (outcome.fitMs >= speculateFromMs || (outcome.fitMs >= SETTLED_MIN_FIT_MS && settled(leader))) &&
      tasks() < limit;
    if (!idle && !speculative) return;
    const flag = cancellationFlag();
    const run = pool
      .run({ ...refitTask(leader, outcome), cancel: flag })
      .catch((error: unknown): TaskOutcome<FitResult> => ({
        ok: false,
        error: { name: 'WorkerError', message: String(error) },
      }));
    refits.set(leader, run);
    const current: EarlyRefit = {
      index: leader,
      flag,
      cancelled: false,
      done: run.then(() => {
        if (early.refit === current) early.refit = null;
      }),
    };
    early.refit = current;
  };
  const record = (index: number, outcome: TaskOutcome<EvaluateResult>) => {
    outcomes.set(index, outcome);
    dropSurplusPredictions(outcomes, task);
    unscored.delete(index);
    if (outcome.ok) {
      successes++;
      clock.record(index, outcome.fitMs);
    }
  };
  // After the first launch, candidates expected to end after the budget are passed over.
  const skipLate = (list: Candidate[], from: number): number => {
    if (successes === 0 && inFlight.size === 0) return from;
    const leader = leaderIndex();
    let i = from;
    while (i < list.length && !clock.fits(list[i].index, leader)) i++;
    return i;
  };
  while (next < queue.length || inFlight.size > 0 || nextCheap < cheap.length) {
    maybeRefitLeader();
    const overBudget = clock.over();
    const stop = () => overBudget && (successes > 0 || inFlight.size > 0);
    next = skipLate(queue, next);
    while (next < queue.length && tasks() < limitFor(queue[next]) && !stop()) {
      const c = queue[next++];
      const running: Promise<void> = pool
        .run({
          kind: 'evaluate',
          ...window,
          task,
          algorithm: c.algorithm,
          hyperparameters: c.hyperparameters,
          splits,
          earlyStopping,
        })
        .then(
          (outcome) => record(c.index, outcome),
          (error: unknown) => {
            record(c.index, { ok: false, error: { name: 'WorkerError', message: String(error) } });
          },
        )
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      next = skipLate(queue, next);
    }
    // The cheap candidates, one per turn, on this thread while the workers fit the long ones.
    nextCheap = skipLate(cheap, nextCheap);
    if (nextCheap < cheap.length && !stop()) {
      const c = cheap[nextCheap++];
      record(
        c.index,
        runTask({
          kind: 'evaluate',
          ...window,
          task,
          algorithm: c.algorithm,
          hyperparameters: c.hyperparameters,
          splits,
          earlyStopping,
        }),
      );
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    nextCheap = cheap.length;
    if (inFlight.size === 0) break;
    maybeRefitLeader();
    const refitDone = early.refit?.done;
    await Promise.race(refitDone === undefined ? inFlight : [...inFlight, refitDone]);
  }
  // The last outcome may have overtaken the leader whose refit is still running.
  maybeRefitLeader();
  return { outcomes, refits };
}

/**
 * Holdout predictions are kept only for the best few candidates (the ensemble's pool): a long
 * search on a large window would otherwise hold one holdout's worth of numbers per candidate.
 */
export function dropSurplusPredictions(outcomes: Outcomes, task: Task): void {
  if (outcomes.size % ENSEMBLE_CANDIDATES !== 0) return; // amortised: linear in modelruns
  const held: Array<{ result: EvaluateResult; score: number }> = [];
  for (const outcome of outcomes.values()) {
    if (outcome.ok && outcome.predictions !== undefined) {
      held.push({ result: outcome, score: selectionScore(task, outcome.metrics) });
    }
  }
  if (held.length <= 2 * ENSEMBLE_CANDIDATES) return;
  held.sort((a, b) => a.score - b.score);
  for (const h of held.slice(ENSEMBLE_CANDIDATES)) delete h.result.predictions;
}
