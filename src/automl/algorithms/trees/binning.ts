// LightGBM-style histogram binning: every feature is cut once per window into at most 255 quantile
// bins and each value is replaced by its bin code, so finding a split costs O(bins), not O(rows).
// The cut points stay real numbers (Float32-rounded, exactly as the model JSON stores them), and a
// value falls in bin b iff it is <= upperBounds[b] and > upperBounds[b-1]. A split "code <= b" made
// on codes is therefore exactly the split "x <= upperBounds[b]" on the raw (standardised) input,
// and a fitted model predicts from raw rows without knowing the bins.

import type { Dataset } from '../../dataset.js';
import { InvalidInputError } from '../../errors.js';

/** Uint8Array codes hold at most 256 distinct bins; 255 keeps one spare as LightGBM does. */
export const MAX_BINS = 255;

export interface BinnedWindow {
  readonly rows: number;
  readonly features: number;
  /** Column-major bin codes, codes[f * rows + r], so a histogram pass reads one column at a time. */
  readonly codes: Uint8Array;
  /** Bins of each feature; 1 means the feature is constant and can never split. */
  readonly binCount: Int32Array;
  /** Start of each feature's bins in a histogram laid out feature after feature (length features + 1). */
  readonly binOffset: Int32Array;
  /** Per feature, binCount − 1 strictly increasing Float32 cut points. */
  readonly upperBounds: readonly Float32Array[];
}

// Binning sorts every column, the costliest step of a small fit, and every candidate of a window
// bins the same training rows. The selection standardises a fresh copy of them per candidate, and
// a caller may reuse one buffer for different windows, so entries are found by content (a 64-bit
// hash of the values, O(rows × features), far cheaper than the sorts) rather than by identity.
const CACHED_WINDOWS = 4;
const cache = new Map<string, BinnedWindow>();

/**
 * The window's bins, cut on its first `cutRows` rows (default all): a learner that holds out its
 * newest rows for early stopping cuts the bins on the rows it trains on, as scikit-learn does.
 */
export function binWindow(data: Dataset, maxBins: number = MAX_BINS, cutRows = data.rows): BinnedWindow {
  const key = `${data.rows}×${data.features}/${maxBins}/${cutRows}/${contentHash(data.x)}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const binned = computeBins(data.x, data.rows, data.features, maxBins, cutRows);
  if (cache.size >= CACHED_WINDOWS) cache.delete(cache.keys().next().value as string);
  cache.set(key, binned);
  return binned;
}

/** Two independent 32-bit multiplicative hashes over the raw bits of the values. */
function contentHash(x: Float64Array): string {
  const words = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a = Math.imul(a ^ w, 0x01000193);
    a ^= a >>> 15;
    b = Math.imul((b ^ w) + (b >>> 13), 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`;
}

export function computeBins(
  x: Float64Array,
  rows: number,
  features: number,
  maxBins: number,
  cutRows: number = rows,
): BinnedWindow {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS) {
    throw new InvalidInputError(`maxBins must be an integer in [2, ${MAX_BINS}], got ${maxBins}`);
  }
  if (x.length !== rows * features) {
    throw new InvalidInputError(`x has ${x.length} values, expected rows × features = ${rows * features}`);
  }
  const codes = new Uint8Array(rows * features);
  const binCount = new Int32Array(features);
  const binOffset = new Int32Array(features + 1);
  const upperBounds: Float32Array[] = [];
  const column = new Float64Array(rows);
  for (let f = 0; f < features; f++) {
    for (let r = 0; r < rows; r++) {
      const v = x[r * features + f];
      if (!Number.isFinite(v)) {
        throw new InvalidInputError(`feature ${f} of row ${r} is ${v}; drop non-finite rows before fitting`);
      }
      column[r] = v;
    }
    const bounds = cutPoints(column.slice(0, Math.max(1, Math.min(rows, cutRows))).sort(), maxBins);
    upperBounds.push(bounds);
    binCount[f] = bounds.length + 1;
    binOffset[f + 1] = binOffset[f] + binCount[f];
    const base = f * rows;
    for (let r = 0; r < rows; r++) codes[base + r] = binOf(bounds, column[r]);
  }
  return { rows, features, codes, binCount, binOffset, upperBounds };
}

/** The first bin whose upper bound is >= v (binary search; bounds has at most 254 entries). */
export function binOf(bounds: Float32Array, v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= bounds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Cut points of one sorted column: midpoints between distinct values when there are few of them
 * (exact splits), else scikit-learn's percentiles, or, when ties make percentiles coincide, greedy
 * equal-count cuts between distinct values (a repeated value is never split across bins).
 */
function cutPoints(sorted: Float64Array, maxBins: number): Float32Array {
  const n = sorted.length;
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) counts[counts.length - 1]++;
    else {
      values.push(sorted[i]);
      counts.push(1);
    }
  }
  const cuts: number[] = [];
  const push = (lower: number, upper: number) => {
    const cut = Math.fround(lower + (upper - lower) / 2);
    // Float32 rounding can collapse two close values onto one cut; a repeated cut would be an empty bin.
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]) cuts.push(cut);
  };
  if (values.length <= maxBins) {
    for (let i = 1; i < values.length; i++) push(values[i - 1], values[i]);
  } else {
    // scikit-learn's cut points (HistGradientBoosting: the column's percentiles 100·i/maxBins), so that both learners split on the same bins: with the same hyperparameters
    // on the same window, their boosting paths then agree closely (on a 5,000 × 50 window with 45
    // noise columns, changing scikit-learn's own max_bins from 255 to 254 moved its holdout RMSE
    // by up to 28%: an overfitting GBDT's holdout error depends chaotically on the cut points).
    // At every window size, small ones too: greedy cuts on small windows left tml's GBDTs behind
    // scikit-learn's on the bench's 1,000-row windows (docs/benchmarks.md).
    const percentiles = percentileCuts(sorted, maxBins);
    if (percentiles !== null) return percentiles;
    // Ties made some percentiles coincide, which would waste bins: the target count per bin is
    // recomputed after each cut instead, so a value repeated in half the rows takes one bin and
    // the other half still spreads over the remaining bins.
    let seen = 0;
    let atLastCut = 0;
    for (let i = 0; i < values.length - 1 && cuts.length < maxBins - 1; i++) {
      seen += counts[i];
      if (seen - atLastCut >= (n - atLastCut) / (maxBins - cuts.length)) {
        push(values[i], values[i + 1]);
        atLastCut = seen;
      }
    }
  }
  return Float32Array.from(cuts);
}

/**
 * scikit-learn's cut points for a column with more distinct values than bins: numpy's
 * percentile(method="averaged_inverted_cdf") at linspace(0, 100, maxBins + 1)[1:-1], computed
 * with numpy's own floating-point steps so that the same rows fall on the same side of each cut,
 * then rounded to Float32. Null when two cuts coincide (ties), so that the caller spreads the
 * bins itself.
 */
function percentileCuts(sorted: Float64Array, maxBins: number): Float32Array | null {
  const n = sorted.length;
  const step = 100 / maxBins;
  const cuts = new Float32Array(maxBins - 1);
  for (let i = 1; i < maxBins; i++) {
    const virtualIndex = n * ((i * step) / 100) - 1;
    const previous = Math.floor(virtualIndex);
    const a = sorted[Math.min(n - 1, Math.max(0, previous))];
    const b = sorted[Math.min(n - 1, Math.max(0, previous + 1))];
    // An exact index averages the two neighbours; otherwise the inverted CDF takes the upper one,
    // a data value, which must stay in the bin below its cut: Float32 rounding rounds it up.
    const cut =
      virtualIndex === previous ? Math.fround(b - (b - a) * 0.5) : float32AtLeast(b, sorted, previous + 1);
    if (i > 1 && !(cut > cuts[i - 2])) return null;
    cuts[i - 1] = cut;
  }
  return cuts;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/**
 * The smallest Float32 ≥ v (sorted[at] = v), unless that reaches the next larger value of the
 * column, where the nearest Float32 is kept (the cut then moves v one bin up, as any rounding would).
 */
function float32AtLeast(v: number, sorted: Float64Array, at: number): number {
  f32[0] = v;
  if (f32[0] >= v) return f32[0];
  if (f32[0] === 0)
    i32[0] = 1; // the smallest positive Float32
  else if (f32[0] > 0) i32[0]++;
  else i32[0]--;
  const up = f32[0];
  let j = at;
  while (j < sorted.length && sorted[j] === v) j++;
  return j < sorted.length && up >= sorted[j] ? Math.fround(v) : up;
}
