// The stream statistics VIPER names in `preprocesslogic` (reference/viper-protocol.md §3.4), over a
// numeric window ordered oldest first. VIPER documents most of them by name only; where its meaning
// is unknown, the meaning chosen here is stated next to the statistic and is the contract of tml.
// A statistic that is undefined for the window (the skewness of a flat window, the geometric mean of
// negative values...) is `null`, never NaN, so results stay valid JSON.

import { sampleKurtosis, sampleSkewness } from 'simple-statistics';
import {
  smoothedZScore,
  SPIKE_DETECT_DEFAULTS,
  type SmoothedZScoreOptions,
} from '../anomaly/smoothed-z-score.js';
import { twoSidedProbability } from '../anomaly/normal.js';
import type { Window } from './window.js';

/** A number, or text where the statistic's meaning is text (RAW of a text stream, MEANCI's interval). */
export type StatisticValue = number | string | null;

export interface StatisticContext {
  /** Parameters of SPIKEDETECT; VIPER's are lag 5, threshold 3.5 SD, influence 0.5. */
  spikeDetect: SmoothedZScoreOptions;
}

type Compute = (w: Window, context: StatisticContext) => StatisticValue;

/** Tukey's fence multiplier for OUTLIERS. */
const FENCE = 1.5;
/** MAD → standard deviation of a normal distribution. */
const MAD_TO_STD = 1.482602218505602;

/** Number of values outside [lo − 1.5·(hi − lo), hi + 1.5·(hi − lo)] with lo, hi the p, q quantiles. */
export function outliers(w: Window, p: number, q: number): number {
  const lo = w.quantile(p);
  const hi = w.quantile(q);
  const spread = hi - lo;
  const low = lo - FENCE * spread;
  const high = hi + FENCE * spread;
  let count = 0;
  for (let i = 0; i < w.n; i++) if (w.values[i] < low || w.values[i] > high) count++;
  return count;
}

/**
 * How anomalous the newest value is against the rest of the window, as a percentage 0–100 (VIPER's
 * conditions read it on that scale: `Current_preprocessed_AnomProb=55,n`): 100·(2Φ(|z|) − 1), with z
 * the newest value's robust z-score against the older values (median, 1.4826·MAD; the sample std
 * when MAD is 0). With `p`, `q` (ANOMPROBX-Y) the reference is the older values between their p and q
 * quantiles, scored by mean and std. Fallbacks: no older value → 0; a flat reference → 0 if the newest
 * value equals it, else 100.
 */
export function anomalyProbability(w: Window, p?: number, q?: number): number {
  if (w.n < 2) return 0;
  let rest = Array.from(w.values.subarray(0, w.n - 1)).sort((a, b) => a - b);
  const x = w.newest;
  let center: number;
  let scale: number;
  if (p === undefined || q === undefined) {
    center = quantile(rest, 0.5);
    const deviations = rest.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
    scale = MAD_TO_STD * quantile(deviations, 0.5);
    if (scale === 0) scale = std(rest);
  } else {
    const lo = quantile(rest, p);
    const hi = quantile(rest, q);
    rest = rest.filter((v) => v >= lo && v <= hi);
    center = rest.reduce((s, v) => s + v, 0) / rest.length;
    scale = std(rest);
  }
  if (scale === 0) return x === center ? 0 : 100;
  return 100 * twoSidedProbability((x - center) / scale);
}

function quantile(sorted: readonly number[], p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (i - lo) * (sorted[hi] - sorted[lo]);
}

function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

/** `mean,low,high` rounded to 6 decimals (the precision of a preprocessed item). */
function meanInterval(w: Window, z: number): string {
  const half = (z * w.std) / Math.sqrt(w.n);
  return [w.mean, w.mean - half, w.mean + half].map((v) => Number(v.toFixed(6))).join(',');
}

function distinctCounts(w: Window): number[] {
  const counts: number[] = [];
  const s = w.sorted;
  let run = 1;
  for (let i = 1; i <= w.n; i++) {
    if (i < w.n && s[i] === s[i - 1]) run++;
    else {
      counts.push(run);
      run = 1;
    }
  }
  return counts;
}

/** The numeric statistics, by canonical upper-case name, with the meaning tml gives each. */
export const STATISTICS: Readonly<Record<string, { meaning: string; compute: Compute }>> = {
  MIN: { meaning: 'smallest value', compute: (w) => w.sorted[0] },
  MAX: { meaning: 'largest value', compute: (w) => w.sorted[w.n - 1] },
  AVG: { meaning: 'arithmetic mean', compute: (w) => w.mean },
  COUNT: { meaning: 'number of values in the window', compute: (w) => w.n },
  SUM: { meaning: 'sum of the values', compute: (w) => w.sum },
  DIFF: {
    meaning: 'newest − oldest value: the change over the window',
    compute: (w) => w.newest - w.oldest,
  },
  DIFFMARGIN: {
    meaning:
      'change over the window in percent of the oldest value: 100·(newest − oldest)/|oldest|; null if oldest is 0',
    compute: (w) => (w.oldest === 0 ? null : (100 * (w.newest - w.oldest)) / Math.abs(w.oldest)),
  },
  MEDIAN: { meaning: 'median (mean of the two middle values for an even count)', compute: (w) => w.median },
  VARIANCE: {
    meaning: 'sample variance (divides by n − 1); 0 for a single value',
    compute: (w) => w.variance,
  },
  IQR: {
    meaning: 'interquartile range Q3 − Q1 (quantiles by linear interpolation, numpy default)',
    compute: (w) => w.quantile(0.75) - w.quantile(0.25),
  },
  MIDHINGE: { meaning: '(Q1 + Q3) / 2', compute: (w) => (w.quantile(0.25) + w.quantile(0.75)) / 2 },
  TRIMEAN: {
    meaning: "Tukey's trimean (Q1 + 2·median + Q3) / 4",
    compute: (w) => (w.quantile(0.25) + 2 * w.median + w.quantile(0.75)) / 4,
  },
  GM: {
    meaning: 'geometric mean; null unless every value is > 0 (0 if any value is 0 and none negative)',
    compute: (w) => {
      if (w.sorted[0] < 0) return null;
      if (w.sorted[0] === 0) return 0;
      let logs = 0;
      for (let i = 0; i < w.n; i++) logs += Math.log(w.values[i]);
      return Math.exp(logs / w.n);
    },
  },
  HM: {
    meaning: 'harmonic mean; null unless every value is > 0',
    compute: (w) => {
      if (w.sorted[0] <= 0) return null;
      let inverse = 0;
      for (let i = 0; i < w.n; i++) inverse += 1 / w.values[i];
      return w.n / inverse;
    },
  },
  CV: {
    meaning: 'coefficient of variation: sample standard deviation / |mean|; null if the mean is 0',
    compute: (w) => (w.mean === 0 ? null : w.std / Math.abs(w.mean)),
  },
  MAD: {
    meaning:
      'mean absolute deviation from the mean, Σ|x − mean| / n (the client documents Mad as the mean absolute deviation)',
    compute: (w) => {
      const m = w.mean;
      let s = 0;
      for (let i = 0; i < w.n; i++) s += Math.abs(w.values[i] - m);
      return s / w.n;
    },
  },
  SKEWNESS: {
    meaning: 'adjusted Fisher–Pearson sample skewness; null for fewer than 3 values or a flat window',
    compute: (w) => (w.n < 3 || w.constant ? null : sampleSkewness(Array.from(w.values))),
  },
  KURTOSIS: {
    meaning: 'sample excess kurtosis (0 for normal data); null for fewer than 4 values or a flat window',
    compute: (w) => (w.n < 4 || w.constant ? null : sampleKurtosis(Array.from(w.values))),
  },
  TREND: {
    meaning:
      'least-squares slope of value on position (Y = a + b·t, t = 0, 1, …): change per record; 0 for one value',
    compute: (w) => {
      if (w.n < 2) return 0;
      const tMean = (w.n - 1) / 2;
      const yMean = w.mean;
      let sxy = 0;
      let sxx = 0;
      for (let t = 0; t < w.n; t++) {
        sxy += (t - tMean) * (w.values[t] - yMean);
        sxx += (t - tMean) ** 2;
      }
      return sxy / sxx;
    },
  },
  AUTOCORR: {
    meaning:
      'lag-1 autocorrelation (Y against Y(t−1)): Σ(y_t − ȳ)(y_{t−1} − ȳ) / Σ(y_t − ȳ)², the usual ACF estimator; null for fewer than 2 values or a flat window',
    compute: (w) => {
      if (w.n < 2 || w.constant) return null;
      const mean = w.mean;
      let s = 0;
      for (let t = 1; t < w.n; t++) s += (w.values[t] - mean) * (w.values[t - 1] - mean);
      return s / w.sumOfSquares;
    },
  },
  OUTLIERS: {
    meaning:
      "number of values outside Tukey's fences [Q1 − 1.5·IQR, Q3 + 1.5·IQR] (OUTLIERSX-Y: the X-th and Y-th percentiles instead of Q1, Q3)",
    compute: (w) => outliers(w, 0.25, 0.75),
  },
  VARIED: {
    meaning: '1 if the window holds at least two different values, else 0',
    compute: (w) => (w.constant ? 0 : 1),
  },
  ANOMPROB: {
    meaning:
      'how anomalous the newest value is against the older values, in percent (ANOMPROBX-Y: against the older values between their X-th and Y-th percentiles); see anomalyProbability',
    compute: (w) => anomalyProbability(w),
  },
  ENTROPY: {
    meaning:
      'Shannon entropy in bits of the distribution of distinct values (−Σ p·log2 p); 0 for a flat window, log2(n) when all values differ',
    compute: (w) => {
      let h = 0;
      for (const c of distinctCounts(w)) {
        const p = c / w.n;
        h -= p * Math.log2(p);
      }
      return h;
    },
  },
  CONSISTENCY: {
    meaning: '1 if every value has the same data type: always 1 for a numeric window (see text.ts for text)',
    compute: () => 1,
  },
  UNIQUE: {
    meaning: '1 if every value in the window is different from the others, else 0',
    compute: (w) => (distinctCounts(w).length === w.n ? 1 : 0),
  },
  UNIQUECOUNT: { meaning: 'number of distinct values', compute: (w) => distinctCounts(w).length },
  SPIKEDETECT: {
    meaning:
      'number of values the smoothed z-score algorithm signals in the window (VIPER: lag 5, 3.5 SD, influence 0.5); 0 when the window is no longer than the lag',
    compute: (w, context) => {
      const { signals } = smoothedZScore(w.values, context.spikeDetect);
      let count = 0;
      for (let i = 0; i < signals.length; i++) if (signals[i] !== 0) count++;
      return count;
    },
  },
  MEANCI95: {
    meaning:
      "95% confidence interval of the mean as the text 'mean,low,high' (the client's documented answer), mean ± 1.96·s/√n (normal approximation)",
    compute: (w) => meanInterval(w, 1.959963984540054),
  },
  MEANCI99: {
    meaning:
      "99% confidence interval of the mean as 'mean,low,high', mean ± 2.576·s/√n (normal approximation)",
    compute: (w) => meanInterval(w, 2.5758293035489),
  },
  RAW: { meaning: 'the newest value, unprocessed', compute: (w) => w.newest },
};

export const DEFAULT_CONTEXT: StatisticContext = { spikeDetect: SPIKE_DETECT_DEFAULTS };
