import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InsufficientDataError,
  InvalidHyperparameterError,
  InvalidInputError,
  UnknownAlgorithmError,
} from '../../src/automl/errors.js';
import { Model } from '../../src/automl/model.js';
import { selectModel, type SelectOptions } from '../../src/automl/selection/select.js';
import { classTarget, generate, linearTarget, sineTarget } from './core-data.js';

const REGRESSION: SelectOptions = {
  task: 'regression',
  modelruns: 8,
  timeBudgetMs: 60_000,
  algorithms: ['ols', 'ridge', 'lasso', 'elastic_net', 'poly2_ridge', 'knn', 'gp'],
};

function assertFinite(values: Float64Array): void {
  for (const v of values) assert.ok(Number.isFinite(v), `non-finite prediction ${v}`);
}

test('NaN, Infinity and missing values: rows dropped and counted, never passed on', async () => {
  const data = generate(200, 3, linearTarget);
  data.x[5 * 3 + 1] = NaN;
  data.x[17 * 3] = Infinity;
  data.y[30] = -Infinity;
  data.y[31] = NaN;
  const result = await selectModel(data, REGRESSION);
  assert.equal(result.droppedRows, 4);
  assert.equal(result.champion.rows, 196);
  const model = Model.fromJSON(result.champion);
  assertFinite(model.predict(data.x.subarray(0, 15), 5));
  assert.throws(() => model.predictRow([NaN, 0, 0]), InvalidInputError);
  assert.throws(
    () => model.predict(Float64Array.from([0, Infinity, 0]), 1),
    /non-finite value Infinity for feature x2/,
  );

  const allBad = generate(5, 2, () => NaN);
  await assert.rejects(selectModel(allBad, REGRESSION), InsufficientDataError);
});

test('constant columns: recorded as a fallback and without effect on predictions', async () => {
  const data = generate(200, 3, linearTarget);
  for (let r = 0; r < 200; r++) data.x[r * 3 + 2] = 7;
  const result = await selectModel(data, REGRESSION);
  assert.ok(result.fallbacks.some((f) => f.includes('x3 is constant')));
  const ridge = Model.fit('ridge', data, {}, 'regression');
  assert.equal(ridge.predictRow([1, 1, 7]), ridge.predictRow([1, 1, -100]));
  for (const algorithm of REGRESSION.algorithms ?? []) {
    assertFinite(Model.fit(algorithm, data, {}, 'regression').predict(data.x, data.rows));
  }
});

test('fewer rows than features: minimum-norm fits, finite predictions', async () => {
  const data = generate(8, 20, sineTarget);
  const result = await selectModel(data, REGRESSION);
  assert.ok(result.fallbacks.some((f) => f.includes('fewer rows (8) than features (20)')));
  assertFinite(Model.fromJSON(result.champion).predict(data.x, data.rows));
  const ols = Model.fit('ols', data, {}, 'regression');
  assert.ok(ols.fallbacks.some((f) => f.includes('pseudo-inverse')));
  // with more unknowns than equations the minimum-norm solution interpolates the training rows
  const fitted = ols.predict(data.x, data.rows);
  for (let r = 0; r < 8; r++) assert.ok(Math.abs(fitted[r] - data.y[r]) < 1e-8);
});

test('a single row: selection refuses with InsufficientDataError; a direct fit predicts that row', async () => {
  const data = generate(1, 3, linearTarget);
  await assert.rejects(selectModel(data, REGRESSION), InsufficientDataError);
  for (const algorithm of ['ols', 'ridge', 'lasso', 'knn', 'gp', 'poly2_ridge']) {
    const model = Model.fit(algorithm, data, {}, 'regression');
    assert.ok(Math.abs(model.predictRow([5, -5, 0]) - data.y[0]) < 1e-9, algorithm);
  }
  assert.throws(
    () => Model.fit('ols', generate(0, 3, linearTarget), {}, 'regression'),
    InsufficientDataError,
  );
});

test('an all-equal target: every model predicts the constant, recorded', async () => {
  const data = generate(100, 3, () => 12.5);
  const result = await selectModel(data, REGRESSION);
  assert.ok(result.fallbacks.some((f) => f.includes('target y is constant')));
  const model = Model.fromJSON(result.champion);
  assert.equal(model.predictRow([0.3, -1, 1]), 12.5);
  assert.equal(result.forecastAccuracy, 1);
  for (const algorithm of REGRESSION.algorithms ?? []) {
    const predictions = Model.fit(algorithm, data, {}, 'regression').predict(data.x.subarray(0, 30), 10);
    for (const v of predictions) assert.ok(Math.abs(v - 12.5) < 1e-9, `${algorithm}: ${v}`);
  }
});

test('a one-class classification window is refused; non-binary labels are invalid', async () => {
  const options: SelectOptions = { task: 'classification', modelruns: 4, timeBudgetMs: 60_000 };
  await assert.rejects(
    selectModel(
      generate(50, 2, () => 1),
      options,
    ),
    InsufficientDataError,
  );
  const labels = generate(50, 2, classTarget);
  labels.y[3] = 2;
  await assert.rejects(selectModel(labels, options), /targets must be 0 or 1/);
  assert.throws(() => Model.fit('logistic', labels, {}, 'classification'), InvalidInputError);
});

test('wrong-length input vectors are rejected with the expected shape named', () => {
  const model = Model.fit('ridge', generate(50, 3, linearTarget), {}, 'regression');
  assert.throws(() => model.predictRow([1, 2]), /expected 3 values \(x1, x2, x3\), got 2/);
  assert.throws(() => model.predictRow([1, 2, 3, 4]), InvalidInputError);
  assert.throws(() => model.predict(new Float64Array(7), 2), InvalidInputError);
  assert.throws(() => model.predict(new Float64Array(6), 1.5), InvalidInputError);
  assert.deepEqual(model.predict(new Float64Array(0), 0), new Float64Array(0));
});

test('absurd hyperparameters get an error naming the algorithm and the hyperparameter', () => {
  const data = generate(50, 3, linearTarget);
  const cases: Array<[string, Record<string, number | string | boolean>]> = [
    ['knn', { k: -1 }],
    ['knn', { k: 2.5 }],
    ['knn', { weights: 'gaussian' }],
    ['ridge', { lambda: -1 }],
    ['ridge', { lambda: NaN }],
    ['lasso', { lambdaRatio: -0.1 }],
    ['elastic_net', { l1Ratio: 2 }],
    ['poly2_ridge', { interactions: 'yes' }],
    ['gp', { lengthScale: 0 }],
    ['gp', { noise: -1 }],
    ['gp', { maxRows: 1e9 }],
  ];
  for (const [algorithm, hyperparameters] of cases) {
    assert.throws(
      () => Model.fit(algorithm, data, hyperparameters, 'regression'),
      (e: unknown) =>
        e instanceof InvalidHyperparameterError &&
        e.algorithm === algorithm &&
        Object.keys(hyperparameters).includes(e.hyperparameter),
      `${algorithm} ${JSON.stringify(hyperparameters)}`,
    );
  }
  assert.throws(
    () => Model.fit('logistic', generate(50, 2, classTarget), { l2: -3 }, 'classification'),
    InvalidHyperparameterError,
  );
});

test('bad selection options and unknown algorithms are refused clearly', async () => {
  const data = generate(50, 2, linearTarget);
  for (const modelruns of [0, -1, 1.5, NaN]) {
    await assert.rejects(selectModel(data, { ...REGRESSION, modelruns }), InvalidInputError);
  }
  await assert.rejects(selectModel(data, { ...REGRESSION, timeBudgetMs: -5 }), InvalidInputError);
  await assert.rejects(selectModel(data, { ...REGRESSION, holdoutFraction: 1 }), InvalidInputError);
  await assert.rejects(selectModel(data, { ...REGRESSION, cvFolds: 0 }), InvalidInputError);
  await assert.rejects(selectModel(data, { ...REGRESSION, algorithms: ['nope'] }), UnknownAlgorithmError);
  await assert.rejects(selectModel(data, { ...REGRESSION, algorithms: ['logistic'] }), UnknownAlgorithmError);
  assert.throws(
    () => Model.fit('ols', { ...data, featureNames: ['a'] }, {}, 'regression'),
    InvalidInputError,
  );
});
