// The RBF support-vector classifier as a family: what it learns that the linear and axis-aligned
// models cannot, its probability scale against a brute-force minimum, its caps and bad input.
// (Its decision values against scikit-learn's SVC: sklearn-reference.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { algorithmsFor } from '../../src/automl/algorithms/index.js';
import { plattScale, svmDecision } from '../../src/automl/algorithms/svm.js';
import { rbf } from '../../src/automl/algorithms/svm-solver.js';
import { RbfRows } from '../../src/automl/simd/rbf-kernel.js';
import { withoutSimd } from '../../src/automl/simd/kernels.js';
import { mulberry32 } from '../../src/automl/random.js';
import { InvalidHyperparameterError } from '../../src/automl/errors.js';
import { Model } from '../../src/automl/model.js';
import { generate } from './core-data.js';

/** 1[x1² + x2² < 1.5]: a disc, noise-free; no linear boundary does better than the majority class. */
const disc = (x: Float64Array, o: number): number => (x[o] ** 2 + x[o + 1] ** 2 < 1.5 ? 1 : 0);

function accuracy(model: Model, data: ReturnType<typeof generate>): number {
  const p = model.predictProba(data.x, data.rows);
  let right = 0;
  for (let r = 0; r < data.rows; r++) if ((p[r] >= 0.5 ? 1 : 0) === data.y[r]) right++;
  return right / data.rows;
}

test('svm is a classification family the selection plans', () => {
  assert.ok(algorithmsFor('classification').some((a) => a.name === 'svm'));
  assert.ok(!algorithmsFor('regression').some((a) => a.name === 'svm'));
});

test('svm learns a round boundary that logistic regression cannot', () => {
  const train = generate(600, 3, disc, 1);
  const hold = generate(400, 3, disc, 2);
  const svm = Model.fit('svm', train, { C: 10, gamma: 0.5 }, 'classification');
  const linear = Model.fit('logistic', train, {}, 'classification');
  let majority = 0;
  for (const v of hold.y) majority += v;
  majority = Math.max(majority, hold.rows - majority) / hold.rows;
  assert.ok(accuracy(svm, hold) > 0.95, `svm accuracy ${accuracy(svm, hold)}`);
  assert.ok(accuracy(linear, hold) < majority + 0.05, `logistic accuracy ${accuracy(linear, hold)}`);
  // A model loaded from its JSON predicts the same probabilities.
  const again = Model.fromJSON(JSON.parse(JSON.stringify(svm.toJSON())));
  assert.deepEqual(again.predictProba(hold.x, hold.rows), svm.predictProba(hold.x, hold.rows));
});

test('the probability scale minimises the smoothed log-loss (against a brute-force search)', () => {
  const decision = Float64Array.from([-2.5, -1, -1, -0.4, 0.2, -0.1, 0.3, 1, 1, 1.7, 2.2, -0.8]);
  const y = Float64Array.from([-1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1]);
  const positives = 7;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (y.length - positives + 2);
  const loss = (a: number): number => {
    let s = 0;
    for (let r = 0; r < y.length; r++) {
      const q = 1 / (1 + Math.exp(-a * decision[r]));
      const t = y[r] > 0 ? hi : lo;
      s -= t * Math.log(q) + (1 - t) * Math.log(1 - q);
    }
    return s;
  };
  let best = 0;
  for (let a = 0.001; a < 10; a += 0.001) if (loss(a) < loss(best)) best = a;
  const a = plattScale(decision, y);
  assert.ok(Math.abs(a - best) < 0.002, `scale ${a}, grid minimum ${best}`);
  assert.ok(loss(a) <= loss(best) + 1e-9);
});

test('probabilities lie strictly between 0 and 1 and name both classes', () => {
  const train = generate(300, 2, disc, 3);
  const model = Model.fit('svm', train, {}, 'classification');
  const p = model.predictProba(train.x, train.rows);
  for (const q of p) assert.ok(q > 0 && q < 1);
  // Mostly right on its training rows, and both classes predicted.
  assert.ok(accuracy(model, train) > 0.9);
  assert.ok(p.some((q) => q > 0.5) && p.some((q) => q < 0.5));
});

test('svm keeps at most maxRows rows (newest), recorded as a fallback', () => {
  const data = generate(400, 2, disc, 4);
  const model = Model.fit('svm', data, { maxRows: 150 }, 'classification');
  assert.ok(model.fallbacks.some((f) => f.includes('newest 150 of 400')));
  assert.ok(accuracy(model, generate(300, 2, disc, 5)) > 0.85);
});

test('a window with one class gives a constant smoothed probability, recorded', () => {
  const data = generate(40, 2, () => 1, 6);
  const model = Model.fit('svm', data, {}, 'classification');
  const p = model.predictProba(data.x.subarray(0, 6), 3);
  for (const q of p) assert.ok(Math.abs(q - 40.5 / 41) < 1e-12, `probability ${q}`);
  assert.ok(model.fallbacks.some((f) => f.includes('one class')));
});

test('bad svm hyperparameters are rejected with an error naming the setting', () => {
  const data = generate(60, 2, disc, 7);
  const cases: Array<[string, number]> = [
    ['C', 0],
    ['C', -1],
    ['gamma', 0],
    ['gamma', Number.NaN],
    ['maxRows', 3_001],
    ['maxRows', 2.5],
  ];
  for (const [name, value] of cases) {
    assert.throws(
      () => Model.fit('svm', data, { [name]: value }, 'classification'),
      (e: unknown) =>
        e instanceof InvalidHyperparameterError && e.algorithm === 'svm' && e.hyperparameter === name,
      `${name} = ${value}`,
    );
  }
});

test('the SIMD kernel rows equal exp(−γ‖q − x‖²) to 1e-14 relative, from K = 1 down to underflow', () => {
  const random = mulberry32(8);
  for (const [n, p, gamma] of [
    [7, 3, 0.5],
    [64, 5, 0.2],
    [33, 64, 1 / 64],
    [20, 2, 400],
  ] as const) {
    const x = Float64Array.from({ length: n * p }, () => 6 * random() - 3);
    const rows = RbfRows.of(x, n, p, gamma);
    assert.ok(rows !== undefined, 'WebAssembly SIMD is available on the Node versions tml supports');
    const into = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      rows.row(x, i * p, into);
      for (let t = 0; t < n; t++) {
        const expected = rbf(x, i, x, t, p, gamma);
        // Below exp(−708) the kernel answers exp(−708) ≈ 3e-308 (zero to the solver).
        if (expected < 1e-300) assert.ok(into[t] < 1e-300, `n ${n} row ${i}, ${t}: ${into[t]}`);
        else
          assert.ok(
            Math.abs(into[t] - expected) <= 1e-14 * expected,
            `n ${n} p ${p} γ ${gamma} row ${i}, ${t}: ${into[t]} against ${expected}`,
          );
      }
    }
  }
});

test('svm fits and predicts the same with the SIMD kernel rows and without', () => {
  const train = generate(500, 4, disc, 9);
  const hold = generate(100, 4, disc, 10);
  const simd = Model.fit('svm', train, { C: 3, gamma: 0.3 }, 'classification');
  const scalar = withoutSimd(() => Model.fit('svm', train, { C: 3, gamma: 0.3 }, 'classification'));
  const a = simd.predictProba(hold.x, hold.rows);
  const b = withoutSimd(() => scalar.predictProba(hold.x, hold.rows));
  for (let r = 0; r < hold.rows; r++) assert.ok(Math.abs(a[r] - b[r]) < 1e-9, `row ${r}: ${a[r]} vs ${b[r]}`);
  // A model's batch and row-at-a-time decision values take the same path: the same bits.
  const parameters = simd.toJSON().parameters;
  const z = Float64Array.from(hold.x.subarray(0, 40));
  const batch = new Float64Array(10);
  svmDecision(parameters, z, 10, 4, batch);
  for (let r = 0; r < 10; r++) {
    const one = new Float64Array(1);
    svmDecision(parameters, z.subarray(r * 4, r * 4 + 4), 1, 4, one);
    assert.equal(one[0], batch[r], `row ${r}`);
  }
});
