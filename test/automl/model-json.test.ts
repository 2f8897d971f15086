import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, UnknownAlgorithmError } from '../../src/automl/errors.js';
import { Model, MODEL_SCHEMA_VERSION, type ModelJSON } from '../../src/automl/model.js';
import { classTarget, generate, sineTarget } from './core-data.js';

const REGRESSORS = ['ols', 'ridge', 'lasso', 'elastic_net', 'poly2_ridge', 'knn', 'gp'];
const CLASSIFIERS = ['logistic', 'knn', 'svm'];

function bytes(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

test('every core algorithm predicts bit-identically after a JSON round trip', () => {
  const train = generate(300, 4, sineTarget, 1);
  const query = generate(200, 4, sineTarget, 2);
  const cases: Array<[string, 'regression' | 'classification']> = [
    ...REGRESSORS.map((a) => [a, 'regression'] as [string, 'regression']),
    ...CLASSIFIERS.map((a) => [a, 'classification'] as [string, 'classification']),
  ];
  const cls = generate(300, 4, classTarget, 1);
  for (const [algorithm, task] of cases) {
    const model = Model.fit(algorithm, task === 'regression' ? train : cls, {}, task);
    const text = JSON.stringify(model.toJSON());
    const loaded = Model.fromJSON(JSON.parse(text) as ModelJSON);
    const again = Model.fromJSON(text);
    const a =
      task === 'regression' ? model.predict(query.x, query.rows) : model.predictProba(query.x, query.rows);
    const b =
      task === 'regression' ? loaded.predict(query.x, query.rows) : loaded.predictProba(query.x, query.rows);
    const c =
      task === 'regression' ? again.predict(query.x, query.rows) : again.predictProba(query.x, query.rows);
    assert.ok(bytes(a).equals(bytes(b)), `${algorithm} (${task}) differs after round trip`);
    assert.ok(bytes(a).equals(bytes(c)), `${algorithm} (${task}) differs after string round trip`);
    for (let r = 0; r < 5; r++) {
      const row = query.x.subarray(r * 4, r * 4 + 4);
      const one = task === 'regression' ? loaded.predictRow(row) : loaded.predictRowProba(row);
      assert.ok(Object.is(one, a[r]), `${algorithm}: predictRow differs from predict`);
    }
  }
});

test('model JSON carries version, names, normalisation, metrics and lineage', () => {
  const data = generate(100, 3, sineTarget);
  const model = Model.fit('ridge', data, { lambda: 0.1 }, 'regression', {
    metrics: { rmse: 0.5 },
    lineage: { topic: 'joined', offsets: [0, 99] },
  });
  const json = JSON.parse(JSON.stringify(model.toJSON())) as ModelJSON;
  assert.equal(json.schemaVersion, MODEL_SCHEMA_VERSION);
  assert.equal(json.algorithm, 'ridge');
  assert.equal(json.task, 'regression');
  assert.deepEqual(json.hyperparameters, { lambda: 0.1 });
  assert.deepEqual(json.featureNames, ['x1', 'x2', 'x3']);
  assert.equal(json.targetName, 'y');
  assert.equal(json.normalisation.mean.length, 3);
  assert.equal(json.normalisation.std.length, 3);
  assert.deepEqual(json.metrics, { rmse: 0.5 });
  assert.deepEqual(json.lineage, { topic: 'joined', offsets: [0, 99] });
  assert.equal(json.rows, 100);
  assert.ok(!Number.isNaN(Date.parse(json.trainedAt)));
});

test('loading rejects other schema versions, unknown algorithms and inconsistent shapes', () => {
  const json = Model.fit('ols', generate(20, 2, sineTarget), {}, 'regression').toJSON();
  assert.throws(() => Model.fromJSON({ ...json, schemaVersion: 2 as 1 }), InvalidInputError);
  assert.throws(() => Model.fromJSON({ ...json, algorithm: 'deep_magic' }), UnknownAlgorithmError);
  assert.throws(() => Model.fromJSON({ ...json, task: 'classification' }), UnknownAlgorithmError);
  assert.throws(() => Model.fromJSON({ ...json, normalisation: { mean: [0], std: [1] } }), InvalidInputError);
});

test('classifiers answer labels from predict and probabilities from predictProba; regressors refuse probabilities', () => {
  const data = generate(200, 2, classTarget);
  const model = Model.fit('logistic', data, {}, 'classification');
  const labels = model.predict(data.x, data.rows);
  assert.ok(labels.every((v) => v === 0 || v === 1));
  const regression = Model.fit('ols', generate(20, 2, sineTarget), {}, 'regression');
  assert.throws(() => regression.predictProba(new Float64Array(2), 1), InvalidInputError);
});

// Its speed is measured in bench/automl-speed.ts (npm run bench:automl-speed).
test('batch linear prediction of 200,000 rows equals row-by-row prediction', () => {
  const data = generate(1000, 5, sineTarget);
  const model = Model.fit('ridge', data, {}, 'regression');
  const query = generate(200_000, 5, sineTarget, 3);
  const batch = model.predict(query.x, query.rows);
  assert.equal(batch.length, query.rows);
  for (let r = 0; r < query.rows; r += 9973) {
    const row = query.x.subarray(r * 5, r * 5 + 5);
    assert.ok(Math.abs(batch[r] - model.predictRow(row)) <= 1e-12 * Math.max(1, Math.abs(batch[r])));
  }
});
