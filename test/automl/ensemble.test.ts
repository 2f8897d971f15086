import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algorithmsFor } from '../../src/automl/algorithms/index.js';
import { InvalidHyperparameterError } from '../../src/automl/errors.js';
import { Model } from '../../src/automl/model.js';
import {
  ENSEMBLE_MAX_JSON_BYTES,
  ENSEMBLE_STEPS,
  selectEnsemble,
} from '../../src/automl/selection/ensemble.js';
import { selectModel } from '../../src/automl/selection/select.js';
import { generate, sineTarget } from './core-data.js';

test('ensemble selection: two models off by +1 and −1 average to the truth, half and half', () => {
  // Hand-worked: step 1 ties (MSE 1 each; the first wins), step 2 adds the other (MSE 0), step 3
  // ties again (MSE 1/9 each), ... so after an even number of steps each has half the weight.
  const actual = new Float64Array([1, 2, 3, 4]);
  const plus = actual.map((v) => v + 1);
  const minus = actual.map((v) => v - 1);
  const choice = selectEnsemble(
    'regression',
    actual,
    [
      { index: 7, predictions: plus },
      { index: 3, predictions: minus },
    ],
    1,
  );
  assert.ok(choice !== null);
  assert.equal(ENSEMBLE_STEPS % 2, 0);
  assert.deepEqual(choice.members, [
    { index: 7, weight: 0.5 },
    { index: 3, weight: 0.5 },
  ]);
  assert.equal(choice.metrics.rmse, 0);
});

test('ensemble selection keeps the single best when averaging does not help', () => {
  const actual = new Float64Array([0, 1, 0, 1]);
  const exact = new Float64Array([0.01, 0.99, 0.01, 0.99]);
  const poor = new Float64Array([0.6, 0.4, 0.6, 0.4]);
  const choice = selectEnsemble(
    'classification',
    actual,
    [
      { index: 0, predictions: exact },
      { index: 1, predictions: poor },
    ],
    -Math.log(0.99),
  );
  assert.equal(choice, null);
});

test('an ensemble champion predicts the weighted average of its members, each refitted on the window', async () => {
  const data = generate(600, 3, sineTarget, 21);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 6,
    timeBudgetMs: 60_000,
    algorithms: ['knn', 'poly2_ridge', 'cart'],
    seed: 3,
  });
  assert.equal(result.champion.algorithm, 'ensemble');
  assert.equal(result.leaderboard[0].algorithm, 'ensemble');
  assert.equal(result.champion.rows, 600, 'refitted on the whole window');
  const singles = result.leaderboard.slice(1);
  assert.ok(result.leaderboard[0].metrics.rmse <= 0.99 * singles[0].metrics.rmse);
  // Independent computation: each member fitted alone on the same window, averaged by weight.
  const members = JSON.parse(String(result.champion.hyperparameters.members)) as Array<{
    algorithm: string;
    hyperparameters: Record<string, number | string | boolean>;
    weight: number;
  }>;
  assert.ok(members.length >= 2);
  const fresh = generate(50, 3, sineTarget, 99);
  const expected = new Float64Array(fresh.rows);
  const total = members.reduce((s, m) => s + m.weight, 0);
  for (const m of members) {
    const p = Model.fit(m.algorithm, data, m.hyperparameters, 'regression').predict(fresh.x, fresh.rows);
    for (let r = 0; r < fresh.rows; r++) expected[r] += (m.weight / total) * p[r];
  }
  const loaded = Model.fromJSON(JSON.stringify(result.champion));
  const got = loaded.predict(fresh.x, fresh.rows);
  for (let r = 0; r < fresh.rows; r++) assert.ok(Math.abs(got[r] - expected[r]) < 1e-9, `row ${r}`);
});

test('an ensemble whose JSON would pass the Kafka record cap is not used: the best single model is', async () => {
  // k-NN models store their rows (5,000 × 10 numbers here, ~0.53 MB of JSON each): an average of
  // three of them (1.6 MB) wins on the holdout but cannot be published as one record.
  const interactions = (x: Float64Array, o: number, random: () => number): number =>
    Math.sin(x[o]) * x[o + 1] + x[o + 2] * x[o + 3] + 0.3 * (random() - 0.5);
  const data = generate(7_000, 9, interactions, 1);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 6,
    timeBudgetMs: 60_000,
    algorithms: ['knn', 'ridge'],
    seed: 1,
  });
  assert.equal(result.champion.algorithm, 'knn');
  assert.ok(JSON.stringify(result.champion).length < ENSEMBLE_MAX_JSON_BYTES);
  assert.ok(
    result.fallbacks.some((f) => /ensemble's model JSON \(\d+ bytes\) would exceed/.test(f)),
    result.fallbacks.join('; '),
  );
  assert.equal(result.leaderboard[0].algorithm, 'knn', 'the unused ensemble is not on the leaderboard');
});

test('ensemble: never planned as a candidate; bad members are refused by name', () => {
  assert.ok(!algorithmsFor('regression').some((a) => a.name === 'ensemble'));
  assert.ok(!algorithmsFor('classification').some((a) => a.name === 'ensemble'));
  const data = generate(50, 2, sineTarget);
  for (const members of ['[]', 'not json', '[{"algorithm":"ensemble","hyperparameters":{},"weight":1}]']) {
    assert.throws(
      () => Model.fit('ensemble', data, { members }, 'regression'),
      (e: unknown) => e instanceof InvalidHyperparameterError && /members/.test(e.message),
    );
  }
  assert.throws(() => Model.fit('ensemble', data, {}, 'regression'), InvalidHyperparameterError);
});
