// Rolling-origin predictions (src/automl/selection/one-step.ts) of OLS on one feature, against
// least squares worked by hand, on this thread and as a pool task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneStepPredictions, oneStepPredictionsOn, TrainingPool } from '../../src/automl/index.js';
import type { Dataset } from '../../src/automl/dataset.js';

// x = 0..4, y = 0, 1, 3, 2, 5
const data: Dataset = {
  rows: 5,
  features: 1,
  x: Float64Array.from([0, 1, 2, 3, 4]),
  y: Float64Array.from([0, 1, 3, 2, 5]),
  featureNames: ['x'],
  targetName: 'y',
};
const ols = { algorithm: 'ols', hyperparameters: {}, task: 'regression' as const };

function near(actual: ArrayLike<number>, expected: number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-9, `row ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

// rows 0–2: slope Sxy/Sxx = 3/2, intercept 4/3 − 3/2 = −1/6: row 3 → 13/3, row 4 → 35/6
// rows 0–3: slope 4/5, intercept 3/2 − 6/5 = 3/10: row 4 → 3.5
test('each row predicted by a fit on the rows before it, or by one fit before the first (a holdout)', () => {
  near(oneStepPredictions(data, ols, 3, 2), [13 / 3, 3.5]);
  near(oneStepPredictions(data, ols, 3, 1), [13 / 3, 35 / 6]);
  // more origins than rows: one per row
  near(oneStepPredictions(data, ols, 3, 10), [13 / 3, 3.5]);
  assert.throws(() => oneStepPredictions(data, ols, 5, 1), /rows to predict/);
  assert.throws(() => oneStepPredictions(data, ols, 0, 1), /rows to predict/);
});

test('the same predictions as one pool task', async () => {
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    near(await oneStepPredictionsOn(pool, data, ols, 3, 2), [13 / 3, 3.5]);
    await assert.rejects(oneStepPredictionsOn(pool, data, { ...ols, algorithm: 'no-such' }, 3, 2), /no-such/);
  } finally {
    await pool.close();
  }
});
