// Model selection over one window: candidate configurations (algorithm × hyperparameters) scored on
// the newest rows, the best refitted on the whole window. This is what VIPER's `modelruns` drives.

import type { Algorithm, Hyperparameters } from '../algorithm.js';
import { algorithmsFor, getAlgorithm } from '../algorithms/index.js';
import { dropNonFiniteRows } from '../data/rows.js';
import { holdoutSplit, rollingOriginSplits, type Split } from '../data/splits.js';
import type { Dataset, Task } from '../dataset.js';
import { AutoMLError, InsufficientDataError, InvalidInputError } from '../errors.js';
import { validateDataset } from '../model.js';
import { runTask } from '../pool/run-task.js';
import { shareWindow } from '../pool/shared-window.js';
import { failureError } from '../pool/task-failure.js';
import type { FitResult, TaskOutcome } from '../pool/tasks.js';
import type { TrainingPool } from '../pool/training-pool.js';
import { estimatedCostNs, planCandidates, type Candidate } from './candidates.js';
import { forecastAccuracy, SELECTION_METRIC, selectionScore } from './champion.js';
import { ENSEMBLE_CANDIDATES, ENSEMBLE_MAX_JSON_BYTES, selectEnsemble } from './ensemble.js';
import {
  CROSS_CHECK_BLOCKS,
  CROSS_CHECK_BUDGET_SHARE,
  CROSS_CHECK_MAX_ROWS,
  crossCheck,
  crossCheckChoice,
  type CrossChecked,
} from './cross-check.js';
import { ensembleHyperparameters } from '../algorithms/ensemble.js';
import {
  evaluateInline,
  evaluateOnPool,
  INLINE_CANDIDATE_NS,
  SPECULATIVE_REFIT_MIN_MS,
  type EarlyRefits,
  type Outcomes,
} from './run-candidates.js';

import type { LeaderboardEntry, SelectionResult, SelectOptions } from './select-types.js';

export type { LeaderboardEntry, SelectionResult, SelectOptions };

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
/**
 * For `wholeOnPoolMaxPlanMs`: a plan estimated below this runs whole on one pool thread. On
 * TrumpApproval's 30-row windows (eight cheap families, ~0.2 ms estimated) one task took 0.6–0.8
 * ms against 1.3–1.6 ms spread, and half the CPU; with the tree ensembles in the plan (~5 ms
 * estimated) the two were level, and above it spreading wins (docs/benchmarks.md).
 */
export const WHOLE_ON_POOL_MAX_PLAN_MS = 5;

const MAX_MODELRUNS = 10_000;

/**
 * `earlyStopping` watches holdouts of at least this many rows: on fewer the best round is mostly
 * noise. Measured on the accuracy bench's TrumpApproval (docs/benchmarks.md): stopping on 6 and 80
 * holdout rows (windows of 30 and 400) cost 1.7% and 6% MAE; on the capacity bench's 100 rows
 * (windows of 500) its champions predicted better.
 */
export const EARLY_STOPPING_MIN_HOLDOUT_ROWS = 100;

export async function selectModel(input: Dataset, options: SelectOptions): Promise<SelectionResult> {
  const started = options.startedAt ?? performance.now();
  const { pool, wholeOnPoolMaxCells = 0 } = options;
  if (pool !== undefined && input.rows * input.features <= wholeOnPoolMaxCells) {
    return selectOnPool(pool, input, options, started);
  }
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
  const holdoutFraction = options.holdoutFraction ?? 0.2;
  // Decided before the rows are checked: the pool task checks them (with the same errors), so this
  // thread does not scan the window too. Rows dropped there only make the estimate an upper bound.
  const wholeMaxMs = options.wholeOnPoolMaxPlanMs ?? 0;
  if (pool !== undefined && wholeMaxMs > 0 && input.rows >= 2) {
    const trainRows = holdoutSplit(input.rows, holdoutFraction).trainEnd;
    const { planMs } = planCosts(algorithms, task, trainRows, input.features, modelruns, seed);
    if (planMs <= wholeMaxMs) return selectOnPool(pool, input, options, started);
  }

  const { data, droppedRows } = dropNonFiniteRows(input);
  validateDataset(data, task);
  if (data.rows < 2) {
    throw new InsufficientDataError(
      `model selection needs at least 2 usable rows (one to learn from, one to validate on), got ${data.rows}` +
        (droppedRows > 0 ? ` after dropping ${droppedRows} row(s) with missing or non-finite values` : ''),
    );
  }
  const fallbacks = windowFallbacks(data, task);

  const holdout = holdoutSplit(data.rows, holdoutFraction);
  let splits: Split[] = [holdout];
  if (options.cvFolds !== undefined && options.cvFolds > 1) {
    const folds = rollingOriginSplits(data.rows, options.cvFolds, holdoutFraction);
    if (folds.length > 1) splits = folds;
    else fallbacks.push(`window too small for ${options.cvFolds} rolling-origin folds: single holdout used`);
  } else if (options.cvFolds !== undefined && !(Number.isInteger(options.cvFolds) && options.cvFolds >= 1)) {
    throw new InvalidInputError(`cvFolds must be a positive integer, got ${options.cvFolds}`);
  }

  const { plan, costsMs, planMs } = planCosts(
    algorithms,
    task,
    holdout.trainEnd,
    data.features,
    modelruns,
    seed,
  );
  const window = shareWindow(data);
  // A micro-model window: its cheapest fits (linear models) cost less than a round trip to a worker.
  const smallWindow = data.rows * data.features <= (options.inlineMaxCells ?? INLINE_MAX_CELLS);
  const usePool =
    options.pool !== undefined &&
    (!smallWindow || Math.max(...costsMs) > INLINE_MAX_CANDIDATE_MS || planMs > INLINE_MAX_PLAN_MS);

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
  // Early stopping on the holdout: a single holdout of enough rows only (see evaluate.ts).
  const earlyStopping =
    options.earlyStopping === true &&
    splits.length === 1 &&
    holdout.testEnd - holdout.testStart >= EARLY_STOPPING_MIN_HOLDOUT_ROWS;
  // A small window's cross-check runs after the search, within the same budget: the search leaves
  // it a share, else a search with many runs planned fills the budget and the cross-check is
  // skipped (selection/cross-check.ts).
  const crossChecks =
    options.crossCheck !== false && splits.length === 1 && data.rows <= CROSS_CHECK_MAX_ROWS;
  const searchBudgetMs = options.timeBudgetMs * (crossChecks ? 1 - CROSS_CHECK_BUDGET_SHARE : 1);
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
      searchBudgetMs,
      started,
      options.speculativeRefitMinMs ?? SPECULATIVE_REFIT_MIN_MS,
      smallWindow,
      (index, outcome) =>
        fitTaskFor({
          ...plan[index],
          hyperparameters: outcome.refitHyperparameters ?? plan[index].hyperparameters,
          metrics: outcome.metrics,
        }),
      earlyStopping,
    );
    outcomes = pooled.outcomes;
    earlyRefits = pooled.refits;
  } else {
    outcomes = await evaluateInline(plan, window, task, splits, searchBudgetMs, started, earlyStopping);
  }
  const searchMs = performance.now() - started;

  const leaderboard: Array<LeaderboardEntry & { index: number; score: number }> = [];
  for (const [index, outcome] of outcomes) {
    const c = plan[index];
    if (outcome.ok) {
      leaderboard.push({
        index,
        algorithm: c.algorithm,
        // what was scored and what the refit (alone or in the ensemble) will fit
        hyperparameters: outcome.refitHyperparameters ?? c.hyperparameters,
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
  if (leaderboard[0] === undefined || leaderboard[0].error !== undefined) {
    throw new AutoMLError(`every candidate failed: ${failures.map((f) => f.error).join('; ')}`);
  }

  // On a small window, the best few re-ranked on out-of-fold predictions of the whole window.
  const checked = crossChecks
    ? await crossCheckLeaders(task, data, holdout, leaderboard, outcomes, options, started)
    : null;
  if (checked !== null) {
    const rank = new Map(checked.map((c, i) => [c.index, i]));
    for (const e of leaderboard) {
      const c = checked[rank.get(e.index) ?? -1];
      if (c !== undefined) e.crossCheck = c.metrics;
    }
    leaderboard.sort(
      (a, b) =>
        (rank.get(a.index) ?? Infinity) - (rank.get(b.index) ?? Infinity) ||
        a.score - b.score ||
        a.index - b.index,
    );
  }
  const best = leaderboard[0];

  // An ensemble of the best candidates, when it beats the best one on the holdout (or, cross-checked,
  // on the whole window's out-of-fold predictions).
  const ensembleChoice =
    options.ensemble !== false && splits.length === 1
      ? checked !== null
        ? chooseEnsemble(
            task,
            data,
            data.y,
            holdout,
            leaderboard,
            checked,
            checked[0].score,
            options.timeBudgetMs,
            started,
          )
        : chooseEnsemble(
            task,
            data,
            data.y.subarray(holdout.testStart, holdout.testEnd),
            holdout,
            leaderboard,
            holdoutPredictions(leaderboard, outcomes),
            best.score,
            options.timeBudgetMs,
            started,
          )
      : null;
  if (ensembleChoice !== null) {
    const fitTask = fitTaskFor(ensembleChoice.entry);
    const fitted = usePool ? await (options.pool as TrainingPool).run(fitTask) : runTask(fitTask);
    const bytes = fitted.ok ? JSON.stringify(fitted.model).length : 0;
    if (fitted.ok && bytes > ENSEMBLE_MAX_JSON_BYTES) {
      fallbacks.push(
        `the ensemble's model JSON (${bytes} bytes) would exceed Kafka's 1 MB default record size: the best single candidate used`,
      );
    } else if (fitted.ok) {
      const champion = fitted.model;
      if (options.lineage !== undefined) champion.lineage = options.lineage;
      for (const f of fitted.fallbacks) if (!fallbacks.includes(f)) fallbacks.push(f);
      const { algorithm, hyperparameters, metrics, fitMs } = ensembleChoice.entry;
      const entry: LeaderboardEntry = { algorithm, hyperparameters, metrics, fitMs };
      return {
        champion,
        leaderboard: [entry, ...publicLeaderboard(leaderboard)],
        selectionMetric: SELECTION_METRIC[task],
        forecastAccuracy: forecastAccuracy(task, entry.metrics),
        droppedRows,
        fallbacks,
        skippedCandidates,
        searchMs,
        elapsedMs: performance.now() - started,
      };
    }
    if (!fitted.ok) {
      fallbacks.push(
        `refitting the ensemble failed (${fitted.error.message}): the best single candidate used`,
      );
    }
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
    leaderboard: publicLeaderboard(leaderboard),
    selectionMetric: SELECTION_METRIC[task],
    forecastAccuracy: accuracy,
    droppedRows,
    fallbacks,
    skippedCandidates,
    searchMs,
    elapsedMs: performance.now() - started,
  };
}

function publicLeaderboard(
  leaderboard: Array<LeaderboardEntry & { index: number; score: number }>,
): LeaderboardEntry[] {
  return leaderboard.map(({ algorithm, hyperparameters, metrics: m, fitMs, error, crossCheck: cv }) =>
    error === undefined
      ? { algorithm, hyperparameters, metrics: m, fitMs, ...(cv === undefined ? {} : { crossCheck: cv }) }
      : { algorithm, hyperparameters, metrics: m, fitMs, error },
  );
}

type Ranked = LeaderboardEntry & { index: number; score: number };

/** The holdout predictions of the best ENSEMBLE_CANDIDATES candidates that still have them. */
function holdoutPredictions(
  leaderboard: readonly Ranked[],
  outcomes: Outcomes,
): Array<{ index: number; predictions: Float64Array }> {
  const out: Array<{ index: number; predictions: Float64Array }> = [];
  for (const e of leaderboard.filter((e) => e.error === undefined).slice(0, ENSEMBLE_CANDIDATES)) {
    const outcome = outcomes.get(e.index);
    if (outcome?.ok && outcome.predictions !== undefined) {
      out.push({ index: e.index, predictions: outcome.predictions });
    }
  }
  return out;
}

/**
 * Cross-checks the best few candidates and the best linear ones (crossCheckChoice,
 * selection/cross-check.ts) when their extra fits — CROSS_CHECK_BLOCKS − 1 each, as long as their
 * holdout fits, spread over the pool's threads — and the champion's refit end within the budget;
 * null otherwise.
 */
async function crossCheckLeaders(
  task: Task,
  data: Dataset,
  holdout: Split,
  leaderboard: readonly Ranked[],
  outcomes: Outcomes,
  options: SelectOptions,
  started: number,
): Promise<CrossChecked[] | null> {
  const inputs = [];
  for (const e of crossCheckChoice(leaderboard.filter((e) => e.error === undefined))) {
    const outcome = outcomes.get(e.index);
    if (!outcome?.ok) continue;
    inputs.push({ ...e, predictions: outcome.predictions });
  }
  if (inputs.length < 2) return null;
  const threads = options.pool?.threads ?? 1;
  // Four extra fits each, five for a candidate whose holdout predictions were not kept.
  const extraMs =
    inputs.reduce(
      (sum, e) => sum + e.fitMs * (CROSS_CHECK_BLOCKS - (e.predictions === undefined ? 0 : 1)),
      0,
    ) / threads;
  const refitMs = (inputs[0].fitMs * data.rows) / holdout.trainEnd;
  if (performance.now() - started + extraMs + refitMs > options.timeBudgetMs) return null;
  const pool = options.pool;
  return crossCheck(task, data, holdout, inputs, (t) =>
    pool !== undefined ? pool.run(t) : Promise.resolve(runTask(t)),
  );
}

/**
 * The ensemble of the best candidates (selection/ensemble.ts) as a leaderboard entry, or null when
 * it does not beat `bestScore`, or when refitting its members (their holdout fits scaled to the
 * whole window) would overrun the time budget. `candidates` are predictions of the rows `actual`
 * holds: the holdout's, or the whole window's out-of-fold ones.
 */
function chooseEnsemble(
  task: Task,
  data: Dataset,
  actual: Float64Array,
  holdout: Split,
  leaderboard: readonly Ranked[],
  candidates: ReadonlyArray<{ index: number; predictions: Float64Array }>,
  bestScore: number,
  budgetMs: number,
  started: number,
): { entry: Ranked } | null {
  const scored = leaderboard.filter((e) => e.error === undefined);
  if (scored.length === 0) return null;
  const choice = selectEnsemble(task, actual, [...candidates], bestScore);
  if (choice === null) return null;
  const byIndex = new Map(scored.map((e) => [e.index, e]));
  const members = choice.members.map((m) => byIndex.get(m.index) as LeaderboardEntry);
  const refitMs = (members.reduce((sum, m) => sum + m.fitMs, 0) * data.rows) / holdout.trainEnd;
  if (performance.now() - started + refitMs > budgetMs) return null;
  const hyperparameters = ensembleHyperparameters(
    choice.members.map((m, i) => ({
      algorithm: members[i].algorithm,
      hyperparameters: members[i].hyperparameters,
      weight: m.weight,
    })),
  );
  return {
    entry: {
      index: -1,
      score: choice.score,
      algorithm: 'ensemble',
      hyperparameters,
      metrics: choice.metrics,
      fitMs: members.reduce((sum, m) => sum + m.fitMs, 0),
    },
  };
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

/** The candidates of a selection and their estimated costs (`estimatedCostNs`), in ms. */
function planCosts(
  algorithms: readonly Algorithm[],
  task: Task,
  trainRows: number,
  features: number,
  modelruns: number,
  seed: number,
): { plan: Candidate[]; costsMs: number[]; planMs: number } {
  const plan = planCandidates(algorithms, { rows: trainRows, features, task }, modelruns, seed);
  const costsMs = plan.map((c) => estimatedCostNs(c, trainRows, features) / 1e6);
  return { plan, costsMs, planMs: costsMs.reduce((a, b) => a + b, 0) };
}

/** The whole selection as one pool task (see `wholeOnPoolMaxCells`). */
async function selectOnPool(
  pool: TrainingPool,
  input: Dataset,
  options: SelectOptions,
  started: number,
): Promise<SelectionResult> {
  const { pool: _pool, startedAt: _startedAt, ...rest } = options;
  const outcome = await pool.run({
    kind: 'select',
    ...shareWindow(input),
    featureNames: [...input.featureNames],
    targetName: input.targetName,
    options: rest,
    postedAtEpochMs: Date.now(),
    spentBeforeMs: performance.now() - started,
  });
  if (!outcome.ok) throw failureError(outcome);
  return outcome.selection;
}
