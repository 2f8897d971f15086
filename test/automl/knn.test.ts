import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNN_MAX_STORED_VALUES } from '../../src/automl/algorithms/knn.js';
import { accuracy } from '../../src/automl/metrics.js';
import { Model } from '../../src/automl/model.js';
import { classTarget, generate, r2Of, sineTarget } from './core-data.js';

test('k = 1 reproduces the training targets exactly', () => {
  const data = generate(200, 3, sineTarget);
  const model = Model.fit('knn', data, { k: 1 }, 'regression');
  assert.deepEqual(model.predict(data.x, data.rows), data.y);
});

test('k-NN regression learns a nonlinear surface; distance weighting also works', () => {
  const train = generate(2000, 2, sineTarget, 1);
  const hold = generate(500, 2, sineTarget, 2);
  for (const weights of ['uniform', 'distance']) {
    const model = Model.fit('knn', train, { k: 10, weights }, 'regression');
    const r2 = r2Of(hold.y, model.predict(hold.x, hold.rows));
    assert.ok(r2 > 0.95, `${weights}: R² ${r2}`);
  }
});

test('k-NN classification gives the share of class-1 neighbours as probability', () => {
  const train = generate(1500, 2, classTarget, 3);
  const hold = generate(1000, 2, classTarget, 4);
  const model = Model.fit('knn', train, { k: 25 }, 'classification');
  const probability = model.predictProba(hold.x, hold.rows);
  for (const p of probability) assert.ok(Math.abs(p * 25 - Math.round(p * 25)) < 1e-9);
  assert.ok(accuracy(hold.y, probability) > 0.85);
});

test('stored rows are capped (newest kept) and k larger than the rows is clamped, both recorded', () => {
  const features = 20;
  const rows = Math.floor(KNN_MAX_STORED_VALUES / (features + 1)) + 100;
  const data = generate(rows, features, sineTarget);
  const model = Model.fit('knn', data, { k: 1 }, 'regression');
  const json = model.toJSON();
  assert.equal(json.parameters.rows, Math.floor(KNN_MAX_STORED_VALUES / (features + 1)));
  assert.ok(model.fallbacks.some((f) => f.includes('newest')));
  assert.ok(JSON.stringify(json).length < 1_000_000);
  // the newest row is kept, the oldest is not
  const last = data.x.slice((rows - 1) * features, rows * features);
  assert.equal(model.predictRow(last), data.y[rows - 1]);

  const small = generate(4, 2, sineTarget);
  const clamped = Model.fit('knn', small, { k: 10 }, 'regression');
  assert.ok(clamped.fallbacks.some((f) => f.includes('k = 4 used')));
  let mean = 0;
  for (const v of small.y) mean += v;
  assert.ok(Math.abs(clamped.predictRow([0, 0]) - mean / 4) < 1e-12);
});
