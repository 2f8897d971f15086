// Exact TreeSHAP, the path-dependent algorithm of Lundberg, Erion & Lee ("Consistent individualized
// feature attribution for tree ensembles", 2018, Algorithm 2), on the flat arrays of a tree
// ensemble. The value of a feature set S is the tree's expectation when the features outside S are
// unknown: at a split on an unknown feature both children count, weighted by their covers (the
// training rows that reached them). It runs in O(leaves × depth²) per tree instead of enumerating
// the 2^features subsets, and the contributions add up to the tree's output minus its expectation.
//
// Hand-written rather than taken from npm: there is no TreeSHAP package for JavaScript, and the
// flat, Float32 layout of our ensembles is our own.

import type { TreeEnsemble } from '../algorithms/trees/ensemble.js';

/** A leaf no training row reached keeps this cover, so the fractions below never divide by zero. */
const EMPTY_LEAF_COVER = 1e-6;

/**
 * Covers of every node: the rows of `x` (standardised, row-major) that reach it, routed exactly as
 * prediction routes them; an inner node's cover is the sum of its children's.
 */
export function treeCovers(e: TreeEnsemble, x: Float64Array, rows: number): Float32Array {
  const p = e.features;
  const counts = new Float64Array(e.feature.length);
  for (let t = 0; t < e.roots.length; t++) {
    for (let r = 0; r < rows; r++) {
      let n = e.roots[t];
      while (e.feature[n] >= 0) n = x[r * p + e.feature[n]] <= e.threshold[n] ? e.left[n] : e.right[n];
      counts[n] += 1;
    }
  }
  // Children come after their parents, so one backward pass sums the leaves up.
  for (let n = counts.length - 1; n >= 0; n--) {
    if (e.feature[n] < 0) counts[n] = Math.max(counts[n], EMPTY_LEAF_COVER);
    else counts[n] = counts[e.left[n]] + counts[e.right[n]];
  }
  return Float32Array.from(counts);
}

/** The cover-weighted mean of one tree's leaves: its output when no feature is known. */
export function treeExpectation(e: TreeEnsemble, covers: Float32Array, root: number): number {
  const stack = [root];
  let sum = 0;
  while (stack.length > 0) {
    const n = stack.pop() as number;
    if (e.feature[n] < 0) sum += covers[n] * e.value[n];
    else stack.push(e.left[n], e.right[n]);
  }
  return sum / covers[root];
}

/**
 * The paths of unique features from the root, one segment per recursion level in flat arrays (as
 * the reference C++ implementation): a child's path is its parent's copied one segment further,
 * so no allocation happens per node.
 */
class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(depth: number) {
    const size = ((depth + 3) * (depth + 4)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

const buffers = new WeakMap<TreeEnsemble, PathBuffer>();

function bufferFor(e: TreeEnsemble): PathBuffer {
  let buffer = buffers.get(e);
  if (buffer === undefined) {
    let depth = 0;
    const stack: number[] = [];
    for (const root of e.roots) stack.push(root, 0);
    while (stack.length > 0) {
      const d = stack.pop() as number;
      const n = stack.pop() as number;
      if (e.feature[n] < 0) depth = Math.max(depth, d);
      else stack.push(e.left[n], d + 1, e.right[n], d + 1);
    }
    buffer = new PathBuffer(depth);
    buffers.set(e, buffer);
  }
  return buffer;
}

interface Walk {
  e: TreeEnsemble;
  covers: Float32Array;
  x: Float64Array;
  phi: Float64Array;
  scale: number;
  path: PathBuffer;
}

/** Adds the SHAP values of the tree at `root` for row `x` (standardised) into `phi`, times `scale`. */
export function treeShap(
  e: TreeEnsemble,
  covers: Float32Array,
  root: number,
  x: Float64Array,
  phi: Float64Array,
  scale: number,
): void {
  recurse({ e, covers, x, phi, scale, path: bufferFor(e) }, root, 0, 0, 1, 1, -1);
}

/** `parent` is where the parent's path starts, `d` its unique depth (its last element's index). */
function recurse(
  w: Walk,
  node: number,
  parent: number,
  d: number,
  zero: number,
  one: number,
  feature: number,
): void {
  const { e, covers, path } = w;
  const at = parent + d + 1;
  // A plain loop: paths are a few elements long, shorter than copyWithin's call overhead.
  for (let i = 0; i <= d; i++) {
    path.feature[at + i] = path.feature[parent + i];
    path.zero[at + i] = path.zero[parent + i];
    path.one[at + i] = path.one[parent + i];
    path.weight[at + i] = path.weight[parent + i];
  }
  extend(path, at, d, zero, one, feature);
  const split = e.feature[node];
  if (split < 0) {
    const value = e.value[node] * w.scale;
    for (let i = 1; i <= d; i++) {
      const sum = unwoundSum(path, at, d, i);
      w.phi[path.feature[at + i]] += sum * (path.one[at + i] - path.zero[at + i]) * value;
    }
    return;
  }
  const goesLeft = w.x[split] <= e.threshold[node];
  const hot = goesLeft ? e.left[node] : e.right[node];
  const cold = goesLeft ? e.right[node] : e.left[node];
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature met again on the path is unwound first, so it counts once with both fractions.
  let k = 1;
  while (k <= d && path.feature[at + k] !== split) k++;
  let depth = d;
  if (k <= d) {
    incomingZero = path.zero[at + k];
    incomingOne = path.one[at + k];
    unwind(path, at, d, k);
    depth--;
  }
  const cover = covers[node];
  recurse(w, hot, at, depth + 1, (incomingZero * covers[hot]) / cover, incomingOne, split);
  recurse(w, cold, at, depth + 1, (incomingZero * covers[cold]) / cover, 0, split);
}

function extend(path: PathBuffer, at: number, d: number, zero: number, one: number, feature: number): void {
  const { weight } = path;
  path.feature[at + d] = feature;
  path.zero[at + d] = zero;
  path.one[at + d] = one;
  weight[at + d] = d === 0 ? 1 : 0;
  for (let i = d - 1; i >= 0; i--) {
    weight[at + i + 1] += (one * weight[at + i] * (i + 1)) / (d + 1);
    weight[at + i] = (zero * weight[at + i] * (d - i)) / (d + 1);
  }
}

function unwind(path: PathBuffer, at: number, d: number, i: number): void {
  const { weight } = path;
  const one = path.one[at + i];
  const zero = path.zero[at + i];
  let n = weight[at + d];
  for (let j = d - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = weight[at + j];
      weight[at + j] = (n * (d + 1)) / ((j + 1) * one);
      n = t - (weight[at + j] * zero * (d - j)) / (d + 1);
    } else {
      weight[at + j] = (weight[at + j] * (d + 1)) / (zero * (d - j));
    }
  }
  // Drop element i, keeping the (now unwound) weights in place.
  for (let j = i; j < d; j++) {
    path.feature[at + j] = path.feature[at + j + 1];
    path.zero[at + j] = path.zero[at + j + 1];
    path.one[at + j] = path.one[at + j + 1];
  }
}

function unwoundSum(path: PathBuffer, at: number, d: number, i: number): number {
  const { weight } = path;
  const one = path.one[at + i];
  const zero = path.zero[at + i];
  let n = weight[at + d];
  let total = 0;
  for (let j = d - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = (n * (d + 1)) / ((j + 1) * one);
      total += t;
      n = weight[at + j] - (t * zero * (d - j)) / (d + 1);
    } else {
      total += weight[at + j] / zero / ((d - j) / (d + 1));
    }
  }
  return total;
}
