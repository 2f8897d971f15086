// Correlation between two equally long series: Pearson, Spearman (Pearson of average ranks) and
// Kendall's tau-b, each with its two-sided p-value as scipy.stats computes it by default (pearsonr,
// spearmanr: Student's t with n−2 degrees of freedom; kendalltau: exact without ties for n ≤ 33,
// else the normal approximation with the tie-corrected variance), and the normalised
// cross-correlation at lags. Kendall counts discordant pairs by merge sort: O(n log n), not O(n²).
import { InsufficientDataError } from '../errors.js';
import { kendallExactTwoSided, normalTwoSided, studentTTwoSided } from './distributions.js';

export type CorrelationMethod = 'pearson' | 'spearman' | 'kendall';
export const CORRELATION_METHODS: readonly CorrelationMethod[] = ['pearson', 'spearman', 'kendall'];

export interface Correlation {
  coefficient: number;
  /** Two-sided p-value of "no association"; NaN when the coefficient is undefined. */
  pValue: number;
  n: number;
}

function check(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new InsufficientDataError(`series of ${x.length} and ${y.length} values`);
  if (x.length < 3) throw new InsufficientDataError(`a correlation needs at least 3 pairs, got ${x.length}`);
  return x.length;
}

function pearsonCoefficient(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN; // a constant series correlates with nothing
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

function tTest(r: number, n: number): number {
  if (Number.isNaN(r)) return NaN;
  if (Math.abs(r) === 1) return 0;
  const df = n - 2;
  return studentTTwoSided(r * Math.sqrt(df / ((1 - r) * (1 + r))), df);
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = check(x, y);
  const r = pearsonCoefficient(x, y, n);
  return { coefficient: r, pValue: tTest(r, n), n };
}

/** Ranks 1..n, ties sharing their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = check(x, y);
  const r = pearsonCoefficient(averageRanks(x), averageRanks(y), n);
  return { coefficient: r, pValue: tTest(r, n), n };
}

/** Σ t(t−1)/2, Σ t(t−1)(t−2), Σ t(t−1)(2t+5) over the groups of t tied values of a sorted series. */
function tieSums(sorted: Float64Array): [number, number, number] {
  let pairs = 0;
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    pairs += (t * (t - 1)) / 2;
    s0 += t * (t - 1) * (t - 2);
    s1 += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  return [pairs, s0, s1];
}

/** Sorts `a` in place (merge sort) and returns how many pairs it swapped: the discordant pairs. */
function countSwaps(a: Float64Array): number {
  const n = a.length;
  let from: Float64Array = a;
  let to: Float64Array = new Float64Array(n);
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (from[j] < from[i]) {
          swaps += mid - i;
          to[k++] = from[j++];
        } else to[k++] = from[i++];
      }
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
    }
    [from, to] = [to, from];
  }
  if (from !== a) a.set(from);
  return swaps;
}

export function kendall(x: ArrayLike<number>, y: ArrayLike<number>): Correlation {
  const n = check(x, y);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ys = Float64Array.from(order, (i) => y[i]);
  // pairs tied in both x and y
  let bothTied = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && xs[j] === xs[i] && ys[j] === ys[i]) j++;
    bothTied += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  const [xTies, x0, x1] = tieSums(xs);
  const discordant = countSwaps(ys); // ys is sorted afterwards
  const [yTies, y0, y1] = tieSums(ys);
  const total = (n * (n - 1)) / 2;
  if (xTies === total || yTies === total) return { coefficient: NaN, pValue: NaN, n };
  const conMinusDis = total - xTies - yTies + bothTied - 2 * discordant;
  const tau = Math.max(-1, Math.min(1, conMinusDis / Math.sqrt(total - xTies) / Math.sqrt(total - yTies)));
  let pValue: number;
  const c = Math.min(discordant, total - discordant);
  if (xTies === 0 && yTies === 0 && (n <= 33 || c <= 1)) {
    pValue = kendallExactTwoSided(n, c);
  } else {
    const m = n * (n - 1);
    const variance =
      (m * (2 * n + 5) - x1 - y1) / 18 + (2 * xTies * yTies) / m + (x0 * y0) / (9 * m * (n - 2));
    pValue = normalTwoSided(conMinusDis / Math.sqrt(variance));
  }
  return { coefficient: tau, pValue, n };
}

export function correlate(
  method: CorrelationMethod,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): Correlation {
  return method === 'pearson' ? pearson(x, y) : method === 'spearman' ? spearman(x, y) : kendall(x, y);
}

export interface LaggedCorrelation {
  /** y is shifted `lag` steps later than x: Σ (x_t − x̄)(y_{t+lag} − ȳ) / (n σx σy). */
  lag: number;
  coefficient: number;
}

/**
 * The normalised cross-correlation of x and y at lags −maxLag..maxLag (numpy.correlate of the
 * centred series over n·σx·σy, population σ): lag 0 is Pearson's r.
 */
export function crossCorrelation(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxLag: number,
): LaggedCorrelation[] {
  const n = check(x, y);
  const centred = (v: ArrayLike<number>) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += v[i];
    mean /= n;
    return Float64Array.from({ length: n }, (_, i) => v[i] - mean);
  };
  const xc = centred(x);
  const yc = centred(y);
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += xc[i] * xc[i];
    syy += yc[i] * yc[i];
  }
  const scale = Math.sqrt(sxx * syy);
  const out: LaggedCorrelation[] = [];
  const limit = Math.min(maxLag, n - 1);
  for (let lag = -limit; lag <= limit; lag++) {
    let s = 0;
    for (let t = Math.max(0, -lag); t < n && t + lag < n; t++) s += xc[t] * yc[t + lag];
    out.push({ lag, coefficient: scale === 0 ? NaN : s / scale });
  }
  return out;
}
