// Model selection over one window: candidate configurations (algorithm × hyperparameters) scored on
// the newest rows, the best refitted on the whole window. This is what VIPER's `modelruns` drives.

import type { Hyperparameters } from '../algorithm.js';
import { algorithmsFor, getAlgorithm } from '../algorithms/index.js';
import { dropNonFiniteRows } from '../data/rows.js';
import { holdoutSplit, rollingOriginSplits, type Split } from '../data/splits.js';
import type { Dataset, Task } from '../dataset.js';
import { cancel, cancellationFlag } from '../cancellation.js';
import { AutoMLError, InsufficientDataError, InvalidInputError } from '../errors.js';
import { validateDataset, type ModelJSON } from '../model.js';
import { runTask } from '../pool/run-task.js';
import { shareWindow, type SharedWindow } from '../pool/shared-window.js';
import type { EvaluateResult, FitResult, FitTask, TaskOutcome } from '../pool/tasks.js';
import type { TrainingPool } from '../pool/training-pool.js';
import { estimatedCostNs, planCandidates, type Candidate } from './candidates.js';
import { forecastAccuracy, SELECTION_METRIC, selectionScore } from './champion.js';

export interface SelectOptions {
  task: Task;
  /** How many candidate configurations to try (VIPER `modelruns`). */
  modelruns: number;
  /**
   * No new candidate is launched once this many ms have passed since the start (VIPER `timeout`).
   * Candidates already running finish, and at least one candidate is always evaluated.
   */
  timeBudgetMs: number;
  /**
   * Where the budget is counted from (`performance.now()`): a caller that read the window first
   * passes its start, so that work counts too. Default: when selectModel is called. Planning the
   * candidates always counts.
   */
  startedAt?: number;
  /** Restrict the search to these registered algorithms (default: all that handle the task). */
  algorithms?: string[];
  /** Newest share of the window used for validation (default 0.2). */
  holdoutFraction?: number;
  /**
   * Rolling-origin cross-validation: the validation share is cut into this many consecutive blocks,
   * each predicted by a fit on every row before it; metrics are averaged. Omitted or 1 = one holdout.
   */
  cvFolds?: number;
  /** Seed of every random choice (candidate draws, subsamples): same seed and window, same result. */
  seed?: number;
  /** Fit candidates on these worker threads; without it, candidates run on the calling thread. */
  pool?: TrainingPool;
  /**
   * With a pool, a selection still runs inline when the window has at most this many cells
   * (rows × features) and no candidate is expected to take more than INLINE_MAX_CANDIDATE_MS:
   * there, posting tasks costs more than the fits. On such a window the candidates estimated under
   * INLINE_CANDIDATE_NS are scored on the calling thread even when the rest go to the pool.
   * Default INLINE_MAX_CELLS; 0 = always the pool.
   */
  inlineMaxCells?: number;
  /**
   * With a pool: a leader whose holdout fit took at least this many ms is refitted on the whole
   * window at once, speculatively, while candidates are still queued (see evaluateOnPool). Default
   * SPECULATIVE_REFIT_MIN_MS (Infinity: only a settled leader, or a thread left idle at the end,
   * refits early).
   */
  speculativeRefitMinMs?: number;
  /** Passed into the champion's model JSON (e.g. the topic offsets of the window). */
  lineage?: Record<string, unknown>;
}

export interface LeaderboardEntry {
  algorithm: string;
  hyperparameters: Hyperparameters;
  /** Holdout metrics; empty when the candidate failed. */
  metrics: Record<string, number>;
  fitMs: number;
  /** Why the candidate could not be scored (bad hyperparameters for this window, ...). */
  error?: string;
}

export interface SelectionResult {
  champion: ModelJSON;
  /** Every evaluated candidate, best first (by `selectionMetric`), failures last. */
  leaderboard: LeaderboardEntry[];
  /** The metric the champion won on: `rmse` (regression) or `logLoss` (classification). */
  selectionMetric: string;
  /** The forecast accuracy of the champion (VIPER reports it): see champion.ts. */
  forecastAccuracy: number;
  /** Rows dropped because a value was missing or non-finite. */
  droppedRows: number;
  /** Documented fallbacks taken (constant features, SVD solves, capped rows, budget cut-off, ...). */
  fallbacks: string[];
  /** Candidates planned but not launched because the time budget ran out. */
  skippedCandidates: number;
  /**
   * When every candidate had been scored (the champion known), in ms since the start: the search
   * without the wait for the champion's refit on the whole window, which ends at `elapsedMs`.
   */
  searchMs: number;
  elapsedMs: number;
}

/**
 * Small windows of light candidates (linear models, k-NN) train inline: posting their tasks to the
 * pool and collecting the results costs more than the fits themselves (figures:
 * docs/benchmarks.md). Heavy candidates (GP, forests) go to the pool whatever the window size, so
 * the calling thread is never blocked by one of them.
 */
export const INLINE_MAX_CELLS = 10_000;
export const INLINE_MAX_CANDIDATE_MS = 5;
/**
 * A plan whose candidates together are expected to take longer than this runs on the pool even on
 * a small window: two threads then halve a selection of many few-ms fits (tree ensembles on 1,000
 * rows), which more than pays for posting the tasks (~0.1 ms each).
 */
export const INLINE_MAX_PLAN_MS = 10;

const MAX_MODELRUNS = 10_000;

export async function selectModel(input: Dataset, options: SelectOptions): Promise<SelectionResult> {
  const started = options.startedAt ?? performance.now();
  const { task } = options;
  if (task !== 'regression' && task !== 'classification') {
    throw new InvalidInputError(`task must be regression or classification, got ${String(task)}`);
  }
  const modelruns = options.modelruns;
  if (!Number.isInteger(modelruns) || modelruns < 1 || modelruns > MAX_MODELRUNS) {
    throw new InvalidInputError(`modelruns must be an integer in [1, ${MAX_MODELRUNS}], got ${modelruns}`);
  }
  if (!(options.timeBudgetMs > 0)) {
    throw new InvalidInputError(`timeBudgetMs must be a positive number, got ${options.timeBudgetMs}`);
  }
  const algorithms =
    options.algorithms === undefined
      ? algorithmsFor(task)
      : options.algorithms.map((n) => getAlgorithm(n, task));
  if (algorithms.length === 0) throw new InvalidInputError(`no algorithm selected for ${task}`);
  const seed = options.seed ?? 1;

  const { data, droppedRows } = dropNonFiniteRows(input);
  validateDataset(data, task);
  if (data.rows < 2) {
    throw new InsufficientDataError(
      `model selection needs at least 2 usable rows (one to learn from, one to validate on), got ${data.rows}` +
        (droppedRows > 0 ? ` after dropping ${droppedRows} row(s) with missing or non-finite values` : ''),
    );
  }
  const fallbacks = windowFallbacks(data, task);

  const holdoutFraction = options.holdoutFraction ?? 0.2;
  const holdout = holdoutSplit(data.rows, holdoutFraction);
  let splits: Split[] = [holdout];
  if (options.cvFolds !== undefined && options.cvFolds > 1) {
    const folds = rollingOriginSplits(data.rows, options.cvFolds, holdoutFraction);
    if (folds.length > 1) splits = folds;
    else fallbacks.push(`window too small for ${options.cvFolds} rolling-origin folds: single holdout used`);
  } else if (options.cvFolds !== undefined && !(Number.isInteger(options.cvFolds) && options.cvFolds >= 1)) {
    throw new InvalidInputError(`cvFolds must be a positive integer, got ${options.cvFolds}`);
  }

  const space = { rows: holdout.trainEnd, features: data.features, task };
  const plan = planCandidates(algorithms, space, modelruns, seed);
  const window = shareWindow(data);
  const costsMs = plan.map((c) => estimatedCostNs(c, holdout.trainEnd, data.features) / 1e6);
  // A micro-model window: its cheapest fits (linear models) cost less than a round trip to a worker.
  const smallWindow = data.rows * data.features <= (options.inlineMaxCells ?? INLINE_MAX_CELLS);
  const usePool =
    options.pool !== undefined &&
    (!smallWindow ||
      Math.max(...costsMs) > INLINE_MAX_CANDIDATE_MS ||
      costsMs.reduce((a, b) => a + b, 0) > INLINE_MAX_PLAN_MS);

  const fitTaskFor = (entry: {
    algorithm: string;
    hyperparameters: Hyperparameters;
    metrics: Record<string, number>;
  }) => ({
    kind: 'fit' as const,
    ...window,
    task,
    algorithm: entry.algorithm,
    hyperparameters: entry.hyperparameters,
    featureNames: [...data.featureNames],
    targetName: data.targetName,
    metrics: { ...entry.metrics, forecastAccuracy: forecastAccuracy(task, entry.metrics) },
  });
  // Refits of a leader started before the search ended (see evaluateOnPool), by candidate index.
  let earlyRefits: EarlyRefits = new Map();
  let outcomes: Outcomes;
  if (usePool) {
    const pooled = await evaluateOnPool(
      options.pool as TrainingPool,
      plan,
      window,
      task,
      splits,
      options.timeBudgetMs,
      started,
      options.speculativeRefitMinMs ?? SPECULATIVE_REFIT_MIN_MS,
      smallWindow,
      (index, outcome) => fitTaskFor({ ...plan[index], metrics: outcome.metrics }),
    );
    outcomes = pooled.outcomes;
    earlyRefits = pooled.refits;
  } else {
    outcomes = await evaluateInline(plan, window, task, splits, options.timeBudgetMs, started);
  }
  const searchMs = performance.now() - started;

  const leaderboard: Array<LeaderboardEntry & { index: number; score: number }> = [];
  for (const [index, outcome] of outcomes) {
    const c = plan[index];
    if (outcome.ok) {
      leaderboard.push({
        index,
        algorithm: c.algorithm,
        hyperparameters: c.hyperparameters,
        metrics: outcome.metrics,
        fitMs: outcome.fitMs,
        score: selectionScore(task, outcome.metrics),
      });
    } else {
      leaderboard.push({
        index,
        algorithm: c.algorithm,
        hyperparameters: c.hyperparameters,
        metrics: {},
        fitMs: 0,
        error: `${outcome.error.name}: ${outcome.error.message}`,
        score: Infinity,
      });
    }
  }
  leaderboard.sort((a, b) => a.score - b.score || a.index - b.index);
  const skippedCandidates = plan.length - outcomes.size;
  if (skippedCandidates > 0) {
    fallbacks.push(
      `time budget of ${options.timeBudgetMs} ms reached: ${skippedCandidates} candidate(s) not tried`,
    );
  }

  const failures = leaderboard.filter((e) => e.error !== undefined);
  for (const f of failures)
    fallbacks.push(`candidate ${f.algorithm} ${JSON.stringify(f.hyperparameters)} skipped: ${f.error}`);
  const best = leaderboard[0];
  if (best === undefined || best.error !== undefined) {
    throw new AutoMLError(`every candidate failed: ${failures.map((f) => f.error).join('; ')}`);
  }

  // Refit on the whole window. A candidate that scored on the training rows can still fail on the
  // full window (rare: e.g. a hyperparameter tied to the row count); the runner-up then stands in.
  let fitted: TaskOutcome<FitResult> | undefined;
  let winner = best;
  for (const entry of leaderboard.filter((e) => e.error === undefined).slice(0, 3)) {
    const early = earlyRefits.get(entry.index);
    const fitTask = fitTaskFor(entry);
    // A cheap champion (a linear model) is refitted here: posting it would cost more than the fit.
    const cheap =
      smallWindow && estimatedCostNs(plan[entry.index], data.rows, data.features) < INLINE_CANDIDATE_NS;
    fitted = early
      ? await early
      : usePool && !cheap
        ? await (options.pool as TrainingPool).run(fitTask)
        : runTask(fitTask);
    winner = entry;
    if (fitted.ok) break;
    fallbacks.push(
      `refitting ${entry.algorithm} on the whole window failed (${fitted.error.message}): next best used`,
    );
  }
  if (fitted === undefined || !fitted.ok) {
    throw new AutoMLError(
      `refitting the best candidates on the whole window failed: ${fitted?.ok === false ? fitted.error.message : ''}`,
    );
  }
  const accuracy = forecastAccuracy(task, winner.metrics);
  const champion = fitted.model;
  if (options.lineage !== undefined) champion.lineage = options.lineage;
  for (const f of fitted.fallbacks) if (!fallbacks.includes(f)) fallbacks.push(f);

  return {
    champion,
    leaderboard: leaderboard.map(({ algorithm, hyperparameters, metrics: m, fitMs, error }) =>
      error === undefined
        ? { algorithm, hyperparameters, metrics: m, fitMs }
        : { algorithm, hyperparameters, metrics: m, fitMs, error },
    ),
    selectionMetric: SELECTION_METRIC[task],
    forecastAccuracy: accuracy,
    droppedRows,
    fallbacks,
    skippedCandidates,
    searchMs,
    elapsedMs: performance.now() - started,
  };
}

type Outcomes = Map<number, TaskOutcome<EvaluateResult>>;
type EarlyRefits = Map<number, Promise<TaskOutcome<FitResult>>>;

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
const OVERTAKING_FAMILIES = new Set(['gbdt', 'random_forest', 'gp']);
/** A leader whose holdout fit took less than this is refitted after the search as before. */
export const SETTLED_MIN_FIT_MS = 2;

/**
 * One candidate at a time, yielding to the event loop between candidates, so the calling thread is
 * blocked for one fit at most (a few ms on micro-model windows).
 */
async function evaluateInline(
  plan: Candidate[],
  window: SharedWindow,
  task: Task,
  splits: Split[],
  budgetMs: number,
  started: number,
): Promise<Outcomes> {
  const outcomes: Outcomes = new Map();
  let successes = 0;
  for (const c of plan) {
    if (successes > 0 && performance.now() - started >= budgetMs) break;
    const outcome = runTask({
      kind: 'evaluate',
      ...window,
      task,
      algorithm: c.algorithm,
      hyperparameters: c.hyperparameters,
      splits,
    });
    outcomes.set(c.index, outcome);
    if (outcome.ok) successes++;
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
async function evaluateOnPool(
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
): Promise<{ outcomes: Outcomes; refits: EarlyRefits }> {
  const trainRows = splits[splits.length - 1].trainEnd;
  const cost = plan.map((c) => estimatedCostNs(c, trainRows, window.features));
  const isCheap = (c: Candidate) => cost[c.index] < INLINE_CANDIDATE_NS;
  const cheap = inlineCheap ? plan.filter(isCheap) : [];
  // The cheap candidates posted first (when not run inline), then the longest first.
  const queue = plan
    .filter((c) => !(inlineCheap && isCheap(c)))
    .sort(
      (a, b) =>
        +isCheap(b) - +isCheap(a) || (isCheap(a) ? 0 : cost[b.index] - cost[a.index]) || a.index - b.index,
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
    unscored.delete(index);
    if (outcome.ok) successes++;
  };
  while (next < queue.length || inFlight.size > 0 || nextCheap < cheap.length) {
    maybeRefitLeader();
    const overBudget = performance.now() - started >= budgetMs;
    const stop = () => overBudget && (successes > 0 || inFlight.size > 0);
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
        })
        .then(
          (outcome) => record(c.index, outcome),
          (error: unknown) => {
            record(c.index, { ok: false, error: { name: 'WorkerError', message: String(error) } });
          },
        )
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
    }
    // The cheap candidates, one per turn, on this thread while the workers fit the long ones.
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

function windowFallbacks(data: Dataset, task: Task): string[] {
  const notes: string[] = [];
  let ones = 0;
  let allEqual = true;
  for (let r = 0; r < data.rows; r++) {
    ones += data.y[r];
    if (data.y[r] !== data.y[0]) allEqual = false;
  }
  if (task === 'classification' && (ones === 0 || ones === data.rows)) {
    throw new InsufficientDataError(
      `classification window has only class ${data.y[0]} (${data.rows} rows): there is nothing to discriminate`,
    );
  }
  if (task === 'regression' && allEqual) {
    notes.push(`target ${data.targetName} is constant (${data.y[0]}) in the window: every model predicts it`);
  }
  if (data.rows <= data.features) {
    notes.push(
      `fewer rows (${data.rows}) than features (${data.features}): least squares takes the minimum-norm solution`,
    );
  }
  return notes;
}
