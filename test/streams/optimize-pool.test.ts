// The optimize step's search on a thread of the training pool (a solution's promotion runs it there):
// the same optimum as on the calling thread, and bad constraints named as on the calling thread.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeColumns } from '../../src/automl/index.js';
import { Model } from '../../src/automl/model.js';
import { TrainingPool } from '../../src/automl/pool/training-pool.js';
import { mulberry32 } from '../../src/automl/random.js';
import { StepInputError } from '../../src/streams/errors.js';
import { findOptimum, findOptimumOnPool } from '../../src/streams/steps/optimize.js';

const pool = new TrainingPool({ maxThreads: 1 });
after(() => pool.close());

// y = 3·a − 2·b on [0, 10]²: a linear model's maximum is the corner (max a, min b)
const random = mulberry32(5);
const rows = 200;
const x = new Float64Array(rows * 2);
const y = new Float64Array(rows);
for (let r = 0; r < rows; r++) {
  x[r * 2] = random() * 10;
  x[r * 2 + 1] = random() * 10;
  y[r] = 3 * x[r * 2] - 2 * x[r * 2 + 1];
}
const model = Model.fit(
  'ols',
  { rows, features: 2, x, y, featureNames: ['a', 'b'], targetName: 'y' },
  {},
  'regression',
);
const stats = describeColumns(x, rows, ['a', 'b']);
const settings = { minimize: false, constraints: 'best', constraintType: 1, stretchBounds: 0, epsilon: 10 };
const run = { seed: 1, budgetMs: 2000 };

test('the optimum found on the pool is the corner a linear model peaks at, as on the calling thread', async () => {
  const pooled = await findOptimumOnPool(pool, model.toJSON(), stats, settings, run);
  assert.deepEqual(
    pooled.optimalValues.map((v) => v.value),
    [stats[0].max, stats[1].min],
  );
  assert.ok(Math.abs(pooled.value - (3 * stats[0].max - 2 * stats[1].min)) < 1e-6, `value ${pooled.value}`);
  const inline = findOptimum(model, stats, settings, run);
  assert.deepEqual(pooled.optimalValues, inline.optimalValues);
  assert.deepEqual(pooled.bounds, inline.bounds);
});

test('bad constraints on the pool name the field, as on the calling thread', async () => {
  const bad = { ...settings, constraints: 'a:5:1' };
  await assert.rejects(
    findOptimumOnPool(pool, model.toJSON(), stats, bad, run),
    (error: unknown) => error instanceof StepInputError && error.field === 'constraints',
  );
  assert.throws(
    () => findOptimum(model, stats, bad, run),
    (error: unknown) => error instanceof StepInputError && error.field === 'constraints',
  );
});
