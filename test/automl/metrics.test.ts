import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, auc, logLoss, mae, mape, r2, rmse } from '../../src/automl/metrics.js';
import { forecastAccuracy } from '../../src/automl/selection/champion.js';

const f = (v: number[]): Float64Array => Float64Array.from(v);

test('regression metrics match hand-computed values', () => {
  const actual = f([1, 2, 3, 4]);
  const predicted = f([1.5, 2, 2, 4]);
  assert.ok(Math.abs(rmse(actual, predicted) - Math.sqrt((0.25 + 1) / 4)) < 1e-15);
  assert.equal(mae(actual, predicted), 0.375);
  assert.ok(Math.abs(mape(actual, predicted) - (0.5 / 1 + 1 / 3) / 4) < 1e-15);
  // SStot = 5, SSres = 1.25
  assert.ok(Math.abs(r2(actual, predicted) - (1 - 1.25 / 5)) < 1e-15);
});

test('MAPE is guarded against zero actuals and stays finite', () => {
  const actual = f([0, 100, 100, 100]);
  const predicted = f([1, 100, 100, 100]);
  // |0| is floored at 1 % of mean |actual| = 0.75, so the first term is 1 / 0.75
  assert.ok(Math.abs(mape(actual, predicted) - 1 / 0.75 / 4) < 1e-12);
  assert.equal(mape(f([0, 0]), f([0, 0])), 0);
  assert.ok(Number.isFinite(mape(f([0, 0]), f([1, -1]))));
});

test('R² of a constant holdout is finite: 1 for an exact fit, 0 otherwise', () => {
  assert.equal(r2(f([2, 2, 2]), f([2, 2, 2])), 1);
  assert.equal(r2(f([2, 2, 2]), f([2, 3, 2])), 0);
});

test('classification metrics: accuracy, clipped log-loss, rank AUC with ties', () => {
  const actual = f([0, 0, 1, 1]);
  assert.equal(accuracy(actual, f([0.1, 0.6, 0.7, 0.4])), 0.5);
  assert.ok(Math.abs(logLoss(actual, f([0.5, 0.5, 0.5, 0.5])) - Math.log(2)) < 1e-15);
  assert.ok(Number.isFinite(logLoss(actual, f([1, 1, 0, 0]))));
  assert.equal(auc(actual, f([0.1, 0.2, 0.8, 0.9])), 1);
  assert.equal(auc(actual, f([0.9, 0.8, 0.2, 0.1])), 0);
  assert.equal(auc(actual, f([0.5, 0.5, 0.5, 0.5])), 0.5);
  assert.equal(auc(f([1, 1]), f([0.2, 0.3])), 0.5);
});

test('rank AUC equals the share of correctly ordered positive/negative pairs', () => {
  const actual = f([1, 0, 1, 0, 0, 1, 1, 0, 1, 0]);
  const score = f([0.9, 0.3, 0.3, 0.5, 0.1, 0.7, 0.5, 0.8, 0.2, 0.3]);
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      if (actual[i] !== 1 || actual[j] !== 0) continue;
      pairs++;
      wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
    }
  }
  assert.ok(Math.abs(auc(actual, score) - wins / pairs) < 1e-15);
  // k-NN-like scores (fifths, ties everywhere) over 500 rows, against the same pair count
  let seed = 3;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const labels = f(Array.from({ length: 500 }, () => (next() < 0.4 ? 1 : 0)));
  const fifths = f(Array.from(labels, (y) => Math.min(5, Math.floor(next() * 4 + 2 * y)) / 5));
  let won = 0;
  let all = 0;
  for (let i = 0; i < 500; i++) {
    for (let j = 0; j < 500; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      all++;
      won += fifths[i] > fifths[j] ? 1 : fifths[i] === fifths[j] ? 0.5 : 0;
    }
  }
  assert.ok(Math.abs(auc(labels, fifths) - won / all) < 1e-15);
});

test('forecastAccuracy is 1 − MAPE clipped to [0, 1] for regression, accuracy for classification', () => {
  assert.equal(forecastAccuracy('regression', { mape: 0.25 }), 0.75);
  assert.equal(forecastAccuracy('regression', { mape: 3 }), 0);
  assert.equal(forecastAccuracy('classification', { accuracy: 0.9, mape: 3 }), 0.9);
});
