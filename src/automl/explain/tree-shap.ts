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

/** One element of the path of unique features from the root to the current node. */
interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
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
  recurse(e, covers, x, phi, scale, root, [], 1, 1, -1);
}

function recurse(
  e: TreeEnsemble,
  covers: Float32Array,
  x: Float64Array,
  phi: Float64Array,
  scale: number,
  node: number,
  parentPath: PathElement[],
  zero: number,
  one: number,
  feature: number,
): void {
  const path = parentPath.map((m) => ({ ...m }));
  extend(path, zero, one, feature);
  const split = e.feature[node];
  if (split < 0) {
    const value = e.value[node] * scale;
    for (let i = 1; i < path.length; i++) {
      const w = unwoundSum(path, i);
      phi[path[i].feature] += w * (path[i].one - path[i].zero) * value;
    }
    return;
  }
  const goesLeft = x[split] <= e.threshold[node];
  const hot = goesLeft ? e.left[node] : e.right[node];
  const cold = goesLeft ? e.right[node] : e.left[node];
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature met again on the path is unwound first, so it counts once with both fractions.
  const k = path.findIndex((m, i) => i > 0 && m.feature === split);
  if (k > 0) {
    incomingZero = path[k].zero;
    incomingOne = path[k].one;
    unwind(path, k);
  }
  const cover = covers[node];
  recurse(e, covers, x, phi, scale, hot, path, (incomingZero * covers[hot]) / cover, incomingOne, split);
  recurse(e, covers, x, phi, scale, cold, path, (incomingZero * covers[cold]) / cover, 0, split);
}

function extend(path: PathElement[], zero: number, one: number, feature: number): void {
  const d = path.length;
  path.push({ feature, zero, one, weight: d === 0 ? 1 : 0 });
  for (let i = d - 1; i >= 0; i--) {
    path[i + 1].weight += (one * path[i].weight * (i + 1)) / (d + 1);
    path[i].weight = (zero * path[i].weight * (d - i)) / (d + 1);
  }
}

function unwind(path: PathElement[], i: number): void {
  const d = path.length - 1;
  const { one, zero } = path[i];
  let n = path[d].weight;
  for (let j = d - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = path[j].weight;
      path[j].weight = (n * (d + 1)) / ((j + 1) * one);
      n = t - (path[j].weight * zero * (d - j)) / (d + 1);
    } else {
      path[j].weight = (path[j].weight * (d + 1)) / (zero * (d - j));
    }
  }
  // Drop element i, keeping the (now unwound) weights in place.
  for (let j = i; j < d; j++) {
    path[j].feature = path[j + 1].feature;
    path[j].zero = path[j + 1].zero;
    path[j].one = path[j + 1].one;
  }
  path.pop();
}

function unwoundSum(path: PathElement[], i: number): number {
  const d = path.length - 1;
  const { one, zero } = path[i];
  let n = path[d].weight;
  let total = 0;
  for (let j = d - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = (n * (d + 1)) / ((j + 1) * one);
      total += t;
      n = path[j].weight - (t * zero * (d - j)) / (d + 1);
    } else {
      total += path[j].weight / zero / ((d - j) / (d + 1));
    }
  }
  return total;
}
