// Correlations, their p-values and k-means against hand-worked numbers and scipy's (printed by
// scipy.stats 1.17 for the same inputs; the Python test checks many more through the server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageRanks,
  kendall,
  kMeans,
  kMeansIterations,
  pearson,
  spearman,
} from '../../src/automl/index.js';
import { incompleteBeta, kendallExactTwoSided } from '../../src/automl/statistics/distributions.js';

const near = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} vs ${expected}`,
  );

test('the incomplete beta function at hand-worked points', () => {
  // I_x(1, 1) = x; I_x(2, 1) = x²; I_0.5(a, a) = 0.5 by symmetry
  near(incompleteBeta(0.3, 1, 1), 0.3, 1e-12, 'I_0.3(1,1)');
  near(incompleteBeta(0.3, 2, 1), 0.09, 1e-12, 'I_0.3(2,1)');
  near(incompleteBeta(0.5, 7.5, 7.5), 0.5, 1e-12, 'I_0.5(7.5,7.5)');
});

test("Kendall's exact p-value: Mahonian counts by hand", () => {
  // n = 5, at most 2 inversions: 1 + 4 + 9 = 14 of 120 orderings, two-sided 28/120
  near(kendallExactTwoSided(5, 2), 28 / 120, 1e-12, 'n=5 c=2');
  // n = 40, one swap: 1 + 39 orderings with at most one inversion: 2·40/40!, far below 1e-40
  const fact40 = Array.from({ length: 40 }, (_, i) => i + 1).reduce((a, b) => a * b, 1);
  near(kendallExactTwoSided(40, 1), 80 / fact40, 1e-9, 'n=40 c=1');
  const x = Array.from({ length: 40 }, (_, i) => i);
  const y = [1, 0, ...x.slice(2)];
  near(kendall(x, y).pValue, 9.804939513027087e-47, 1e-9, 'kendall n=40 one swap (scipy)');
});

test('ties: average ranks, tau-b and Spearman as scipy computes them', () => {
  assert.deepEqual(Array.from(averageRanks([3, 1, 3, 2])), [3.5, 1, 3.5, 2]);
  const x = [1, 1, 2, 2, 3, 3, 4, 5];
  const y = [2, 1, 2, 3, 3, 5, 4, 4];
  const k = kendall(x, y);
  near(k.coefficient, 0.72, 1e-12, 'tau-b');
  near(k.pValue, 0.019779502203702504, 1e-6, 'tau-b p (normal approximation with ties)');
  const s = spearman(x, y);
  near(s.coefficient, 0.839506172839506, 1e-12, 'rho');
  near(s.pValue, 0.009130999178173758, 1e-9, 'rho p');
  near(pearson([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1.5]).pValue, 2.3038073815037618e-5, 1e-9, 'r p');
  // a constant series correlates with nothing
  assert.ok(Number.isNaN(pearson([1, 2, 3], [4, 4, 4]).coefficient));
});

test('k-means: hand-worked clusters, both distances, and bad input', () => {
  const points = Float64Array.from([0, 0, 0, 2, 10, 10, 10, 12]);
  const euclidean = kMeans(points, 2, { clusters: 2, iterations: 100, distance: 'euclidean' });
  const centres = [0, 1].map((c) => Array.from(euclidean.centres.subarray(c * 2, c * 2 + 2)));
  assert.deepEqual(
    centres.sort((a, b) => a[0] - b[0]),
    [
      [0, 1],
      [10, 11],
    ],
  );
  assert.deepEqual(euclidean.sizes, [2, 2]);
  assert.deepEqual(Array.from(euclidean.distances), [1, 1, 1, 1]);
  assert.equal(euclidean.inertia, 4);
  assert.equal(euclidean.converged, true);
  const squared = kMeans(Float64Array.from([0, 0, 0, 4, 10, 10, 10, 14]), 2, {
    clusters: 2,
    iterations: 100,
    distance: 'squaredEuclidean',
  });
  assert.deepEqual(Array.from(squared.distances), [4, 4, 4, 4]);
  assert.throws(() => kMeans(points, 2, { clusters: 5, iterations: 10, distance: 'euclidean' }), /4 points/);
  assert.throws(
    () => kMeans(Float64Array.from([0, NaN]), 1, { clusters: 1, iterations: 10, distance: 'euclidean' }),
    /point 1 is not finite/,
  );
});

test('k-means hands control back after every iteration (the stream step yields to the event loop there)', () => {
  const points = Float64Array.from({ length: 400 }, (_, i) => (i * 7919) % 97);
  const run = kMeansIterations(points, 1, { clusters: 6, iterations: 1000, distance: 'euclidean' });
  const yielded: number[] = [];
  let step = run.next();
  while (step.done !== true) {
    yielded.push(step.value);
    step = run.next();
  }
  assert.ok(step.value.iterations > 1);
  assert.deepEqual(
    yielded,
    Array.from({ length: step.value.iterations }, (_, i) => i + 1),
  );
  // the same result as running it at once
  assert.deepEqual(
    Array.from(kMeans(points, 1, { clusters: 6, iterations: 1000, distance: 'euclidean' }).labels),
    Array.from(step.value.labels),
  );
});
