// The learning half of a solution, with no I/O (River's learn/predict-one style, around AutoML on a
// window): rows are observed one at a time; the latest window of them is kept; a retrain runs
// AutoML on the window and keeps whichever of the new best model and the current champion predicts
// the newest rows better; every row is predicted by the champion before it is learnt, and the error
// feeds a drift detector that asks for an early retrain; a refresh fits the champion's configuration
// again on the newest window, inline, between retrains. The runner (runner.ts) adds topics,
// offsets and transactions around it; the accuracy benchmark drives it directly.
import {
  classificationMetrics,
  forecastAccuracy,
  INLINE_MAX_CELLS,
  WHOLE_ON_POOL_MAX_PLAN_MS,
  Model,
  refitModel,
  regressionMetrics,
  selectModel,
  type ModelJSON,
  type SelectionResult,
  type TrainingPool,
} from '../automl/index.js';
import type { Dataset, Task } from '../automl/dataset.js';
import { windowCapacity, type RowPosition, type WindowSize } from '../streams/index.js';
import type { ReplacedChampion } from './catalog-types.js';
import { challengerWins } from './challenger-check.js';
import { PageHinkley } from './drift.js';
import { INLINE_REFRESH_MAX_NS, RefitCost } from './refit-cost.js';

export const MIN_WINDOW_ROWS = 30;

export interface LearnerOptions {
  featureNames: readonly string[];
  targetName: string;
  task: Task;
  /** The last N rows, or the rows of the last T seconds (at most `maxRecords`). */
  window: WindowSize;
  automl: { modelruns: number; timeBudgetMs: number; algorithms?: string[]; seed: number };
  drift?: { enabled: boolean; delta: number; threshold: number };
  pool?: TrainingPool;
  /**
   * Fit every candidate on the pool, however small (the runner sets it). selectModel keeps small
   * selections on the calling thread, which is quicker for one selection; in a worker that thread
   * serves every solution's reads and commits, and a fit there (a GBDT on a few hundred rows takes
   * milliseconds) stalls every other solution's step (docs/benchmarks.md, event-loop delay).
   */
  offloadTraining?: boolean;
  /**
   * When the champion's configuration beats the challenger, fit it again on the current window
   * (default true): a new version with the same algorithm and hyperparameters and parameters from
   * the latest rows, so every retrain publishes a model that learnt from them (freshness), and the
   * champion follows a slowly moving relation without waiting to be beaten.
   */
  refreshChampion?: boolean;
}

export interface Champion {
  model: Model;
  json: ModelJSON;
  version: number;
  forecastAccuracy: number;
}

/**
 * A champion fitted again inline (`refresh`): a new version with the same configuration and
 * parameters from the newest window, or why there is none.
 */
export type RefreshOutcome =
  | { refreshed: false; reason: string }
  | {
      refreshed: true;
      rows: number;
      /** Offsets per `topic/partition` the window covers: [first, last]. */
      lineage: Record<string, [number, number]>;
      champion: Champion;
      elapsedMs: number;
    };

export type RetrainOutcome =
  | { trained: false; reason: string; rows: number }
  | {
      trained: true;
      rows: number;
      /** Offsets per `topic/partition` the window covers: [first, last]. */
      lineage: Record<string, [number, number]>;
      challenger: { algorithm: string; metrics: Record<string, number>; forecastAccuracy: number };
      /** A new champion version was made: the challenger won, or the champion was refreshed. */
      promoted: boolean;
      /** The champion's configuration won and was fitted again on this window. */
      refreshed: boolean;
      champion: Champion;
      /** The champion before this retrain and its score on the newest rows, absent for the first. */
      replaced?: ReplacedChampion;
      candidates: number;
      selection: SelectionResult;
      elapsedMs: number;
    };

export class WindowLearner {
  readonly #options: LearnerOptions;
  readonly #capacity: number;
  readonly #features: number;
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #timestamps: Float64Array;
  readonly #positions: RowPosition[];
  /**
   * The champion's prediction of each row of the ring, made before the row was learnt (NaN when
   * none was made): its out-of-sample one-step record, which the promotion judges it on.
   */
  readonly #predicted: Float64Array;
  /** Ring buffer: the oldest row is at `#start`, `#size` rows are held. */
  #start = 0;
  #size = 0;
  #champion?: Champion;
  /** Rows observed so far, and how many had been observed when the champion's window was cut. */
  #observed = 0;
  #championCut = 0;
  /** Rows observed when the champion's configuration started predicting (refreshes keep it). */
  #configurationSince = 0;
  #drift?: PageHinkley;
  #retrains = 0;
  readonly #refitCost = new RefitCost();
  rowsSinceRetrain = 0;

  constructor(options: LearnerOptions) {
    this.#options = options;
    this.#features = options.featureNames.length;
    this.#capacity = windowCapacity(options.window);
    this.#x = new Float64Array(this.#capacity * this.#features);
    this.#y = new Float64Array(this.#capacity);
    this.#timestamps = new Float64Array(this.#capacity);
    this.#positions = new Array<RowPosition>(this.#capacity);
    this.#predicted = new Float64Array(this.#capacity).fill(Number.NaN);
    if (options.drift?.enabled) {
      this.#drift = new PageHinkley({ delta: options.drift.delta, threshold: options.drift.threshold });
    }
  }

  get champion(): Champion | undefined {
    return this.#champion;
  }

  get rows(): number {
    return this.#size;
  }

  get retrains(): number {
    return this.#retrains;
  }

  /** Rows observed since the champion's window was cut (by its retrain or its last refresh). */
  get rowsSinceFit(): number {
    return this.#observed - this.#championCut;
  }

  /** Continues from a champion kept in the registry (after a restart or a takeover). */
  restore(champion: { json: ModelJSON; version: number; forecastAccuracy: number }, retrains: number): void {
    this.#champion = { ...champion, model: Model.fromJSON(champion.json) };
    this.#championCut = this.#observed;
    this.#configurationSince = this.#observed;
    this.#retrains = retrains;
  }

  /** The champion's prediction for a row of features, or undefined before the first model. */
  predict(features: ArrayLike<number>): number | undefined {
    const champion = this.#champion;
    if (champion === undefined) return undefined;
    return this.#options.task === 'classification'
      ? champion.model.predictRowProba(features)
      : champion.model.predictRow(features);
  }

  /**
   * Learns one row (after it was predicted). Rows with a non-finite value are not kept. Returns
   * whether the drift detector fired on the champion's error for this row (`detectDrift: false`
   * when replaying rows that were already scored before a restart). `prediction`: the champion's
   * prediction of this row when the caller made it already (else it is made again here).
   */
  observe(
    features: ArrayLike<number>,
    target: number,
    timestamp: number,
    position: RowPosition,
    options: { detectDrift?: boolean; prediction?: number } = {},
  ): { drift: boolean; statistic?: number } {
    for (let f = 0; f < this.#features; f++) if (!Number.isFinite(features[f])) return { drift: false };
    if (!Number.isFinite(target)) return { drift: false };
    let drift = false;
    let statistic: number | undefined;
    // (replayed rows were scored before a restart, by a champion that may not be this one)
    const prediction =
      options.detectDrift === false
        ? undefined
        : (options.prediction ?? (this.#drift === undefined ? undefined : this.predict(features)));
    if (prediction !== undefined && this.#drift !== undefined) {
      // Regression: the absolute error; classification: 1 − the probability given to the true class.
      drift = this.#drift.update(Math.abs(target - prediction));
      if (drift) statistic = this.#drift.alarmStatistic;
    }
    const slot = (this.#start + this.#size) % this.#capacity;
    if (this.#size === this.#capacity) this.#start = (this.#start + 1) % this.#capacity;
    else this.#size++;
    // copied value by value: no array made per row on the row path
    const base = slot * this.#features;
    for (let f = 0; f < this.#features; f++) this.#x[base + f] = features[f];
    this.#y[slot] = target;
    this.#timestamps[slot] = timestamp;
    this.#positions[slot] = position;
    this.#predicted[slot] = prediction ?? Number.NaN;
    this.#observed++;
    this.rowsSinceRetrain++;
    return drift ? { drift, statistic } : { drift };
  }

  /** The window's columns (features, then the target), for statistics and peer groups. */
  windowColumns(now = Date.now()): {
    x: Float64Array;
    rows: number;
    columns: Array<{ variable: string; values: Float64Array }>;
  } {
    const { x, y, rows } = this.cutWindow(now);
    const columns: Array<{ variable: string; values: Float64Array }> = this.#options.featureNames.map(
      (variable, f) => {
        const values = new Float64Array(rows);
        for (let r = 0; r < rows; r++) values[r] = x[r * this.#features + f];
        return { variable, values };
      },
    );
    columns.push({ variable: this.#options.targetName, values: y });
    return { x, rows, columns };
  }

  /** The window's rows, oldest first, as of `now` (seconds windows drop older rows). */
  private cutWindow(now: number): { x: Float64Array; y: Float64Array; rows: number; first: number } {
    let first = 0;
    const seconds = this.#options.window.seconds;
    if (seconds !== undefined) {
      const since = now - seconds * 1000;
      while (first < this.#size && this.#timestamps[(this.#start + first) % this.#capacity] < since) first++;
    }
    const rows = this.#size - first;
    const p = this.#features;
    const x = new Float64Array(rows * p);
    const y = new Float64Array(rows);
    // the ring holds the window in at most two runs of slots: copied run by run
    const from = (this.#start + first) % this.#capacity;
    const head = Math.min(rows, this.#capacity - from);
    x.set(this.#x.subarray(from * p, (from + head) * p), 0);
    y.set(this.#y.subarray(from, from + head), 0);
    if (head < rows) {
      x.set(this.#x.subarray(0, (rows - head) * p), head * p);
      y.set(this.#y.subarray(0, rows - head), head);
    }
    return { x, y, rows, first };
  }

  private lineage(first: number, rows: number): Record<string, [number, number]> {
    const lineage: Record<string, [number, number]> = {};
    for (let r = 0; r < rows; r++) {
      const position = this.#positions[(this.#start + first + r) % this.#capacity];
      for (const key in position) {
        const offset = position[key];
        const range = lineage[key];
        if (range === undefined) lineage[key] = [offset, offset];
        else {
          if (offset < range[0]) range[0] = offset;
          if (offset > range[1]) range[1] = offset;
        }
      }
    }
    return lineage;
  }

  /**
   * The champion's configuration's one-step record on the newest rows of the ring (at most `rows`),
   * oldest first: the predictions it made of them before each was learnt (by whichever version
   * predicted then; a refresh keeps the configuration) and their targets. Only the unbroken run of
   * newest rows it predicted counts (not a row predicted by an earlier configuration, or replayed
   * unscored), so the rows are the window's newest, as the challenger's check needs.
   */
  private championRecord(rows: number): { actual: Float64Array; predicted: Float64Array; rows: number } {
    const limit = Math.max(0, Math.min(rows, this.#size, this.#observed - this.#configurationSince));
    const slotOf = (back: number) => (this.#start + this.#size - back) % this.#capacity;
    let newest = 0;
    while (newest < limit && !Number.isNaN(this.#predicted[slotOf(newest + 1)])) newest++;
    const actual = new Float64Array(newest);
    const predicted = new Float64Array(newest);
    for (let back = newest; back >= 1; back--) {
      actual[newest - back] = this.#y[slotOf(back)];
      predicted[newest - back] = this.#predicted[slotOf(back)];
    }
    return { actual, predicted, rows: newest };
  }

  /** The window as of `now` without training (a solution without a model): its rows and offsets. */
  cutWithoutModel(now = Date.now()): { rows: number; lineage: Record<string, [number, number]> } {
    const { first, rows } = this.cutWindow(now);
    this.rowsSinceRetrain = 0;
    return { rows, lineage: this.lineage(first, rows) };
  }

  private dataset(window: { x: Float64Array; y: Float64Array; rows: number }): Dataset {
    return {
      rows: window.rows,
      features: this.#features,
      x: window.x,
      y: window.y,
      featureNames: this.#options.featureNames,
      targetName: this.#options.targetName,
    };
  }

  /**
   * Fits the champion's configuration (algorithm and hyperparameters) again on the window as of
   * `now`, on the calling thread, through the automl layer's refit: a new version whose parameters
   * learnt the newest rows, while a full retrain may be running in the background (a spec's
   * `retrain.refresh`). Only a champion whose fit is estimated below INLINE_REFRESH_MAX_NS is
   * refreshed; its metrics and forecast accuracy are those its configuration last scored (a score
   * on the few rows since its last fit would say little). Never throws on the data.
   */
  async refresh(now = Date.now()): Promise<RefreshOutcome> {
    const started = performance.now();
    const current = this.#champion;
    if (current === undefined) return { refreshed: false, reason: 'no champion yet' };
    const window = this.cutWindow(now);
    if (window.rows < MIN_WINDOW_ROWS) {
      return { refreshed: false, reason: `window has ${window.rows} rows, ${MIN_WINDOW_ROWS} needed` };
    }
    const constant = window.y[0];
    if (window.y.every((value) => value === constant)) {
      return { refreshed: false, reason: `target ${this.#options.targetName} is constant in the window` };
    }
    const algorithm = current.json.algorithm;
    const costNs = this.#refitCost.estimateNs(current.json, window.rows, this.#features);
    if (costNs > INLINE_REFRESH_MAX_NS) {
      return {
        refreshed: false,
        reason: `${algorithm} on ${window.rows} rows is estimated at ${(costNs / 1e6).toFixed(1)} ms, above the inline bound`,
      };
    }
    const observedAtCut = this.#observed;
    const lineage = this.lineage(window.first, window.rows);
    let json: ModelJSON;
    try {
      json = await refitModel(this.dataset(window), current.json, {
        metrics: current.json.metrics,
        lineage: { offsets: lineage },
      });
    } catch (error) {
      return { refreshed: false, reason: `refit failed: ${(error as Error).message}` };
    }
    // a retrain that finished meanwhile made a newer champion: it stays
    if (this.#champion !== current) return { refreshed: false, reason: 'a retrain replaced the champion' };
    this.#champion = {
      model: Model.fromJSON(json),
      json,
      version: current.version + 1,
      forecastAccuracy: current.forecastAccuracy,
    };
    this.#championCut = observedAtCut;
    return {
      refreshed: true,
      rows: window.rows,
      lineage,
      champion: this.#champion,
      elapsedMs: performance.now() - started,
    };
  }

  /**
   * One retrain on the current window. Never throws on the data: a window that cannot be trained on
   * (too few rows, a constant target, every candidate failing) is returned as `trained: false` with
   * the reason, and the champion stays.
   */
  async retrain(now = Date.now()): Promise<RetrainOutcome> {
    const started = performance.now();
    const options = this.#options;
    const window = this.cutWindow(now);
    const observedAtCut = this.#observed;
    this.rowsSinceRetrain = 0;
    if (window.rows < MIN_WINDOW_ROWS) {
      return {
        trained: false,
        reason: `window has ${window.rows} rows, ${MIN_WINDOW_ROWS} needed`,
        rows: window.rows,
      };
    }
    // The selection would fit a constant target (every model predicts it), which is no model: the
    // condition is reported instead and the champion, if any, keeps predicting.
    const constant = window.y[0];
    if (window.y.every((value) => value === constant)) {
      return {
        trained: false,
        reason: `target ${options.targetName} is constant (${constant}) in the window of ${window.rows} rows`,
        rows: window.rows,
      };
    }
    const lineage = this.lineage(window.first, window.rows);
    const data = this.dataset(window);
    // The champion this retrain competes with is the one at the cut: off the row path (inline
    // refreshes) a newer fit of the same configuration may predict by the time it finishes.
    const current = this.#champion;
    const currentCut = this.#championCut;
    /** The newest fifth of the window: the rows the challenger is scored on (its inner holdout). */
    const holdoutRows = window.rows - Math.floor(window.rows * 0.8);
    const record = this.championRecord(holdoutRows);
    let selection: SelectionResult;
    try {
      selection = await selectModel(data, {
        task: options.task,
        modelruns: options.automl.modelruns,
        timeBudgetMs: options.automl.timeBudgetMs,
        algorithms: options.automl.algorithms,
        seed: options.automl.seed + this.#retrains,
        pool: options.pool,
        // off this thread: while every pool thread has work (many solutions retraining), a
        // micro-model window's whole selection as one pool task; otherwise candidate by candidate
        // over the pool's threads, so a lone retrain uses them all, unless the plan is too cheap
        // for that to pay (the result is the same)
        ...(options.offloadTraining
          ? {
              inlineMaxCells: 0,
              wholeOnPoolMaxCells: options.pool?.busy === true ? INLINE_MAX_CELLS : 0,
              wholeOnPoolMaxPlanMs: WHOLE_ON_POOL_MAX_PLAN_MS,
            }
          : {}),
        // No cross-check of the leaders on a small window: it multiplies a retrain's cost by 1.05–3
        // (docs/benchmarks.md), and here a retrain follows every few rows and its challenger must
        // still beat the champion on rows it has not seen, which corrects a noisy pick.
        crossCheck: false,
        // GBDT candidates stop on the holdout and refit the rounds they kept: half the CPU of a
        // micro-model selection with GBDT, and the challenger check above corrects an optimistic
        // pick (docs/automl.md).
        earlyStopping: true,
        lineage: { offsets: lineage },
      });
    } catch (error) {
      return { trained: false, reason: `training failed: ${(error as Error).message}`, rows: window.rows };
    }
    this.#retrains++;
    const best = selection.leaderboard[0];
    const challengerMetrics = best?.metrics ?? {};
    const classification = options.task === 'classification';

    // Champion vs challenger on the newest rows (the newest fifth of the window, where the selection
    // scored its candidates), each model out-of-sample on each row. The champion: the predictions
    // its configuration made of those rows before each was learnt (its record, kept as the rows
    // arrive; with refreshes, each by a fit on the rows before it). The challenger: its configuration
    // fitted the same way, on the rows before each (rolling origin, selection/one-step.ts, as many
    // refits as CHALLENGER_CHECK_MAX_NS allows, challenger-check.ts; one refit is a holdout). The challenger is promoted
    // only when its losses on those rows are lower by more than noise (challenger-test.ts): it is
    // the best of the selection's candidates on those few rows, so its own score is optimistic, and
    // a promotion on a one-row comparison put a worse configuration in place until the next
    // selection landed (docs/benchmarks.md, TrumpApproval). Scored on rows it learnt from, the
    // champion would be favoured by its in-sample error. Without a record (no prediction made: a
    // solution that neither predicts nor detects drift, or rows replayed after a restart), the
    // champion of the cut predicts the rows after its window was cut; with fewer than two such
    // rows there is no measure of the noise, and it stays.
    let replaced: ReplacedChampion | undefined;
    /** The champion's metrics on those newest rows (out-of-sample for it). */
    let championMetrics: Record<string, number> | undefined;
    let promoted = true;
    if (current !== undefined) {
      let actual: Float64Array | undefined;
      let predicted: Float64Array | undefined;
      if (record.rows > 0) {
        actual = record.actual;
        predicted = record.predicted;
      } else {
        const sinceCut = Math.min(holdoutRows, Math.max(0, observedAtCut - currentCut));
        if (sinceCut > 0) {
          const holdoutStart = window.rows - sinceCut;
          const holdoutX = window.x.subarray(holdoutStart * this.#features);
          actual = window.y.subarray(holdoutStart);
          predicted = classification
            ? current.model.predictProba(holdoutX, sinceCut)
            : current.model.predict(holdoutX, sinceCut);
        }
      }
      promoted = false;
      if (actual !== undefined && predicted !== undefined) {
        championMetrics = classification
          ? { ...classificationMetrics(actual, predicted) }
          : { ...regressionMetrics(actual, predicted) };
        const championScore = classification ? championMetrics.logLoss : championMetrics.rmse;
        if (actual.length >= 2)
          promoted = await challengerWins({
            task: options.task,
            pool: options.offloadTraining ? options.pool : undefined,
            data,
            selection,
            actual,
            predicted,
            championScore,
            fitNs: this.#refitCost.estimateNs(selection.champion, data.rows, this.#features),
          });
        // the version replaced is the one predicting now (`current`, or a refresh of its
        // configuration since the cut, also while the check ran); the score is its configuration's
        const version = this.#champion?.version ?? current.version;
        replaced = classification ? { version, logLoss: championScore } : { version, rmse: championScore };
      }
    }
    let refreshed = false;
    if (
      !promoted &&
      championMetrics !== undefined &&
      current !== undefined &&
      this.#champion === current &&
      (options.refreshChampion ?? true)
    ) {
      // The champion's configuration won: fitted again on this window, it carries its score on the
      // newest rows it had not seen (out-of-sample; its holdout score from its selection is older).
      const metrics = championMetrics;
      try {
        const json = await refitModel(data, current.json, {
          pool: options.offloadTraining ? options.pool : undefined,
          metrics,
          lineage: { offsets: lineage },
        });
        // (an inline refresh that came meanwhile is newer: it stays)
        if (this.#champion === current) {
          this.#champion = {
            model: Model.fromJSON(json),
            json,
            version: current.version + 1,
            forecastAccuracy: forecastAccuracy(options.task, metrics),
          };
          this.#championCut = observedAtCut;
          refreshed = true;
          promoted = true;
        }
      } catch {
        // the old parameters keep predicting; the next retrain tries again
      }
    }
    if (promoted && !refreshed) {
      this.#champion = {
        model: Model.fromJSON(selection.champion),
        json: selection.champion,
        version: (this.#champion?.version ?? 0) + 1,
        forecastAccuracy: selection.forecastAccuracy,
      };
      this.#championCut = observedAtCut;
      // its record starts with the next row it predicts
      this.#configurationSince = this.#observed;
      // The drift detector is not restarted here (it restarts itself after an alarm): its reference
      // is the error level before the change, and a restart at each promotion would drop it — a
      // drift right after a routine retrain then went unseen, and with retrains every K < 30 rows
      // (the detector's minimum) no drift could ever be detected.
    }
    return {
      trained: true,
      rows: window.rows,
      lineage,
      challenger: {
        algorithm: selection.champion.algorithm,
        metrics: challengerMetrics,
        forecastAccuracy: selection.forecastAccuracy,
      },
      promoted,
      refreshed,
      champion: this.#champion!,
      replaced,
      candidates: selection.leaderboard.length,
      selection,
      elapsedMs: performance.now() - started,
    };
  }
}
