// The split search of extremely randomized trees (Geurts, Ernst & Wehenkel 2006, "Extremely
// randomized trees", Machine Learning 63): each feature drawn at a node gets ONE threshold, drawn
// uniformly between the node's smallest and largest value of that feature, and the node takes the
// best of those few splits. No scan over thresholds, so no histograms: two passes over the node's
// rows per drawn feature (its code range, then the left side's sums).
//
// On binned features a node's values lie in bins lo..hi. Each bin stands for the midpoint of its
// cut points (the edge bins for their one cut), so the threshold is drawn uniformly on that value
// scale and the split is "code <= b" for the last bin b in [lo, hi) whose value is below it: the
// same split as "x <= upperBounds[b]" on raw rows. With at most 255 distinct values per feature the
// bins are exact and the draw differs from scikit-learn's only in where between two neighbouring
// values the cut falls.

/** The node-independent limits a split must respect. */
export interface SplitLimits {
  readonly minSamplesLeaf: number;
  readonly minChildWeight: number;
  readonly l2: number;
}

/** The drawn split of one feature, when it is valid. */
export interface DrawnSplit {
  gain: number;
  bin: number;
  leftG: number;
  leftH: number;
  leftCount: number;
}

/** The value a bin stands for: the midpoint of its two cuts, or its one cut at either edge. */
function binValue(cuts: Float32Array, bin: number): number {
  if (bin === 0) return cuts[0];
  if (bin >= cuts.length) return cuts[cuts.length - 1];
  return (cuts[bin - 1] + cuts[bin]) / 2;
}

/**
 * Draws one threshold for feature column `column` (codes[column + row]) over the node's rows
 * idx[start, end) and writes its split into `out`. Returns false (out untouched) when the feature
 * is constant in the node or the drawn split leaves a side under the limits. `gradient` and
 * `hessian` are the node's rows' values in idx order (gathered once per node: index i − start);
 * `scratch` (≥ end − start) receives the node's codes of this feature on the first pass, so the
 * second reads them in order rather than gathering them again. `node` holds the node's sums;
 * `parentScore` is g² / (h + λ). One random() call per non-constant feature.
 */
export function drawRandomSplit(
  codes: Uint8Array,
  column: number,
  cuts: Float32Array,
  idx: Uint32Array,
  start: number,
  end: number,
  gradient: Float64Array,
  hessian: Float64Array | null,
  scratch: Uint8Array,
  node: { g: number; h: number; count: number; parentScore: number },
  limits: SplitLimits,
  random: () => number,
  out: DrawnSplit,
): boolean {
  const n = end - start;
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[column + idx[start + i]];
    scratch[i] = c;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  if (lo >= hi) return false;
  const low = binValue(cuts, lo);
  const t = low + random() * (binValue(cuts, hi) - low);
  // The last bin in [lo, hi) whose value is <= t (binValue increases with the bin): binary search.
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (binValue(cuts, m) <= t) a = m;
    else b = m - 1;
  }
  const bin = a;
  // Branch-free (a random threshold sends rows either way unpredictably); adding 0·g leaves the
  // sums as the branching loop's, in the same order.
  let gl = 0;
  let cl = 0;
  let hl: number;
  if (hessian === null) {
    for (let i = 0; i < n; i++) {
      const left = +(scratch[i] <= bin);
      gl += left * gradient[i];
      cl += left;
    }
    hl = cl;
  } else {
    hl = 0;
    for (let i = 0; i < n; i++) {
      const left = +(scratch[i] <= bin);
      gl += left * gradient[i];
      hl += left * hessian[i];
      cl += left;
    }
  }
  if (cl < limits.minSamplesLeaf || node.count - cl < limits.minSamplesLeaf) return false;
  const hr = node.h - hl;
  if (hl < limits.minChildWeight || hr < limits.minChildWeight) return false;
  const gr = node.g - gl;
  const leftScore = (gl * gl) / (hl + limits.l2);
  const rightScore = (gr * gr) / (hr + limits.l2);
  out.gain = leftScore + rightScore - node.parentScore;
  out.bin = bin;
  out.leftG = gl;
  out.leftH = hl;
  out.leftCount = cl;
  return true;
}
