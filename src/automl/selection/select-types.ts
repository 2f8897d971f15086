// The options and the result of a model selection (select.ts), apart from the code that runs it.
import type { Hyperparameters } from '../algorithm.js';
import type { Task } from '../dataset.js';
import type { ModelJSON } from '../model.js';
import type { TrainingPool } from '../pool/training-pool.js';

export interface SelectOptions {
  task: Task;
  /** How many candidate configurations to try (VIPER `modelruns`). */
  modelruns: number;
  /**
   * No new candidate is launched once this many ms have passed since the start (VIPER `timeout`),
   * nor one expected to end after it, the champion's refit counted (see BudgetClock). Candidates
   * already running finish, and at least one candidate is always evaluated.
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
   * With a pool: the whole selection runs as ONE task on a pool thread (its candidates one after
   * another there, pool/select-task.ts) when the window has at most this many cells. For callers
   * that run many small selections at once and keep their own thread free (solution runners): one
   * message each way instead of one per candidate, and the bookkeeping off the calling thread; the
   * parallelism is across selections instead of within one. The result is the inline selection's.
   * Default 0 (never).
   */
  wholeOnPoolMaxCells?: number;
  /**
   * With a pool: the whole selection also runs as one pool task when its candidates together are
   * estimated below this many ms (`estimatedCostNs`), whatever the window's size. Spreading such a
   * plan over the threads saves at most half of it, and costs the calling thread a post and a turn
   * of its event loop per candidate: on micro-model windows of cheap families that is more than
   * the fits (figures: docs/benchmarks.md). Default 0 (never).
   */
  wholeOnPoolMaxPlanMs?: number;
  /**
   * With a pool: a leader whose holdout fit took at least this many ms is refitted on the whole
   * window at once, speculatively, while candidates are still queued (see evaluateOnPool). Default
   * SPECULATIVE_REFIT_MIN_MS (Infinity: only a settled leader, or a thread left idle at the end,
   * refits early).
   */
  speculativeRefitMinMs?: number;
  /**
   * Build a weighted ensemble of the best candidates from their holdout predictions and make it the
   * champion when it beats the best single one on the holdout (selection/ensemble.ts). Default true;
   * only with a single holdout (not with `cvFolds`), and only when its refit fits in the budget.
   */
  ensemble?: boolean;
  /**
   * On a window of at most CROSS_CHECK_MAX_ROWS rows, re-rank the best few candidates on
   * out-of-fold predictions of every row of the window (selection/cross-check.ts), and build the
   * ensemble from those. Default true; single holdout only, and only when it fits in the budget.
   */
  crossCheck?: boolean;
  /**
   * Learners that stop early (GBDT) watch their loss on the holdout and stop when it no longer
   * improves; the refit on the whole window then uses the rounds that were kept (the leaderboard
   * shows them). Single holdout of at least EARLY_STOPPING_MIN_HOLDOUT_ROWS rows only (not with
   * `cvFolds`). Default false: the holdout then both
   * stops and scores the GBDT, which favours it a little against the other families (on the
   * bench's small packaged data sets it won picks it then lost on their test rows,
   * docs/benchmarks.md); solution runners, whose challenger must still beat the champion on
   * newer rows, turn it on.
   */
  earlyStopping?: boolean;
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
  /**
   * Cross-checked candidates (see SelectOptions.crossCheck): metrics of their out-of-fold
   * predictions over the whole window. They lead the leaderboard, best first by these.
   */
  crossCheck?: Record<string, number>;
}

export interface SelectionResult {
  champion: ModelJSON;
  /** Every evaluated candidate, best first (by `selectionMetric`), failures last. */
  leaderboard: LeaderboardEntry[];
  /** The metric the champion won on: `rmse` (regression) or `temperedLogLoss` (classification). */
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
