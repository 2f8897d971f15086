import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeStatistics,
  EmptyWindowError,
  NonFiniteValueError,
  NonNumericStatisticError,
  statisticCatalogue,
  UnknownStatisticError,
  type StatisticValue,
} from '../../src/automl/statistics/index.js';
import { InvalidInputError } from '../../src/automl/errors.js';

const close = (actual: StatisticValue, expected: number, tolerance = 1e-9): void => {
  assert.ok(typeof actual === 'number', `expected ${expected}, got ${String(actual)}`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
};

// Hand-computed on the classic window 2, 4, 4, 4, 5, 5, 7, 9 (oldest first): mean 5, deviations
// −3, −1, −1, −1, 0, 0, 2, 4 (Σd² = 32, Σd³ = 42, Σd⁴ = 356), quantiles by linear interpolation.
const classic = new Float64Array([2, 4, 4, 4, 5, 5, 7, 9]);

describe('stream statistics', () => {
  it('computes the VIPER statistics against hand-computed values', () => {
    const names = statisticCatalogue().map((s) => s.name);
    const { values: v, dropped } = computeStatistics(names, classic);
    assert.equal(dropped, 0);
    assert.equal(v.MIN, 2);
    assert.equal(v.MAX, 9);
    assert.equal(v.AVG, 5);
    assert.equal(v.COUNT, 8);
    assert.equal(v.SUM, 40);
    assert.equal(v.DIFF, 7);
    assert.equal(v.DIFFMARGIN, 350);
    assert.equal(v.MEDIAN, 4.5);
    close(v.VARIANCE, 32 / 7);
    close(v.IQR, 1.5); // Q1 = 4 (index 1.75), Q3 = 5 + 0.25·2 = 5.5 (index 5.25)
    close(v.MIDHINGE, 4.75);
    close(v.TRIMEAN, (4 + 9 + 5.5) / 4);
    close(v.GM, Math.pow(2 * 4 * 4 * 4 * 5 * 5 * 7 * 9, 1 / 8));
    close(v.HM, 8 / (1 / 2 + 3 / 4 + 2 / 5 + 1 / 7 + 1 / 9));
    close(v.CV, Math.sqrt(32 / 7) / 5);
    close(v.MAD, 1.5); // mean absolute deviation: |x − 5| = 3,1,1,1,0,0,2,4 → 12/8
    close(v.SKEWNESS, (8 * 42) / (7 * 6 * Math.pow(32 / 7, 1.5)));
    close(v.KURTOSIS, (7 / 30) * ((8 * 9 * 356) / (32 * 32) - 21));
    close(v.TREND, 34 / 42); // Σ(t − 3.5)(y − 5) = 34, Σ(t − 3.5)² = 42
    close(v.AUTOCORR, 13 / 32); // Σ d_t·d_{t−1} = 3 + 1 + 1 + 0 + 0 + 0 + 8
    assert.equal(v.OUTLIERS, 1); // fences [1.75, 7.75]: only 9
    assert.equal(v.VARIED, 1);
    close(v.ENTROPY, 3 * (3 / 8) + (3 / 8) * Math.log2(8 / 3) + (2 / 8) * 2); // counts 1,3,2,1,1
    assert.equal(v.CONSISTENCY, 1);
    assert.equal(v.UNIQUE, 0);
    assert.equal(v.UNIQUECOUNT, 5);
    // baseline 4,4,4,5,5 (mean 4.4, std 0.49) makes 7 a signal; the filter then holds 6, and
    // 9 is 4.2 above the baseline mean 4.8 (std 0.75): 2 signals
    assert.equal(v.SPIKEDETECT, 2);
    // mean ± z·s/√n with s = √(32/7) = 2.138090, s/√8 = 0.755929: 1.959964·… = 1.481594, 2.575829·… = 1.947144
    assert.equal(v.MEANCI95, '5,3.518406,6.481594');
    assert.equal(v.MEANCI99, '5,3.052856,6.947144');
    assert.equal(v.RAW, 9);
    // rest 2,4,4,4,5,5,7: median 4, MAD 1 → z = 5/1.4826 = 3.3725, Φ(z) = 0.9996275
    close(v.ANOMPROB, 100 * (2 * 0.9996275 - 1), 1e-6);
  });

  it('reads names case-insensitively and keys results by the canonical name', () => {
    const { values } = computeStatistics([' avg ', 'Median', 'outliers10-90'], classic);
    assert.deepEqual(Object.keys(values), ['AVG', 'MEDIAN', 'OUTLIERS10-90']);
    assert.equal(values.AVG, 5);
    // P10 = 2 + 0.7·2 = 3.4, P90 = 7 + 0.3·2 = 7.6, fences [−2.9, 13.9]: no outlier
    assert.equal(values['OUTLIERS10-90'], 0);
  });

  it('detects a spike with the smoothed z-score (lag 5, 3.5 SD, influence 0.5)', () => {
    const w = new Float64Array([1, 1.1, 0.9, 1, 1.05, 0.95, 10, 1, 1.02, 0.98]);
    assert.equal(computeStatistics(['SPIKEDETECT'], w).values.SPIKEDETECT, 1);
    const down = new Float64Array([1, 1.1, 0.9, 1, 1.05, 0.95, -8, 1, 1.02, 0.98]);
    assert.equal(computeStatistics(['spikedetect'], down).values.SPIKEDETECT, 1);
  });

  it('scores the newest value with ANOMPROB in percent', () => {
    const p = (xs: number[], name = 'ANOMPROB') =>
      computeStatistics([name], new Float64Array(xs)).values[name];
    close(p([1, 2, 3, 4, 5, 100]), 100, 1e-6);
    assert.equal(p([1, 2, 3, 4, 5, 3]), 0);
    // rest 1..5: median 3, MAD 1 → z = 1/1.4826 = 0.6745 → 2Φ(z) − 1 = 0.5
    close(p([1, 2, 3, 4, 5, 4]), 50, 1e-4);
    // ANOMPROB0-100 uses the mean and sample std of the rest: z = (4 − 3)/1.5811
    close(p([1, 2, 3, 4, 5, 4], 'ANOMPROB0-100'), 100 * 0.4729, 1e-3);
  });

  describe('bad input', () => {
    it('names an unknown statistic and lists the known ones', () => {
      assert.throws(
        () => computeStatistics(['AVG', 'AVERAGE'], classic),
        (e: unknown) =>
          e instanceof UnknownStatisticError &&
          e instanceof InvalidInputError &&
          e.statistic === 'AVERAGE' &&
          /unknown statistic 'AVERAGE'/.test(e.message) &&
          /SPIKEDETECT/.test(e.message),
      );
    });

    it('refuses statistics that need strings or timestamps', () => {
      for (const name of ['COUNTSTR', 'uniquestr', 'Timediff', 'GEODIFF', 'Dataage_-5_minutes']) {
        assert.throws(() => computeStatistics([name], classic), NonNumericStatisticError, name);
      }
    });

    it('refuses malformed percentile ranges', () => {
      assert.throws(() => computeStatistics(['OUTLIERS90-10'], classic), InvalidInputError);
      assert.throws(() => computeStatistics(['ANOMPROB10-200'], classic), InvalidInputError);
      assert.throws(() => computeStatistics([], classic), InvalidInputError);
    });

    it('refuses an empty window', () => {
      assert.throws(() => computeStatistics(['AVG'], new Float64Array(0)), EmptyWindowError);
      assert.throws(
        () => computeStatistics(['AVG'], new Float64Array([NaN]), { nonFinite: 'drop' }),
        EmptyWindowError,
      );
    });

    it('refuses NaN and Infinity, naming the position, unless asked to drop them', () => {
      assert.throws(
        () => computeStatistics(['AVG'], new Float64Array([1, NaN, 3])),
        (e: unknown) => e instanceof NonFiniteValueError && e.index === 1,
      );
      assert.throws(
        () => computeStatistics(['AVG'], new Float64Array([1, 2, Infinity])),
        NonFiniteValueError,
      );
      const r = computeStatistics(['AVG', 'COUNT'], new Float64Array([1, NaN, 3, -Infinity]), {
        nonFinite: 'drop',
      });
      assert.deepEqual(r, { values: { AVG: 2, COUNT: 2 }, dropped: 2 });
    });

    it('gives documented fallbacks on a window of one value', () => {
      const { values: v } = computeStatistics(
        ['VARIANCE', 'SKEWNESS', 'KURTOSIS', 'AUTOCORR', 'TREND', 'MEANCI95', 'ANOMPROB', 'IQR', 'UNIQUE'],
        new Float64Array([7]),
      );
      assert.deepEqual(v, {
        VARIANCE: 0,
        SKEWNESS: null,
        KURTOSIS: null,
        AUTOCORR: null,
        TREND: 0,
        MEANCI95: '7,7,7',
        ANOMPROB: 0,
        IQR: 0,
        UNIQUE: 1,
      });
    });

    it('gives documented fallbacks on a constant window', () => {
      const flat = new Float64Array(20).fill(3);
      const { values: v } = computeStatistics(
        [
          'VARIANCE',
          'CV',
          'SKEWNESS',
          'KURTOSIS',
          'AUTOCORR',
          'VARIED',
          'ENTROPY',
          'OUTLIERS',
          'SPIKEDETECT',
          'ANOMPROB',
          'TREND',
        ],
        flat,
      );
      assert.deepEqual(v, {
        VARIANCE: 0,
        CV: 0,
        SKEWNESS: null,
        KURTOSIS: null,
        AUTOCORR: null,
        VARIED: 0,
        ENTROPY: 0,
        OUTLIERS: 0,
        SPIKEDETECT: 0,
        ANOMPROB: 0,
        TREND: 0,
      });
      close(computeStatistics(['GM'], flat).values.GM, 3, 1e-12);
      // a change after a flat stretch is anomalous with certainty
      const step = Float64Array.from([...flat, 4]);
      assert.equal(computeStatistics(['ANOMPROB'], step).values.ANOMPROB, 100);
    });

    it('returns null, not NaN, where a statistic is undefined for the values', () => {
      const { values: v } = computeStatistics(['GM', 'HM', 'DIFFMARGIN', 'CV'], new Float64Array([0, -1, 1]));
      assert.deepEqual(v, { GM: null, HM: null, DIFFMARGIN: null, CV: null });
    });

    it('checks the SPIKEDETECT parameters', () => {
      assert.throws(
        () => computeStatistics(['SPIKEDETECT'], classic, { spikeDetect: { lag: 0 } }),
        /lag must be an integer/,
      );
      assert.throws(
        () => computeStatistics(['SPIKEDETECT'], classic, { spikeDetect: { influence: 2 } }),
        /influence must be in \[0, 1\]/,
      );
    });
  });
});
