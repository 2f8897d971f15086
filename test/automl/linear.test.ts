import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model } from '../../src/automl/model.js';
import { normal } from '../../src/automl/random.js';
import { generate, linearTarget, r2Of } from './core-data.js';

/** The model's slope along feature f in raw units, read through predictions. */
function slope(model: Model, features: number, f: number): number {
  const zero = new Array<number>(features).fill(0);
  const one = [...zero];
  one[f] = 1;
  return model.predictRow(one) - model.predictRow(zero);
}

test('OLS recovers the generating coefficients and intercept', () => {
  const data = generate(2000, 5, linearTarget);
  const model = Model.fit('ols', data, {}, 'regression');
  assert.ok(Math.abs(slope(model, 5, 0) - 3) < 0.03);
  assert.ok(Math.abs(slope(model, 5, 1) + 2) < 0.03);
  for (let f = 2; f < 5; f++) assert.ok(Math.abs(slope(model, 5, f)) < 0.03);
  assert.ok(Math.abs(model.predictRow([0, 0, 0, 0, 0]) - 10) < 0.05);
  // noiseless data: exact to rounding
  const exact = generate(50, 3, (x, o) => 1.5 * x[o] - 0.5 * x[o + 2] + 4);
  const m = Model.fit('ols', exact, {}, 'regression');
  const predicted = m.predict(exact.x, exact.rows);
  for (let r = 0; r < exact.rows; r++) assert.ok(Math.abs(predicted[r] - exact.y[r]) < 1e-10);
});

test('ridge shrinks coefficients as λ grows and equals OLS at λ = 0', () => {
  const data = generate(500, 5, linearTarget);
  const ols = Model.fit('ols', data, {}, 'regression');
  const ridge0 = Model.fit('ridge', data, { lambda: 0 }, 'regression');
  assert.ok(Math.abs(slope(ols, 5, 0) - slope(ridge0, 5, 0)) < 1e-12);
  const slopes = [0.01, 1, 100].map((lambda) =>
    slope(Model.fit('ridge', data, { lambda }, 'regression'), 5, 0),
  );
  assert.ok(slopes[0] > slopes[1] && slopes[1] > slopes[2] && slopes[2] > 0);
});

test('lasso zeroes irrelevant features; elastic net sits between lasso and ridge', () => {
  const data = generate(1000, 8, linearTarget);
  const lasso = Model.fit('lasso', data, { lambdaRatio: 0.05 }, 'regression');
  const c = lasso.toJSON().parameters.coefficients as number[];
  for (let f = 2; f < 8; f++) assert.equal(c[f], 0, `feature ${f} should be zero`);
  assert.ok(c[0] > 0 && c[1] < 0);
  const test1 = generate(1000, 8, linearTarget, 99);
  assert.ok(r2Of(test1.y, lasso.predict(test1.x, test1.rows)) > 0.97);
  const net = Model.fit('elastic_net', data, { lambdaRatio: 0.001, l1Ratio: 0.5 }, 'regression');
  assert.ok(r2Of(test1.y, net.predict(test1.x, test1.rows)) > 0.98);
});

test('degree-2 polynomial ridge fits a quadratic surface with interactions', () => {
  const target = (x: Float64Array, o: number, random: () => number): number =>
    x[o] * x[o + 1] + 0.5 * x[o + 2] ** 2 - x[o] + 0.05 * normal(random);
  const train = generate(800, 4, target);
  const hold = generate(400, 4, target, 3);
  const poly = Model.fit('poly2_ridge', train, { lambda: 1e-4 }, 'regression');
  assert.ok(r2Of(hold.y, poly.predict(hold.x, hold.rows)) > 0.99);
  const linear = Model.fit('ridge', train, { lambda: 1e-4 }, 'regression');
  assert.ok(r2Of(hold.y, linear.predict(hold.x, hold.rows)) < 0.6);
  // squares only (the wide-window variant) cannot represent x1·x2
  const squares = Model.fit('poly2_ridge', train, { lambda: 1e-4, interactions: false }, 'regression');
  assert.ok(r2Of(hold.y, squares.predict(hold.x, hold.rows)) < 0.9);
});

test('collinear features fall back to the SVD pseudo-inverse, recorded, with sane predictions', () => {
  const base = generate(200, 2, linearTarget);
  const x = new Float64Array(200 * 3);
  for (let r = 0; r < 200; r++) {
    x[r * 3] = base.x[r * 2];
    x[r * 3 + 1] = base.x[r * 2 + 1];
    x[r * 3 + 2] = 2 * base.x[r * 2] + 1; // exact copy of x1 up to scale
  }
  const data = { ...base, features: 3, x, featureNames: ['a', 'b', 'c'] };
  const model = Model.fit('ols', data, {}, 'regression');
  assert.ok(model.fallbacks.some((f) => f.includes('pseudo-inverse')));
  const predicted = model.predict(data.x, data.rows);
  assert.ok(r2Of(data.y, predicted) > 0.97);
});

// Its speed is measured in bench/automl-speed.ts (npm run bench:automl-speed).
test('ridge on 1,000×5 with three pure-noise features fits the signal and is deterministic', () => {
  const data = generate(1000, 5, linearTarget);
  const hold = generate(500, 5, linearTarget, 99);
  const first = Model.fit('ridge', data, { lambda: 0.01 }, 'regression');
  const again = Model.fit('ridge', data, { lambda: 0.01 }, 'regression');
  // y = 3·x1 − 2·x2 + 10 + N(0, 0.5²): R² ceiling ≈ 0.986; x3..x5 carry nothing
  assert.ok(r2Of(hold.y, first.predict(hold.x, hold.rows)) > 0.97);
  assert.deepEqual(again.predict(hold.x, hold.rows), first.predict(hold.x, hold.rows));
});
