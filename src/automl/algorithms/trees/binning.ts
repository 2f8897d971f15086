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

export function binWindow(data: Dataset, maxBins: number = MAX_BINS): BinnedWindow {
  const key = `${data.rows}×${data.features}/${maxBins}/${contentHash(data.x)}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const binned = computeBins(data.x, data.rows, data.features, maxBins);
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

export function computeBins(x: Float64Array, rows: number, features: number, maxBins: number): BinnedWindow {
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
    const bounds = cutPoints(column.slice().sort(), maxBins);
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
 * (exact splits), else greedy equal-count cuts between distinct values (a repeated value is never
 * split across bins).
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
    // The target count per bin is recomputed after each cut, so a value repeated in half the rows
    // takes one bin and the other half still spreads over the remaining bins.
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
