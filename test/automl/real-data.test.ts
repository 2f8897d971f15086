// Accuracy on real data: scikit-learn's bundled diabetes (regression) and breast-cancer
// (classification) sets, exported once to test/fixtures/ (see its README for source and licence).
// The newest 20% of rows (the last 20% of each file) is the holdout, as in every tml selection.
//
// Measured (tml: this test's selection, seed 1, modelruns 20; scikit-learn 1.9.1: the same
// algorithms and hyperparameters, from bench/python/real_data_reference.py, same split):
//
//   diabetes, 354 + 88 rows × 10  | holdout RMSE | R²    | MAPE
//   predict the training mean     | 80.53        | –     | –
//   tml champion (ols)            | 53.95        | 0.550 | 0.389  (ForecastAccuracy 0.611)
//   scikit-learn best (OLS)       | 53.95        | 0.550 | 0.389
//   scikit-learn ridge/lasso/kNN/forest/GBDT: 53.99–65.21
//
//   breast cancer, 455 + 114 × 30 | holdout accuracy | log-loss
//   majority class (benign)       | 0.7719           | –
//   tml champion (gbdt 200 × 0.05)| 0.9912           | 0.039   (AUC 1.000)
//   scikit-learn best             | 0.9825 (logistic l2 = 0.01 / 0.1, HistGradientBoosting 100)
//
// The thresholds sit a little below what tml reaches and far above the trivial baselines, so a
// broken learner or selection fails them while run-to-run noise (there is none: seeded) cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetFromRows } from '../../src/automl/data/build.js';
import { holdoutSplit } from '../../src/automl/data/splits.js';
import type { Dataset } from '../../src/automl/dataset.js';
import { Model } from '../../src/automl/model.js';
import { selectModel } from '../../src/automl/selection/select.js';

/** test/fixtures, found from the source (tsx) or the compiled (dist/test) location alike. */
function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return join(dir, 'test', 'fixtures');
}

function loadFixture(name: string): { dataset: Dataset; droppedRows: number } {
  const [header, ...lines] = readFileSync(join(fixturesDir(), name), 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  return datasetFromRows({
    featureNames: names.slice(0, -1),
    targetName: names[names.length - 1],
    rows: lines.map((line) => line.split(',')),
  });
}

/** Holdout rows [from, rows) of a window as their own (x, y). */
function holdoutOf(data: Dataset): { x: Float64Array; y: Float64Array; rows: number; trainEnd: number } {
  const { trainEnd } = holdoutSplit(data.rows, 0.2);
  return {
    x: data.x.slice(trainEnd * data.features),
    y: data.y.slice(trainEnd),
    rows: data.rows - trainEnd,
    trainEnd,
  };
}

test('diabetes: the selected regressor beats predicting the mean by far and matches scikit-learn', async () => {
  const { dataset, droppedRows } = loadFixture('diabetes.csv');
  assert.equal(dataset.rows, 442);
  assert.equal(dataset.features, 10);
  assert.equal(droppedRows, 0);
  assert.deepEqual(dataset.featureNames, ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);

  const result = await selectModel(dataset, {
    task: 'regression',
    modelruns: 20,
    timeBudgetMs: 120_000,
    seed: 1,
  });
  assert.equal(result.skippedCandidates, 0);
  const best = result.leaderboard[0].metrics;

  // Trivial baseline: the training rows' mean, scored on the same holdout.
  const holdout = holdoutOf(dataset);
  let mean = 0;
  for (let r = 0; r < holdout.trainEnd; r++) mean += dataset.y[r];
  mean /= holdout.trainEnd;
  let squares = 0;
  for (let r = 0; r < holdout.rows; r++) squares += (holdout.y[r] - mean) ** 2;
  const baselineRmse = Math.sqrt(squares / holdout.rows);
  assert.ok(Math.abs(baselineRmse - 80.53) < 0.01, `mean-predictor RMSE ${baselineRmse}`);

  assert.ok(best.rmse < 56, `holdout RMSE ${best.rmse} (tml 53.95, scikit-learn's best 53.95, mean 80.53)`);
  assert.ok(best.rmse < 0.75 * baselineRmse);
  assert.ok(best.r2 > 0.5, `holdout R² ${best.r2} (tml 0.550)`);
  assert.ok(result.forecastAccuracy > 0.58, `ForecastAccuracy ${result.forecastAccuracy} (tml 0.611)`);
  assert.equal(result.champion.metrics.rmse, best.rmse);

  // The champion travels as JSON and predicts in the target's units from the named features.
  const model = Model.fromJSON(JSON.parse(JSON.stringify(result.champion)));
  assert.deepEqual(model.featureNames, dataset.featureNames);
  const predictions = model.predict(holdout.x, holdout.rows);
  for (const p of predictions) assert.ok(p > 0 && p < 400, `prediction ${p} outside the target's range`);
});

test('breast cancer: the selected classifier is far above the majority class and at least scikit-learn level', async () => {
  const { dataset, droppedRows } = loadFixture('breast-cancer.csv');
  assert.equal(dataset.rows, 569);
  assert.equal(dataset.features, 30);
  assert.equal(droppedRows, 0);

  const result = await selectModel(dataset, {
    task: 'classification',
    modelruns: 20,
    timeBudgetMs: 120_000,
    seed: 1,
  });
  assert.equal(result.skippedCandidates, 0);
  const best = result.leaderboard[0].metrics;

  // Trivial baseline: always answer the training rows' majority class.
  const holdout = holdoutOf(dataset);
  let ones = 0;
  for (let r = 0; r < holdout.trainEnd; r++) ones += dataset.y[r];
  const majority = ones * 2 >= holdout.trainEnd ? 1 : 0;
  let hits = 0;
  for (let r = 0; r < holdout.rows; r++) if (holdout.y[r] === majority) hits++;
  const baselineAccuracy = hits / holdout.rows;
  assert.ok(Math.abs(baselineAccuracy - 0.7719) < 1e-3, `majority-class accuracy ${baselineAccuracy}`);

  assert.ok(best.accuracy >= 0.965, `holdout accuracy ${best.accuracy} (tml 0.991, scikit-learn 0.982)`);
  assert.ok(best.auc >= 0.99, `holdout AUC ${best.auc} (tml 1.000)`);
  assert.ok(best.logLoss < 0.08, `holdout log-loss ${best.logLoss} (tml 0.039)`);
  assert.equal(result.forecastAccuracy, best.accuracy, 'VIPER ForecastAccuracy = holdout accuracy');

  const model = Model.fromJSON(JSON.parse(JSON.stringify(result.champion)));
  const classes = model.predict(holdout.x, holdout.rows);
  const probabilities = model.predictProba(holdout.x, holdout.rows);
  for (let r = 0; r < holdout.rows; r++) {
    assert.ok(classes[r] === 0 || classes[r] === 1);
    assert.ok(probabilities[r] >= 0 && probabilities[r] <= 1);
    assert.equal(classes[r], probabilities[r] >= 0.5 ? 1 : 0);
  }
});
