import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model } from '../../src/automl/model.js';
import { generate, r2Of, sineTarget } from './core-data.js';

test('the Gaussian process fits a smooth nonlinear target near its noise ceiling', () => {
  const train = generate(500, 2, sineTarget, 1);
  const hold = generate(500, 2, sineTarget, 2);
  const model = Model.fit('gp', train, { lengthScale: 1, noise: 0.01 }, 'regression');
  const r2 = r2Of(hold.y, model.predict(hold.x, hold.rows));
  assert.ok(r2 > 0.97, `R² ${r2}`);
});

test('the Gaussian process keeps at most maxRows rows (newest), recorded as a fallback', () => {
  const data = generate(300, 2, sineTarget);
  const model = Model.fit('gp', data, { maxRows: 100 }, 'regression');
  assert.equal(model.toJSON().parameters.rows, 100);
  assert.ok(model.fallbacks.some((f) => f.includes('newest 100 of 300')));
  assert.ok(r2Of(data.y.subarray(200), model.predict(data.x.subarray(400), 100)) > 0.9);
});

test('a constant target gives a constant prediction, not NaN', () => {
  const data = generate(50, 3, () => 4.2);
  const model = Model.fit('gp', data, {}, 'regression');
  assert.equal(model.predictRow([0.1, 0.2, 0.3]), 4.2);
});
