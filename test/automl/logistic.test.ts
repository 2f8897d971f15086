import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, auc } from '../../src/automl/metrics.js';
import { Model } from '../../src/automl/model.js';
import { classTarget, generate } from './core-data.js';

test('logistic regression reaches Bayes-level accuracy (≈ 0.90) on a noisy linear boundary', () => {
  const train = generate(2000, 5, classTarget, 11);
  const hold = generate(4000, 5, classTarget, 12);
  const model = Model.fit('logistic', train, { l2: 1e-3 }, 'classification');
  const probability = model.predictProba(hold.x, hold.rows);
  const acc = accuracy(hold.y, probability);
  assert.ok(acc > 0.88, `accuracy ${acc}`);
  assert.ok(auc(hold.y, probability) > 0.95);
  // the true boundary 3·x1 − 2·x2 = 0 and the learnt one point the same way
  const c = model.toJSON().parameters.coefficients as number[];
  assert.ok(c[0] > 0 && c[1] < 0 && Math.abs(c[0] / c[1] + 1.5) < 0.25);
  const labels = model.predict(hold.x, hold.rows);
  for (let r = 0; r < hold.rows; r++) assert.equal(labels[r], probability[r] >= 0.5 ? 1 : 0);
});

test('stronger L2 pulls probabilities towards the base rate', () => {
  const train = generate(500, 3, classTarget, 5);
  const weak = Model.fit('logistic', train, { l2: 1e-4 }, 'classification');
  const strong = Model.fit('logistic', train, { l2: 10 }, 'classification');
  const w = weak.toJSON().parameters.coefficients as number[];
  const s = strong.toJSON().parameters.coefficients as number[];
  assert.ok(Math.abs(s[0]) < Math.abs(w[0]) / 5);
});

test('perfectly separable data gives finite weights and confident, correct probabilities', () => {
  const data = generate(300, 2, (x, o) => (x[o] > 0 ? 1 : 0), 8);
  const model = Model.fit('logistic', data, { l2: 0 }, 'classification');
  const c = model.toJSON().parameters.coefficients as number[];
  assert.ok(c.every(Number.isFinite));
  assert.ok(model.predictRowProba([1.5, 0]) > 0.99);
  assert.ok(model.predictRowProba([-1.5, 0]) < 0.01);
});

test('a single class in the training rows gives a smoothed constant probability, recorded', () => {
  const data = generate(40, 2, () => 0);
  const model = Model.fit('logistic', data, {}, 'classification');
  assert.ok(model.fallbacks.some((f) => f.includes('one class')));
  const p = model.predictRowProba([0.3, -1]);
  assert.ok(Math.abs(p - 0.5 / 41) < 1e-12);
});
