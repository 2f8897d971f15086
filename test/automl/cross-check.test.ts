// The small-window cross-check (selection/cross-check.ts): its out-of-fold metrics recomputed here
// from independent fits (Model.fit on each block's complement, in window order), the re-ranking
// they drive, which candidates it takes (the best few and the best linear ones), and where it does
// not apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hyperparameters } from '../../src/automl/algorithm.js';
import type { Dataset, Task } from '../../src/automl/dataset.js';
import { Model } from '../../src/automl/model.js';
import { TrainingPool } from '../../src/automl/pool/training-pool.js';
import {
  CROSS_CHECK_BLOCKS,
  CROSS_CHECK_CANDIDATES,
  CROSS_CHECK_MAX_ROWS,
  crossCheckBlocks,
  crossCheckChoice,
} from '../../src/automl/selection/cross-check.js';
import { ENSEMBLE_CANDIDATES } from '../../src/automl/selection/ensemble.js';
import { temperedLogLoss } from '../../src/automl/tempered-log-loss.js';
import { selectModel, type SelectionResult } from '../../src/automl/selection/select.js';
import { classTarget, generate, sineTarget } from './core-data.js';

test('the blocks cover the rows before the holdout, in order, sizes within one row', () => {
  for (const [rows, count] of [
    [283, 4],
    [160, 4],
    [3, 4],
    [1000, 7],
  ]) {
    const blocks = crossCheckBlocks(rows, count);
    let at = 0;
    for (const [start, end] of blocks) {
      assert.equal(start, at);
      assert.ok(end > start);
      at = end;
    }
    assert.equal(at, rows);
    const sizes = blocks.map(([s, e]) => e - s);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${rows}/${count}: ${sizes.join(',')}`);
  }
});

test('the choice: the best three, then the best of each linear family not among them', () => {
  const ranked = ['knn', 'ridge', 'gbdt', 'knn', 'ridge', 'gbdt', 'ols', 'logistic', 'ols', 'logistic'].map(
    (algorithm, rank) => ({ algorithm, rank }),
  );
  // ridge is in the top three already: its second configuration is not added; ols and logistic
  // (a classification window would not hold both; the choice does not depend on the task) once each.
  assert.deepEqual(
    crossCheckChoice(ranked).map((e) => e.rank),
    [0, 1, 2, 6, 7],
  );
  assert.deepEqual(
    crossCheckChoice(ranked.slice(0, 2)).map((e) => e.rank),
    [0, 1],
  );
  const trees = ['gbdt', 'random_forest', 'extra_trees', 'knn', 'cart'].map((algorithm, rank) => ({
    algorithm,
    rank,
  }));
  assert.deepEqual(
    crossCheckChoice(trees).map((e) => e.rank),
    [0, 1, 2],
  );
});

/** Rows [from, to) of a window, in order. */
function rowsOf(data: Dataset, ranges: Array<[number, number]>): Dataset {
  const p = data.features;
  const x: number[] = [];
  const y: number[] = [];
  for (const [from, to] of ranges) {
    x.push(...data.x.subarray(from * p, to * p));
    y.push(...data.y.subarray(from, to));
  }
  return { ...data, rows: y.length, x: Float64Array.from(x), y: Float64Array.from(y) };
}

/** Out-of-fold predictions of every row, from fits made here without the selection's code. */
function outOfFold(data: Dataset, task: Task, algorithm: string, h: Hyperparameters): Float64Array {
  const test = Math.round(data.rows * 0.2);
  const trainEnd = data.rows - test;
  const blocks = [...crossCheckBlocks(trainEnd, CROSS_CHECK_BLOCKS - 1)];
  const out = new Float64Array(data.rows);
  // The holdout is predicted from the past only; an older block from every other row.
  const folds: Array<{ block: [number, number]; train: Array<[number, number]> }> = [
    ...blocks.map(([s, e]) => ({
      block: [s, e] as [number, number],
      train: [
        [0, s],
        [e, data.rows],
      ] as Array<[number, number]>,
    })),
    { block: [trainEnd, data.rows], train: [[0, trainEnd]] },
  ];
  for (const { block, train } of folds) {
    const model = Model.fit(algorithm, rowsOf(data, train), h, task);
    const part = rowsOf(data, [block]);
    const p =
      task === 'regression' ? model.predict(part.x, part.rows) : model.predictProba(part.x, part.rows);
    out.set(p, block[0]);
  }
  return out;
}

function rmse(actual: Float64Array, predicted: Float64Array): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += (actual[i] - predicted[i]) ** 2;
  return Math.sqrt(s / actual.length);
}

function logLoss(actual: Float64Array, p: Float64Array): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
    s -= actual[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / actual.length;
}

/**
 * How many candidates the cross-check takes, worked out here from the holdout ranking: the best
 * CROSS_CHECK_CANDIDATES, and the best of ols, ridge and logistic when that family is not among them.
 */
function expectedChecked(result: SelectionResult, task: Task): number {
  const metric = task === 'regression' ? 'rmse' : 'temperedLogLoss';
  const byHoldout = result.leaderboard
    .filter((e) => e.error === undefined)
    .sort((a, b) => a.metrics[metric] - b.metrics[metric]);
  const top = new Set(byHoldout.slice(0, CROSS_CHECK_CANDIDATES).map((e) => e.algorithm));
  const linear = ['ols', 'ridge', 'logistic'].filter(
    (a) => !top.has(a) && byHoldout.some((e) => e.algorithm === a),
  );
  return Math.min(CROSS_CHECK_CANDIDATES, byHoldout.length) + linear.length;
}

function checkCrossChecked(result: SelectionResult, data: Dataset, task: Task, count: number): void {
  const checked = result.leaderboard.filter((e) => e.crossCheck !== undefined);
  assert.equal(checked.length, count);
  // They lead the leaderboard, best first by their out-of-fold score.
  assert.deepEqual(result.leaderboard.slice(0, count), checked);
  const metric = task === 'regression' ? 'rmse' : 'temperedLogLoss';
  for (let i = 1; i < count; i++) {
    assert.ok((checked[i - 1].crossCheck?.[metric] ?? NaN) <= (checked[i].crossCheck?.[metric] ?? NaN));
  }
  for (const e of checked) {
    const oof = outOfFold(data, task, e.algorithm, e.hyperparameters);
    const expected = task === 'regression' ? rmse(data.y, oof) : logLoss(data.y, oof);
    const got = e.crossCheck?.[task === 'regression' ? 'rmse' : 'logLoss'] ?? NaN;
    assert.ok(Math.abs(got - expected) <= 1e-9 * expected, `${e.algorithm}: ${got} against ${expected}`);
    if (task === 'classification') {
      // What they are ranked by (its own test: tempered-log-loss.test.ts), of the same predictions.
      const tempered = temperedLogLoss(data.y, oof);
      assert.ok(Math.abs((e.crossCheck?.temperedLogLoss ?? NaN) - tempered) <= 1e-9 * tempered);
    }
  }
  assert.equal(result.champion.algorithm, result.leaderboard[0].algorithm);
}

test('a small window: the best candidates are re-ranked on out-of-fold predictions of every row', async () => {
  const data = generate(300, 3, sineTarget, 31);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 8,
    timeBudgetMs: 60_000,
    algorithms: ['ols', 'ridge', 'knn', 'poly2_ridge'],
    ensemble: false,
  });
  const count = expectedChecked(result, 'regression');
  checkCrossChecked(result, data, 'regression', count);
  // The candidates out of the cross-check keep their holdout ranking after them.
  const rest = result.leaderboard.slice(count);
  for (let i = 1; i < rest.length; i++) assert.ok(rest[i - 1].metrics.rmse <= rest[i].metrics.rmse);
});

test('the same on the pool, and for classification (tempered log-loss of the out-of-fold probabilities)', async () => {
  const pool = new TrainingPool({ maxThreads: 2 });
  try {
    const data = generate(250, 3, classTarget, 32);
    const result = await selectModel(data, {
      task: 'classification',
      modelruns: 6,
      timeBudgetMs: 60_000,
      algorithms: ['logistic', 'knn', 'random_forest'],
      ensemble: false,
      pool,
      inlineMaxCells: 0,
    });
    checkCrossChecked(result, data, 'classification', expectedChecked(result, 'classification'));
  } finally {
    await pool.close();
  }
});

test('a linear candidate ranked below the kept holdout predictions is cross-checked all the same', async () => {
  // k-NN's many configurations fill the top of the holdout on a nonlinear target; the search keeps
  // holdout predictions for its best ENSEMBLE_CANDIDATES only, so least squares' holdout block is
  // predicted again by the cross-check, and its out-of-fold metric still matches fits made here.
  const data = generate(400, 2, sineTarget, 37);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 30,
    timeBudgetMs: 60_000,
    algorithms: ['knn', 'ols', 'gp'],
    ensemble: false,
  });
  const byHoldout = [...result.leaderboard].sort((a, b) => a.metrics.rmse - b.metrics.rmse);
  const olsRank = byHoldout.findIndex((e) => e.algorithm === 'ols');
  assert.ok(olsRank >= ENSEMBLE_CANDIDATES, `ols ranked ${olsRank} on the holdout`);
  assert.ok(result.leaderboard.find((e) => e.algorithm === 'ols')?.crossCheck !== undefined);
  checkCrossChecked(result, data, 'regression', CROSS_CHECK_CANDIDATES + 1);
});

test('a budget the search alone would fill leaves the cross-check its share', async () => {
  // 10,000 runs of linear models and k-NN do not fit in 0.4 s (about 0.1 ms each): without the share
  // the search takes the whole budget and the cross-check, run after it, finds no time left.
  const data = generate(300, 3, sineTarget, 38);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 10_000,
    timeBudgetMs: 400,
    algorithms: ['ols', 'ridge', 'knn'],
    ensemble: false,
  });
  assert.ok(result.skippedCandidates > 0, 'the budget binds');
  checkCrossChecked(result, data, 'regression', expectedChecked(result, 'regression'));
});

test('not cross-checked: when turned off, above the row limit, or without the budget for it', async () => {
  const options = {
    task: 'regression' as const,
    modelruns: 6,
    timeBudgetMs: 60_000,
    algorithms: ['ols', 'ridge', 'knn'],
    ensemble: false,
  };
  const none = (r: SelectionResult) => r.leaderboard.every((e) => e.crossCheck === undefined);
  assert.ok(none(await selectModel(generate(300, 3, sineTarget, 33), { ...options, crossCheck: false })));
  assert.ok(none(await selectModel(generate(CROSS_CHECK_MAX_ROWS + 1, 3, sineTarget, 34), options)));
  assert.ok(none(await selectModel(generate(300, 3, sineTarget, 35), { ...options, cvFolds: 3 })));
  // A budget already spent: the search still answers (one candidate always runs), unchecked.
  assert.ok(none(await selectModel(generate(300, 3, sineTarget, 36), { ...options, timeBudgetMs: 1e-3 })));
});
