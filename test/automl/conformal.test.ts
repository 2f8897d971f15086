// Conformal intervals: the quantile rank hand-worked, and adaptive conformal inference against the
// deterministic guarantee of Gibbs & Candès (2021, Proposition 4.1): for ANY sequence of outcomes,
// |share of misses − α| ≤ (max(α₁, 1 − α₁) + γ) / (γ·T).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AdaptiveConformal,
  classScores,
  conformalQuantile,
  predictionSet,
  splitConformalWidth,
} from '../../src/automl/conformal/index.js';
import { Model } from '../../src/automl/model.js';
import { InvalidInputError } from '../../src/automl/errors.js';
import { mulberry32, normal } from '../../src/automl/random.js';

test('the conformal quantile is the ⌈(n + 1)(1 − α)⌉-th smallest error', () => {
  const sorted = Float64Array.from({ length: 19 }, (_, i) => i + 1);
  assert.equal(conformalQuantile(sorted, 0.1), 18); // ⌈20 · 0.9⌉ = 18
  assert.equal(conformalQuantile(sorted, 0.5), 10); // ⌈20 · 0.5⌉ = 10
  assert.equal(conformalQuantile(sorted.subarray(0, 8), 0.1), undefined); // ⌈9 · 0.9⌉ = 9 > 8
  assert.equal(conformalQuantile(sorted, 0), undefined);
  assert.equal(conformalQuantile(sorted, 1), 0);
  // Signs do not matter, order does not matter.
  assert.equal(splitConformalWidth([-3, 1, 2, -5, 4, 0.5, -6, 7, 8, 9], 0.8), 8); // ⌈11 · 0.8⌉ = 9th of 0.5..9
});

test('coverage outside (0, 1) is refused naming the setting', () => {
  for (const coverage of [0, 1, -0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => new AdaptiveConformal({ coverage }),
      (e: unknown) => e instanceof InvalidInputError && /coverage/.test((e as Error).message),
    );
    assert.throws(
      () => splitConformalWidth([1, 2, 3], coverage),
      /coverage must be a number strictly between 0 and 1/,
    );
  }
});

test('adaptive conformal inference keeps the long-run miss rate at α under drift (Gibbs & Candès bound)', () => {
  const random = mulberry32(5);
  const T = 6000;
  const gamma = 0.005;
  const aci = new AdaptiveConformal({ coverage: 0.9, learningRate: gamma, window: 300 });
  // A fixed split-conformal width from the first 300 errors, for contrast.
  const first: number[] = [];
  let fixedWidth: number | undefined;
  let misses = 0;
  let fixedMissesAfterShift = 0;
  let acMissesAfterShift = 0;
  for (let t = 0; t < T; t++) {
    // The errors' scale triples at t = 2000 and their mean shifts at t = 4000.
    const scale = t < 2000 ? 1 : 3;
    const actual = (t < 4000 ? 0 : 2) + scale * normal(random);
    const width = aci.width();
    const miss = width !== undefined && Math.abs(actual) > width;
    if (miss) misses++;
    if (t >= 2000 && miss) acMissesAfterShift++;
    if (t < 300) first.push(actual);
    if (t === 300) fixedWidth = splitConformalWidth(first, 0.9);
    if (t >= 2000 && fixedWidth !== undefined && Math.abs(actual) > fixedWidth) fixedMissesAfterShift++;
    aci.observe(0, actual);
  }
  const bound = (Math.max(0.1, 0.9) + gamma) / (gamma * T);
  assert.ok(Math.abs(misses / T - 0.1) <= bound, `miss rate ${misses / T}, bound ${bound}`);
  // After the shift the fixed width misses far more than α; the adaptive one stays near it.
  assert.ok(fixedMissesAfterShift / (T - 2000) > 0.4, `fixed ${fixedMissesAfterShift / (T - 2000)}`);
  assert.ok(
    Math.abs(acMissesAfterShift / (T - 2000) - 0.1) < 0.03,
    `adaptive ${acMissesAfterShift / (T - 2000)}`,
  );
});

test('the bound holds on an adversarial sequence too (errors alternating far and near)', () => {
  const T = 4000;
  const gamma = 0.01;
  const aci = new AdaptiveConformal({ coverage: 0.8, learningRate: gamma, window: 50 });
  let misses = 0;
  for (let t = 0; t < T; t++) {
    const actual = t % 7 === 0 ? 100 + t : 1 / (1 + t);
    const w = aci.width();
    if (w !== undefined && actual > w) misses++;
    aci.observe(0, actual);
  }
  assert.ok(Math.abs(misses / T - 0.2) <= (0.8 + gamma) / (gamma * T));
});

test('the interval is prediction ± width and absent until the level can be met', () => {
  const aci = new AdaptiveConformal({ coverage: 0.9 });
  for (let i = 1; i <= 8; i++) {
    assert.equal(aci.interval(5), undefined);
    aci.observe(0, i);
  }
  aci.observe(0, 9); // 9 errors, α a little above 0.1 (each covered outcome raised it): rank ⌈10 · 0.9⌉ = 9
  const interval = aci.interval(5);
  assert.ok(interval !== undefined);
  assert.equal(interval.upper - 5, 5 - interval.lower);
  assert.equal(interval.coverage, 0.9);
});

test('classifier prediction sets: the LAC rule hand-worked, and coverage outside (0, 1) refused naming the setting', () => {
  // held-out: (y, p̂₁) → scores 1 − p̂(y)
  const scores = classScores([1, 0, 1, 0, 1], [0.9, 0.2, 0.6, 0.7, 0.35]);
  [0.1, 0.2, 0.4, 0.65, 0.7].forEach((v, i) => assert.ok(Math.abs(scores[i] - v) < 1e-15));
  // coverage 0.6: ⌈6 · 0.6⌉ = 4th smallest = 0.65 → class c in the set when 1 − p̂(c) ≤ 0.65
  assert.deepEqual(predictionSet(0.9, scores, 0.6), [1]);
  assert.deepEqual(predictionSet(0.5, scores, 0.6), [0, 1]);
  assert.deepEqual(predictionSet(0.2, scores, 0.6), [0]);
  // coverage 0.2: ⌈6 · 0.2⌉ = 2nd = 0.2 → neither class at p̂₁ = 0.5 (an empty set)
  assert.deepEqual(predictionSet(0.5, scores, 0.2), []);
  // too few held-out rows for 0.9 (⌈6 · 0.9⌉ = 6 > 5): both classes
  assert.deepEqual(predictionSet(0.99, scores, 0.9), [0, 1]);
  for (const coverage of [0, 1, -0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => predictionSet(0.5, scores, coverage, 'intervalcoverage'),
      (e: unknown) => e instanceof InvalidInputError && /intervalcoverage/.test((e as Error).message),
    );
  }
});

test('classifier prediction sets reach their nominal coverage on fresh rows (logistic, noisy boundary)', () => {
  const random = mulberry32(12);
  const draw = (rows: number) => {
    const x = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      x[2 * r] = 4 * random() - 2;
      x[2 * r + 1] = 4 * random() - 2;
      y[r] = 2 * x[2 * r] - x[2 * r + 1] + 1.5 * normal(random) > 0 ? 1 : 0;
    }
    return { rows, features: 2, x, y, featureNames: ['a', 'b'], targetName: 'y' };
  };
  const model = Model.fit('logistic', draw(2000), {}, 'classification');
  const held = draw(1000);
  const scores = classScores(held.y, model.predictProba(held.x, held.rows));
  const fresh = draw(20_000);
  const probability = model.predictProba(fresh.x, fresh.rows);
  for (const coverage of [0.8, 0.9, 0.95]) {
    let covered = 0;
    let size = 0;
    for (let r = 0; r < fresh.rows; r++) {
      const set = predictionSet(probability[r], scores, coverage);
      if (set.includes(fresh.y[r])) covered++;
      size += set.length;
    }
    // Split conformal: ≥ nominal in expectation; 1,000 calibration rows keep it within ~2 points.
    const share = covered / fresh.rows;
    assert.ok(Math.abs(share - coverage) < 0.025, `coverage ${coverage}: ${share}`);
    // Informative: the classifier is ~88% accurate, so at 0.8 most sets are single classes.
    if (coverage === 0.8) assert.ok(size / fresh.rows < 1.05, `mean set size ${size / fresh.rows}`);
  }
});
