// Fast batch prediction. A shallow ensemble (every boosted model) is recompiled into complete
// binary trees: node i has children 2i+1 and 2i+2, a leaf above the full depth is copied to all
// its descendants, so every row takes exactly `depth` steps with no leaf test. The comparison
// becomes arithmetic (+(x <= t)) instead of a branch the CPU would mispredict half the time, and
// four rows walk each tree in lockstep so their independent loads overlap. Measured on a 100-tree
// depth-5 GBDT: ~1.0M rows/s against ~0.4M for the plain pointer-chasing walk (noisy 2-core box).
// Both walks visit the same leaves and add their values in the same order, so they agree to the bit.

import type { TreeEnsemble } from './ensemble.js';
import { InvalidInputError } from '../../errors.js';

/** Deeper trees (random forests, deep CART) keep the pointer walk: a complete tree would be too big. */
const MAX_COMPLETE_DEPTH = 10;
const MAX_COMPLETE_ENTRIES = 1 << 20;

interface CompleteTrees {
  readonly depth: number;
  /** Per tree, 2^depth − 1 split features then thresholds (Float64 copies of the Float32 values). */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** Per tree, 2^depth leaf values. */
  readonly value: Float64Array;
}

const compiled = new WeakMap<TreeEnsemble, CompleteTrees | null>();

/** Writes one prediction per row of `x` (rows × features, row-major) into `out`. */
export function predictEnsemble(
  e: TreeEnsemble,
  x: Float64Array,
  rows: number,
  features: number,
  out: Float64Array,
): void {
  if (features !== e.features) {
    throw new InvalidInputError(`the model expects ${e.features} features, got ${features}`);
  }
  if (!Number.isInteger(rows) || rows < 0 || x.length < rows * features) {
    throw new InvalidInputError(`x has ${x.length} values, expected rows × features = ${rows * features}`);
  }
  if (out.length < rows) throw new InvalidInputError(`out has room for ${out.length} rows, expected ${rows}`);
  let complete = compiled.get(e);
  if (complete === undefined) {
    complete = compile(e);
    compiled.set(e, complete);
  }
  if (complete) sumComplete(complete, e.roots.length, x, rows, features, out);
  else sumWalk(e, x, rows, features, out);
  // A mean divides (not multiplies by 1/trees) so averaged probabilities can never round above 1.
  const divisor = e.aggregation === 'mean' ? e.roots.length : 1;
  const base = e.baseScore;
  if (e.link === 'logistic') {
    for (let r = 0; r < rows; r++) out[r] = 1 / (1 + Math.exp(-(base + out[r] / divisor)));
  } else {
    for (let r = 0; r < rows; r++) out[r] = base + out[r] / divisor;
  }
}

/**
 * The pointer walk, four rows at a time through each tree (independent walks overlap their loads).
 * A NaN input compares false and goes right, so it still lands on a finite leaf.
 */
function sumWalk(e: TreeEnsemble, x: Float64Array, rows: number, features: number, out: Float64Array): void {
  const { roots, feature, threshold, left, right, value } = e;
  const trees = roots.length;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * features;
    const o1 = o0 + features;
    const o2 = o1 + features;
    const o3 = o2 + features;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < trees; t++) {
      let n0 = roots[t];
      let n1 = n0;
      let n2 = n0;
      let n3 = n0;
      let f0 = feature[n0];
      let f1 = f0;
      let f2 = f0;
      let f3 = f0;
      // Until all four reach a leaf: the AND has its sign bit set only when every feature is −1.
      while ((f0 & f1 & f2 & f3) >= 0) {
        if (f0 >= 0) {
          n0 = x[o0 + f0] <= threshold[n0] ? left[n0] : right[n0];
          f0 = feature[n0];
        }
        if (f1 >= 0) {
          n1 = x[o1 + f1] <= threshold[n1] ? left[n1] : right[n1];
          f1 = feature[n1];
        }
        if (f2 >= 0) {
          n2 = x[o2 + f2] <= threshold[n2] ? left[n2] : right[n2];
          f2 = feature[n2];
        }
        if (f3 >= 0) {
          n3 = x[o3 + f3] <= threshold[n3] ? left[n3] : right[n3];
          f3 = feature[n3];
        }
      }
      s0 += value[n0];
      s1 += value[n1];
      s2 += value[n2];
      s3 += value[n3];
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < rows; r++) {
    const offset = r * features;
    let sum = 0;
    for (let t = 0; t < trees; t++) {
      let n = roots[t];
      let f = feature[n];
      while (f >= 0) {
        n = x[offset + f] <= threshold[n] ? left[n] : right[n];
        f = feature[n];
      }
      sum += value[n];
    }
    out[r] = sum;
  }
}

function sumComplete(
  c: CompleteTrees,
  trees: number,
  x: Float64Array,
  rows: number,
  p: number,
  out: Float64Array,
) {
  const { depth, feature: F, threshold: T, value: V } = c;
  const inner = (1 << depth) - 1;
  const leaves = 1 << depth;
  // Child of i: 2i+1 if x <= t else 2i+2 (NaN: right, as in the plain walk).
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o0 = r * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < trees; t++) {
      const b = t * inner;
      let i0 = 0;
      let i1 = 0;
      let i2 = 0;
      let i3 = 0;
      for (let l = 0; l < depth; l++) {
        i0 = 2 * i0 + 2 - +(x[o0 + F[b + i0]] <= T[b + i0]);
        i1 = 2 * i1 + 2 - +(x[o1 + F[b + i1]] <= T[b + i1]);
        i2 = 2 * i2 + 2 - +(x[o2 + F[b + i2]] <= T[b + i2]);
        i3 = 2 * i3 + 2 - +(x[o3 + F[b + i3]] <= T[b + i3]);
      }
      const v = t * leaves - inner;
      s0 += V[v + i0];
      s1 += V[v + i1];
      s2 += V[v + i2];
      s3 += V[v + i3];
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < rows; r++) {
    const o = r * p;
    let s = 0;
    for (let t = 0; t < trees; t++) {
      const b = t * inner;
      let i = 0;
      for (let l = 0; l < depth; l++) i = 2 * i + 2 - +(x[o + F[b + i]] <= T[b + i]);
      s += V[t * leaves - inner + i];
    }
    out[r] = s;
  }
}

function compile(e: TreeEnsemble): CompleteTrees | null {
  const trees = e.roots.length;
  let depth = 0;
  for (let t = 0; t < trees; t++) {
    depth = Math.max(depth, depthOf(e, e.roots[t]));
    if (depth > MAX_COMPLETE_DEPTH) return null;
  }
  const inner = (1 << depth) - 1;
  const leaves = 1 << depth;
  if (trees * (inner + leaves) > MAX_COMPLETE_ENTRIES) return null;
  const feature = new Int32Array(trees * inner);
  const threshold = new Float64Array(trees * inner);
  const value = new Float64Array(trees * leaves);
  for (let t = 0; t < trees; t++) {
    // Iterative fill: (node in the ensemble, position in the complete tree, level).
    const stack: number[] = [e.roots[t], 0, 0];
    while (stack.length > 0) {
      const level = stack.pop() as number;
      const i = stack.pop() as number;
      const n = stack.pop() as number;
      if (level === depth) {
        value[t * leaves + i - inner] = e.value[n];
        continue;
      }
      const leaf = e.feature[n] < 0;
      // A leaf above full depth becomes a split that sends every row (NaN included) to a copy of it.
      feature[t * inner + i] = leaf ? 0 : e.feature[n];
      threshold[t * inner + i] = leaf ? Infinity : e.threshold[n];
      stack.push(leaf ? n : e.left[n], 2 * i + 1, level + 1, leaf ? n : e.right[n], 2 * i + 2, level + 1);
    }
  }
  return { depth, feature, threshold, value };
}

function depthOf(e: TreeEnsemble, root: number): number {
  let deepest = 0;
  const stack: number[] = [root, 0];
  while (stack.length > 0) {
    const d = stack.pop() as number;
    const n = stack.pop() as number;
    if (e.feature[n] < 0) deepest = Math.max(deepest, d);
    else stack.push(e.left[n], d + 1, e.right[n], d + 1);
  }
  return deepest;
}
