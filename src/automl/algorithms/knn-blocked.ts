// Brute-force neighbour search for many queries at once, for the wide windows (more features than
// the k-d tree serves). Squared distances are first estimated for four queries against two stored
// rows at a time as ‖a‖² + ‖b‖² − 2·a·b (the form scikit-learn computes as one matrix product): the
// eight dot products share every load, which makes this pass ~2–3× faster than one difference per
// pair and feature. The estimate only selects: every row whose estimate could still be within the
// k-th distance (a rounding bound below) gets its exact distance, summed feature by feature in the
// same order as the other searches, so the answer is exactly theirs (test/automl/knn-search.test.ts).
// Where WebAssembly SIMD is available the dot products come from its kernel (src/automl/simd), two
// features per instruction, summed in another order: the rounding bound below holds for any order,
// so the neighbours are the same on both paths (test/automl/simd.test.ts).
import { simdKernels, type SimdKernels } from '../simd/kernels.js';
import { BruteForce, offer, type Neighbours } from './knn-search.js';

const QUERIES = 4;
const UNIT_ROUNDOFF = 2 ** -53;

interface SimdLayout {
  /** Features and stored rows, each rounded up to even. */
  pp: number;
  rows: number;
  /** Offsets (in doubles) of the query block and of the dot products in the kernels' memory. */
  queriesAt: number;
  dotsAt: number;
}

export class BlockedBruteForce {
  private readonly norms: Float64Array;
  private readonly maxNorm: number;
  private readonly estimates: Float64Array;
  /** The k smallest estimates of the query being ranked, and each block query's k-th smallest. */
  private readonly smallest: Float64Array;
  private readonly kthEstimate = new Float64Array(QUERIES);
  /** For the last queries short of a block (and single rows): the scan with early abandonment. */
  private readonly scan: BruteForce;

  constructor(
    private readonly train: Float64Array,
    private readonly rows: number,
    private readonly features: number,
    private readonly k: number,
  ) {
    const p = features;
    this.norms = new Float64Array(rows);
    let maxNorm = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let f = 0; f < p; f++) s += train[i * p + f] * train[i * p + f];
      this.norms[i] = s;
      if (s > maxNorm) maxNorm = s;
    }
    this.maxNorm = maxNorm;
    this.estimates = new Float64Array(QUERIES * rows);
    this.smallest = new Float64Array(k);
    this.scan = new BruteForce(train, rows, features, k);
  }

  /**
   * The neighbours of query rows 0 … queries − 1 of `x`, each written into `into` before `visit(r)`.
   * The stored rows sit in the SIMD kernels' memory for the whole call: `visit` must not use them.
   */
  searchAll(x: Float64Array, queries: number, into: Neighbours, visit: (row: number) => void): void {
    const kernels = queries >= QUERIES ? simdKernels() : undefined;
    const simd = kernels === undefined ? undefined : this.simdLayout(kernels);
    let r = 0;
    for (; r + QUERIES <= queries; r += QUERIES) {
      if (kernels !== undefined && simd !== undefined) this.estimateSimd(kernels, simd, x, r);
      else {
        this.estimate(x, r);
        for (let b = 0; b < QUERIES; b++) this.kthEstimate[b] = this.kthSmallest(b * this.rows);
      }
      for (let b = 0; b < QUERIES; b++) {
        this.select(x, r + b, b, into);
        visit(r + b);
      }
    }
    for (; r < queries; r++) {
      this.scan.search(x, r * this.features, into);
      visit(r);
    }
  }

  /**
   * Copies the stored rows into the kernels' memory (the memory is shared with other kernels, so once
   * per call of searchAll), padded to an even number of features and of rows, and answers where the
   * query block and the dot products go.
   */
  private simdLayout(kernels: SimdKernels): SimdLayout {
    const { train, features: p, rows: n } = this;
    const pp = p + (p & 1);
    const rows = n + (n & 1);
    const queriesAt = rows * pp;
    const dotsAt = queriesAt + QUERIES * pp;
    const memory = kernels.workspace(dotsAt + QUERIES * rows);
    memory.fill(0, 0, dotsAt);
    if (pp === p) memory.set(train.subarray(0, n * p), 0);
    else for (let i = 0; i < n; i++) memory.set(train.subarray(i * p, i * p + p), i * pp);
    return { pp, rows, queriesAt, dotsAt };
  }

  /** The same estimates as `estimate`, with the dot products from the WebAssembly SIMD kernel. */
  private estimateSimd(kernels: SimdKernels, layout: SimdLayout, x: Float64Array, r: number): void {
    const { features: p, rows: n, k, norms, estimates, smallest } = this;
    const { pp, rows, queriesAt, dotsAt } = layout;
    const memory = kernels.workspace(dotsAt + QUERIES * rows);
    for (let b = 0; b < QUERIES; b++) {
      memory.set(x.subarray((r + b) * p, (r + b + 1) * p), queriesAt + b * pp);
    }
    kernels.dots(queriesAt * 8, 0, rows, pp, dotsAt * 8);
    for (let b = 0; b < QUERIES; b++) {
      const q = (r + b) * p;
      let queryNorm = 0;
      for (let f = 0; f < p; f++) queryNorm += x[q + f] * x[q + f];
      const dots = dotsAt + b * rows;
      const out = b * n;
      // The k-th smallest estimate in the same pass (see kthSmallest).
      smallest.fill(Infinity);
      let worst = Infinity;
      for (let i = 0; i < n; i++) {
        const e = queryNorm + norms[i] - 2 * memory[dots + i];
        estimates[out + i] = e;
        if (e < worst) worst = insertSorted(smallest, k, e);
      }
      this.kthEstimate[b] = worst;
    }
  }

  /** Estimated squared distances of queries r … r + 3 to every stored row, into `estimates`. */
  private estimate(x: Float64Array, r: number): void {
    const { train, features: p, rows: n, norms, estimates } = this;
    const q0 = r * p;
    const q1 = q0 + p;
    const q2 = q1 + p;
    const q3 = q2 + p;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let n3 = 0;
    for (let f = 0; f < p; f++) {
      n0 += x[q0 + f] * x[q0 + f];
      n1 += x[q1 + f] * x[q1 + f];
      n2 += x[q2 + f] * x[q2 + f];
      n3 += x[q3 + f] * x[q3 + f];
    }
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const t0 = i * p;
      const t1 = t0 + p;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let f = 0; f < p; f++) {
        const b0 = train[t0 + f];
        const b1 = train[t1 + f];
        const a0 = x[q0 + f];
        const a1 = x[q1 + f];
        const a2 = x[q2 + f];
        const a3 = x[q3 + f];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s20 += a2 * b0;
        s21 += a2 * b1;
        s30 += a3 * b0;
        s31 += a3 * b1;
      }
      const m0 = norms[i];
      const m1 = norms[i + 1];
      estimates[i] = n0 + m0 - 2 * s00;
      estimates[i + 1] = n0 + m1 - 2 * s01;
      estimates[n + i] = n1 + m0 - 2 * s10;
      estimates[n + i + 1] = n1 + m1 - 2 * s11;
      estimates[2 * n + i] = n2 + m0 - 2 * s20;
      estimates[2 * n + i + 1] = n2 + m1 - 2 * s21;
      estimates[3 * n + i] = n3 + m0 - 2 * s30;
      estimates[3 * n + i + 1] = n3 + m1 - 2 * s31;
    }
    for (; i < n; i++) {
      const t0 = i * p;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let f = 0; f < p; f++) {
        const b0 = train[t0 + f];
        s0 += x[q0 + f] * b0;
        s1 += x[q1 + f] * b0;
        s2 += x[q2 + f] * b0;
        s3 += x[q3 + f] * b0;
      }
      const m0 = norms[i];
      estimates[i] = n0 + m0 - 2 * s0;
      estimates[n + i] = n1 + m0 - 2 * s1;
      estimates[2 * n + i] = n2 + m0 - 2 * s2;
      estimates[3 * n + i] = n3 + m0 - 2 * s3;
    }
  }

  /**
   * The k-th smallest of the estimates at `base` … `base + rows − 1`, by insertion into a sorted list
   * of values (the threshold needs no row indices); after the first rows almost every estimate
   * fails the first comparison.
   */
  private kthSmallest(base: number): number {
    const { rows: n, k, estimates, smallest } = this;
    smallest.fill(Infinity);
    let worst = Infinity;
    for (let i = 0; i < n; i++) {
      const e = estimates[base + i];
      if (e < worst) worst = insertSorted(smallest, k, e);
    }
    return worst;
  }

  /**
   * The exact neighbours of query row r from its estimates (block slot b). An estimate differs from
   * the exact feature-by-feature sum by at most ε = 8·(p + 2)·u·(‖a‖² + max‖b‖²) (u the unit
   * roundoff; the dot product, both norms and the exact sum each err by at most (p + 2)·u times
   * ‖a‖² + ‖b‖²), so with T the k-th smallest estimate, every true neighbour has an estimate
   * ≤ T + 2ε: those rows, and only those, get their exact distance.
   */
  private select(x: Float64Array, r: number, b: number, into: Neighbours): void {
    const { train, features: p, rows: n, k, estimates } = this;
    const base = b * n;
    const q = r * p;
    let queryNorm = 0;
    for (let f = 0; f < p; f++) queryNorm += x[q + f] * x[q + f];
    const epsilon = 8 * (p + 2) * UNIT_ROUNDOFF * (queryNorm + this.maxNorm);
    const limit = this.kthEstimate[b] + 2 * epsilon;
    into.found = 0;
    for (let i = 0; i < n; i++) {
      if (estimates[base + i] > limit) continue;
      offer(into, k, exactDistance(x, q, train, i * p, p), i);
    }
  }
}

/** Inserts `e` into the sorted `smallest` (dropping its last value) and answers the new last value. */
function insertSorted(smallest: Float64Array, k: number, e: number): number {
  let pos = k - 1;
  while (pos > 0 && smallest[pos - 1] > e) {
    smallest[pos] = smallest[pos - 1];
    pos--;
  }
  smallest[pos] = e;
  return smallest[k - 1];
}

/** Squared distance summed feature by feature in order: the sum every search ranks by. */
function exactDistance(x: Float64Array, q: number, train: Float64Array, t: number, p: number): number {
  let d = 0;
  for (let f = 0; f < p; f++) {
    const diff = x[q + f] - train[t + f];
    d += diff * diff;
  }
  return d;
}
