// On a small window the newest-20% holdout that ranks the candidates is a few dozen rows (71 on a
// 354-row window): which of the top few candidates wins there is largely noise, and the pick often
// loses on the next rows to a simpler runner-up. So, when the window is small, the best few
// candidates and the best of the cheap linear families are cross-checked: the older 80% of the window is cut into consecutive blocks, each
// block predicted by a fit on every other row of the window, and together with the holdout's own
// predictions every row of the window then has an out-of-fold prediction from each candidate. The
// candidates are re-ranked on those (5× the validation rows), and the ensemble is built from them
// (as AutoGluon builds its ensembles from out-of-fold predictions).
//
// A block trains on rows newer than itself too: that is k-fold validation, not a forecast. It
// ranks a handful of configurations the time-ordered holdout already chose; the holdout block,
// one of the folds, is still predicted from the past only.

import type { Hyperparameters } from '../algorithm.js';
import type { Split } from '../data/splits.js';
import type { Dataset, Task } from '../dataset.js';
import { classificationMetrics, regressionMetrics } from '../metrics.js';
import { shareWindow } from '../pool/shared-window.js';
import type { EvaluateResult, EvaluateTask, TaskOutcome } from '../pool/tasks.js';
import { selectionScore } from './champion.js';

/** Windows up to this many rows are cross-checked (above, the holdout has enough rows). */
export const CROSS_CHECK_MAX_ROWS = 600;
/** How many of the best candidates by holdout score are cross-checked. */
export const CROSS_CHECK_CANDIDATES = 3;
/**
 * The share of a selection's time budget its search leaves to the cross-check (on the windows it
 * applies to). Without it a search with more runs planned than the budget holds (VIPER users set
 * a timeout; FLAML-style use plans thousands) used the whole budget and the cross-check never
 * ran; a few hundred candidates into a small window's search, the last fifth adds little.
 */
export const CROSS_CHECK_BUDGET_SHARE = 0.2;
/** Blocks of the window, the holdout included (so 4 extra fits per candidate). */
export const CROSS_CHECK_BLOCKS = 5;
/**
 * The cheap linear families: the best of each is cross-checked too, wherever it ranked on the
 * holdout. A small window's holdout favours the flexible models that happen to fit its few rows
 * (on scikit-learn's diabetes, 354 rows, k-NN and extra trees led the holdout, least squares was
 * ninth, and least squares predicted the next rows best); the out-of-fold rows judge them on five
 * times as many rows, for a few fits that cost less than any tree's.
 */
export const CROSS_CHECK_LINEAR: readonly string[] = ['ols', 'ridge', 'logistic'];

/**
 * The candidates to cross-check, in their holdout order: the best CROSS_CHECK_CANDIDATES, and the
 * best of each CROSS_CHECK_LINEAR family that is not among them. `ranked` is best first.
 */
export function crossCheckChoice<T extends { algorithm: string }>(ranked: readonly T[]): T[] {
  const linear = new Set(CROSS_CHECK_LINEAR);
  return ranked.filter((e, i) => {
    if (i < CROSS_CHECK_CANDIDATES) return true;
    if (!linear.has(e.algorithm)) return false;
    linear.delete(e.algorithm);
    return !ranked.slice(0, CROSS_CHECK_CANDIDATES).some((top) => top.algorithm === e.algorithm);
  });
}

export interface CrossCheckInput {
  index: number;
  algorithm: string;
  hyperparameters: Hyperparameters;
  /**
   * The candidate's predictions of the holdout rows (the last block); absent when the search did
   * not keep them (it keeps the best few only): the holdout is then predicted again.
   */
  predictions?: Float64Array;
}

export interface CrossChecked {
  index: number;
  /** Out-of-fold predictions of every row of the window, in window order. */
  predictions: Float64Array;
  /** Metrics of those predictions against the whole window's targets. */
  metrics: Record<string, number>;
  score: number;
}

/** The blocks of the rows before the holdout: `count` consecutive ranges of (nearly) equal size. */
export function crossCheckBlocks(trainEnd: number, count: number): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  for (let k = 0; k < count; k++) {
    const start = Math.round((k * trainEnd) / count);
    const end = Math.round(((k + 1) * trainEnd) / count);
    if (end > start) blocks.push([start, end]);
  }
  return blocks;
}

/** The window with rows [start, end) moved to its end: a holdout split then predicts them. */
function blockLast(data: Dataset, start: number, end: number): Dataset {
  const { rows, features: p } = data;
  const x = new Float64Array(rows * p);
  const y = new Float64Array(rows);
  let at = 0;
  const copy = (from: number, to: number) => {
    x.set(data.x.subarray(from * p, to * p), at * p);
    y.set(data.y.subarray(from, to), at);
    at += to - from;
  };
  copy(0, start);
  copy(end, rows);
  copy(start, end);
  return { ...data, x, y };
}

/**
 * Out-of-fold predictions and metrics of each candidate over the whole window, best first by the
 * selection score; a candidate that fails on a block is left out. `run` scores one evaluate task
 * (inline or on the pool). Null when fewer than two candidates came through.
 */
export async function crossCheck(
  task: Task,
  data: Dataset,
  holdout: Split,
  candidates: readonly CrossCheckInput[],
  run: (task: EvaluateTask) => Promise<TaskOutcome<EvaluateResult>>,
): Promise<CrossChecked[] | null> {
  const blocks = crossCheckBlocks(holdout.trainEnd, CROSS_CHECK_BLOCKS - 1);
  const oof = candidates.map((c) => {
    const out = new Float64Array(data.rows);
    if (c.predictions !== undefined) out.set(c.predictions, holdout.testStart);
    return out;
  });
  const failed = new Set<number>();
  const pending: Array<Promise<void>> = [];
  const holdoutRows = holdout.testEnd - holdout.testStart;
  const whole = candidates.some((c) => c.predictions === undefined) ? shareWindow(data) : undefined;
  candidates.forEach((c, i) => {
    if (c.predictions !== undefined || whole === undefined) return;
    pending.push(
      run({
        kind: 'evaluate',
        ...whole,
        task,
        algorithm: c.algorithm,
        hyperparameters: c.hyperparameters,
        splits: [holdout],
      }).then((outcome) => {
        if (outcome.ok && outcome.predictions?.length === holdoutRows)
          oof[i].set(outcome.predictions, holdout.testStart);
        else failed.add(i);
      }),
    );
  });
  for (const [start, end] of blocks) {
    const window = shareWindow(blockLast(data, start, end));
    const length = end - start;
    const split: Split = {
      trainStart: 0,
      trainEnd: data.rows - length,
      testStart: data.rows - length,
      testEnd: data.rows,
    };
    candidates.forEach((c, i) => {
      pending.push(
        run({
          kind: 'evaluate',
          ...window,
          task,
          algorithm: c.algorithm,
          hyperparameters: c.hyperparameters,
          splits: [split],
        }).then((outcome) => {
          if (outcome.ok && outcome.predictions?.length === length) oof[i].set(outcome.predictions, start);
          else failed.add(i);
        }),
      );
    });
  }
  await Promise.all(pending);
  const checked: CrossChecked[] = [];
  candidates.forEach((c, i) => {
    if (failed.has(i)) return;
    const metrics: Record<string, number> = {
      ...(task === 'regression' ? regressionMetrics(data.y, oof[i]) : classificationMetrics(data.y, oof[i])),
    };
    checked.push({ index: c.index, predictions: oof[i], metrics, score: selectionScore(task, metrics) });
  });
  // Stable: ties keep the holdout's order.
  checked.sort((a, b) => a.score - b.score);
  return checked.length >= 2 ? checked : null;
}
