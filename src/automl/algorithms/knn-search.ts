// Nearest-neighbour search for k-NN: a k-d tree for low dimensions, brute force with early
// abandonment otherwise. Both answer exactly the same neighbours in the same order — the k
// smallest (squared distance, row index) pairs, distances summed feature by feature in the same
// order — so predictions do not depend on which search ran (test/automl/knn.test.ts checks it).
//
// Why a tree: brute force costs O(queries × rows × features); at 16,000 stored rows × 5 features
// the holdout prediction of one candidate took ~250 ms, where scikit-learn's KD-tree took ~30 ms.
// Past ~15 features a k-d tree prunes little (every box is near every query), so brute force stays.

/** Features up to which the k-d tree is used. */
export const KD_TREE_MAX_FEATURES = 15;
/** Below this many stored rows a tree saves less than it costs to build and walk. */
const KD_TREE_MIN_ROWS = 256;
/** Rows per leaf: scanned by brute force, small enough to prune well, large enough to amortise the walk. */
const LEAF_ROWS = 16;

/** The k nearest rows of one query, nearest first, ties by the older (smaller) row index. */
export interface Neighbours {
  /** Number found (min(k, rows)). */
  found: number;
  index: Int32Array;
  distance: Float64Array;
}

export interface NeighbourSearch {
  /** Writes the neighbours of query row `x[q … q + features)` into `into`. */
  search(x: Float64Array, q: number, into: Neighbours): void;
}

export function neighbourBuffer(k: number): Neighbours {
  return { found: 0, index: new Int32Array(k), distance: new Float64Array(k) };
}

/** The search to use for `train` (rows × features, row-major). */
export function neighbourSearch(
  train: Float64Array,
  rows: number,
  features: number,
  k: number,
): NeighbourSearch {
  if (features <= KD_TREE_MAX_FEATURES && rows >= KD_TREE_MIN_ROWS) {
    return new KdTree(train, rows, features, k);
  }
  return new BruteForce(train, rows, features, k);
}

/**
 * Offers row `i` at squared distance `d` to the sorted list; keeps the k smallest (d, i) pairs.
 * Insertion into a sorted array rather than a heap: k ≤ 50 here and, after the first few rows,
 * almost every offer is rejected by the first comparison.
 */
export function offer(into: Neighbours, k: number, d: number, i: number): void {
  const { index, distance } = into;
  if (into.found === k) {
    const worst = distance[k - 1];
    if (d > worst || (d === worst && i > index[k - 1])) return;
  }
  let pos = into.found < k ? into.found++ : k - 1;
  while (pos > 0 && (distance[pos - 1] > d || (distance[pos - 1] === d && index[pos - 1] > i))) {
    distance[pos] = distance[pos - 1];
    index[pos] = index[pos - 1];
    pos--;
  }
  distance[pos] = d;
  index[pos] = i;
}

export class BruteForce implements NeighbourSearch {
  constructor(
    private readonly train: Float64Array,
    private readonly rows: number,
    private readonly features: number,
    private readonly k: number,
  ) {}

  search(x: Float64Array, q: number, into: Neighbours): void {
    const { train, features: p, k } = this;
    into.found = 0;
    for (let i = 0; i < this.rows; i++) {
      const t = i * p;
      // Early abandonment: once the partial sum exceeds the k-th distance the row cannot enter
      // (the remaining terms are ≥ 0), checked every 8 features to keep the loop tight.
      const bound = into.found === k ? into.distance[k - 1] : Infinity;
      let d = 0;
      let f = 0;
      // Eight features written out per step (the same additions in the same order as a plain loop,
      // so the same distances): ~1.5× faster at 50 features than an inner loop of eight.
      for (; f + 8 <= p; f += 8) {
        const a = q + f;
        const b = t + f;
        const d0 = x[a] - train[b];
        const d1 = x[a + 1] - train[b + 1];
        const d2 = x[a + 2] - train[b + 2];
        const d3 = x[a + 3] - train[b + 3];
        const d4 = x[a + 4] - train[b + 4];
        const d5 = x[a + 5] - train[b + 5];
        const d6 = x[a + 6] - train[b + 6];
        const d7 = x[a + 7] - train[b + 7];
        d += d0 * d0;
        d += d1 * d1;
        d += d2 * d2;
        d += d3 * d3;
        d += d4 * d4;
        d += d5 * d5;
        d += d6 * d6;
        d += d7 * d7;
        if (d > bound) break;
      }
      if (d > bound) continue;
      for (; f < p; f++) {
        const diff = x[q + f] - train[t + f];
        d += diff * diff;
      }
      if (d > bound) continue;
      offer(into, k, d, i);
    }
  }
}

/**
 * A k-d tree over the stored rows: median splits on the widest feature, leaves of ≤ LEAF_ROWS
 * rows. A subtree is skipped when the query's squared gap to its splitting plane exceeds the k-th
 * distance found so far; every row on the far side is at least that far in that one feature, and
 * floating-point sums of non-negative terms never decrease, so the skip is exact, not approximate.
 */
export class KdTree implements NeighbourSearch {
  private readonly order: Int32Array;
  // Per node: its slice of `order`, and for inner nodes the split feature, value and children.
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  private readonly feature: number[] = [];
  private readonly value: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly stack: Int32Array;

  constructor(
    private readonly train: Float64Array,
    private readonly rows: number,
    private readonly features: number,
    private readonly k: number,
  ) {
    this.order = new Int32Array(rows);
    for (let i = 0; i < rows; i++) this.order[i] = i;
    this.build(0, rows, 0);
    this.stack = new Int32Array(2 * Math.max(1, this.start.length));
  }

  private build(start: number, end: number, depth: number): number {
    const node = this.start.length;
    this.start.push(start);
    this.end.push(end);
    this.feature.push(-1);
    this.value.push(0);
    this.left.push(-1);
    this.right.push(-1);
    if (end - start <= LEAF_ROWS || depth > 60) return node;
    const { train, order, features: p } = this;
    let widest = -1;
    let spread = 0;
    for (let f = 0; f < p; f++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = train[order[i] * p + f];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > spread) {
        spread = hi - lo;
        widest = f;
      }
    }
    if (widest < 0) return node; // every row identical: a leaf
    const mid = (start + end) >>> 1;
    select(order, train, p, widest, start, end - 1, mid);
    this.feature[node] = widest;
    this.value[node] = train[order[mid] * p + widest];
    const l = this.build(start, mid, depth + 1);
    const r = this.build(mid, end, depth + 1);
    this.left[node] = l;
    this.right[node] = r;
    return node;
  }

  search(x: Float64Array, q: number, into: Neighbours): void {
    const { train, order, features: p, k, stack } = this;
    into.found = 0;
    // Depth-first, near side first; the far side is pushed with its plane gap and re-checked when popped.
    const gaps = this.gapStack;
    let top = 0;
    stack[top] = 0;
    gaps[top++] = 0;
    while (top > 0) {
      top--;
      const node = stack[top];
      const gap = gaps[top];
      if (into.found === k && gap > into.distance[k - 1]) continue;
      const f = this.feature[node];
      if (f < 0) {
        for (let j = this.start[node]; j < this.end[node]; j++) {
          const i = order[j];
          const t = i * p;
          let d = 0;
          for (let g = 0; g < p; g++) {
            const diff = x[q + g] - train[t + g];
            d += diff * diff;
          }
          offer(into, k, d, i);
        }
        continue;
      }
      const delta = x[q + f] - this.value[node];
      const near = delta <= 0 ? this.left[node] : this.right[node];
      const far = delta <= 0 ? this.right[node] : this.left[node];
      stack[top] = far;
      gaps[top++] = delta * delta;
      stack[top] = near;
      gaps[top++] = 0;
    }
  }

  private get gapStack(): Float64Array {
    if (this.gapBuffer === null) this.gapBuffer = new Float64Array(this.stack.length);
    return this.gapBuffer;
  }

  private gapBuffer: Float64Array | null = null;
}

/**
 * Quickselect on `order[lo … hi]` by feature f: afterwards order[m] holds the row of rank m, rows
 * before it are ≤ and rows after it ≥ in that feature.
 */
function select(order: Int32Array, x: Float64Array, p: number, f: number, lo: number, hi: number, m: number) {
  while (lo < hi) {
    const pivot = x[order[(lo + hi) >>> 1] * p + f];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (x[order[i] * p + f] < pivot) i++;
      while (x[order[j] * p + f] > pivot) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (m <= j) hi = j;
    else if (m >= i) lo = i;
    else return;
  }
}
