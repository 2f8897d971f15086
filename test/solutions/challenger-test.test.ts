// The promotion's paired test (src/solutions/challenger-test.ts), on hand-worked cases: the t
// quantiles against scipy.stats.t.ppf(0.95, df), the decisions against sums done by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challengerTest, rowLoss, tQuantile95 } from '../../src/solutions/challenger-test.js';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test('the one-sided 95% t quantiles match scipy.stats.t.ppf(0.95, df)', () => {
  // scipy 1.x: t.ppf(0.95, df)
  const scipy: Array<[number, number]> = [
    [1, 6.313751514675041],
    [5, 2.015048372669157],
    [30, 1.6972608943617378],
    [31, 1.6955187825458649],
    [40, 1.683851013335652],
    [60, 1.6706488649046363],
    [120, 1.6576508993552352],
    [1000, 1.6463788172854643],
  ];
  for (const [df, expected] of scipy) near(tQuantile95(df), expected, df <= 30 ? 5e-4 : 1e-4, `df ${df}`);
  assert.throws(() => tQuantile95(0), /at least 1/);
});

test('a challenger better on every row by the same margin is better (no noise)', () => {
  // losses 0.25 (champion) and 0 (challenger) on each row: gains 0.25, standard error 0
  const result = challengerTest('regression', [1, 2, 3, 4], [1.5, 2.5, 3.5, 4.5], [1, 2, 3, 4]);
  assert.equal(result.better, true);
  near(result.meanGain, 0.25, 1e-12, 'mean gain');
  assert.equal(result.standardError, 0);
});

test('a lower RMSE made by one row is noise: the champion stays', () => {
  // champion losses 1, 1, 1 (RMSE 1); challenger 0, 0, 1.69 (RMSE 0.7506, which a comparison of
  // scores would promote). Gains 1, 1, −0.69: mean 0.436667; deviations 0.563333, 0.563333,
  // −1.126667; sum of squares 1.904067; standard error √(1.904067 / 2 / 3) = 0.563333; threshold
  // t(0.95, 2) = 2.92 × 0.563333 = 1.644933 > 0.436667.
  const result = challengerTest('regression', [0, 0, 0], [1, 1, 1], [0, 0, 1.3]);
  assert.equal(result.better, false);
  near(result.meanGain, 0.436667, 1e-6, 'mean gain');
  near(result.standardError, 0.563333, 1e-6, 'standard error');
  near(result.threshold, 1.644933, 1e-6, 'threshold');
});

test('a challenger better on every row by a varying margin is better when the margin beats the noise', () => {
  // gains 1, 1.2, 0.8, 1, 1.1 (champion errors √gain, challenger exact): mean 1.02; squares of the
  // deviations 0.0004 + 0.0324 + 0.0484 + 0.0004 + 0.0064 = 0.088; standard error √(0.088 / 4 / 5)
  // = 0.066332; threshold t(0.95, 4) = 2.132 × 0.066332 = 0.141420 < 1.02.
  const champion = [1, 1.2, 0.8, 1, 1.1].map(Math.sqrt);
  const result = challengerTest('regression', [0, 0, 0, 0, 0], champion, [0, 0, 0, 0, 0]);
  assert.equal(result.better, true);
  near(result.meanGain, 1.02, 1e-12, 'mean gain');
  near(result.standardError, 0.066332, 1e-6, 'standard error');
  near(result.threshold, 0.14142, 1e-5, 'threshold');
});

test('one row says nothing about the noise; a non-finite champion is replaced; classification uses log-loss', () => {
  assert.equal(challengerTest('regression', [0], [5], [0]).better, false);
  assert.equal(challengerTest('regression', [0, 1], [Number.NaN, 1], [0, 1]).better, true);
  assert.equal(challengerTest('regression', [0, 1], [0, 1], [Number.POSITIVE_INFINITY, 1]).better, false);
  // log-loss: −ln 0.5 = 0.693147 per row for the champion, −ln 0.9 = 0.105361 for the challenger
  near(rowLoss('classification', 1, 0.9), 0.105361, 1e-6, 'log-loss of class 1');
  near(rowLoss('classification', 0, 0.1), 0.105361, 1e-6, 'log-loss of class 0');
  const result = challengerTest('classification', [1, 0], [0.5, 0.5], [0.9, 0.1]);
  assert.equal(result.better, true);
  near(result.meanGain, 0.693147 - 0.105361, 1e-6, 'mean gain');
  assert.throws(() => challengerTest('regression', [0, 1], [0], [0, 1]), /2 rows, 1 champion/);
});
