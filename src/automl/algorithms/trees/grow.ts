// Growing one regression tree on binned features, for every learner here. Each node minimises a
// second-order loss: with per-row gradients g and hessians h, a node's best constant is
// −G/(H+λ) and a split gains G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) (XGBoost's derivation). With
// g = prediction − y and h = 1 this is CART's variance reduction, so CART, the random forest and
// gradient boosting (squared error or log-loss) share this one grower.
//
// Speed comes from LightGBM's tricks: gradient histograms per node over the bin codes (O(rows ×
// features) per level, then O(bins) to find a split), histogram subtraction (only the smaller
// child is built; the larger is parent − smaller), and leaf-wise (best-first) growth so that a
// leaf budget is spent on the splits that gain most. Nodes of a few dozen rows, which deep forest
// trees are mostly made of, skip histograms (clearing and scanning 255 bins per feature would
// dwarf their rows) and sort their codes instead: a 50-tree forest on 800 rows fits ~4× faster.

import type { BinnedWindow } from './binning.js';
import type { EnsembleBuilder } from './ensemble.js';
import { SimdHistograms } from './histogram-simd.js';
import { LeafHeap } from './leaf-heap.js';
import { drawRandomSplit, type DrawnSplit } from './random-split.js';

export interface GrowOptions {
  /** Depth of the deepest leaf (the root alone is depth 0). */
  readonly maxDepth: number;
  readonly maxLeaves: number;
  readonly minSamplesLeaf: number;
  /** Minimum hessian sum per child; keeps log-loss leaves away from H ≈ 0 (huge Newton steps). */
  readonly minChildWeight: number;
  /** L2 penalty λ on leaf values. */
  readonly l2: number;
  readonly minSplitGain: number;
  /** Factor on leaf values: the learning rate for boosting, 1 for forests. */
  readonly shrinkage: number;
  /** Features drawn at each split (random forest's mtry); all features when ≥ features. */
  readonly featuresPerSplit: number;
  readonly random: () => number;
  /** Nodes of at most this many rows are split by sorting their codes (default: SMALL_NODE_ROWS). */
  readonly smallNodeRows?: number;
  /**
   * Extremely randomized trees: one random threshold per drawn feature (random-split.ts) instead
   * of the best one. Such nodes need no histograms, so none are built.
   */
  readonly randomThresholds?: boolean;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  leftG: number;
  leftH: number;
  leftCount: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  split: Split;
}

// The frontier keeps each unsplit leaf's histogram for the subtraction trick; past this many bytes
// a leaf drops its histogram and rebuilds it from its rows if it is ever split.
const HISTOGRAM_POOL_BYTES = 64 * 1024 * 1024;
const SMALL_NODE_ROWS = 64;
/** Above this many keys a small node's codes are radix-sorted rather than insertion-sorted. */
const RADIX_MIN_KEYS = 24;

export class TreeGrower {
  private readonly rows: number;
  private readonly features: number;
  private readonly codes: Uint8Array;
  private readonly binCount: Int32Array;
  private readonly binOffset: Int32Array;
  private readonly upperBounds: readonly Float32Array[];
  private readonly histogramLength: number;
  private readonly free: Float64Array[] = [];
  private allocated = 0;
  private readonly maxHistograms: number;
  private readonly order: Int32Array;
  /** Features that can split (more than one bin): the only ones a histogram is built for. */
  private readonly active: Int32Array;
  private idx: Uint32Array;
  private spare: Uint32Array;
  private orderedG: Float64Array;
  private orderedH: Float64Array;
  /** A node's codes of one feature, in idx order (extra trees' drawn splits). */
  private codeScratch = new Uint8Array(0);
  private keys = new Uint32Array(0);
  private keySpare = new Uint32Array(0);
  private readonly radixCounts = new Int32Array(16);
  /**
   * Per bin, how many rows of `countedSample` it holds. A boosting round without subsampling grows
   * its tree on the same rows as the round before: the root's counts are then known, and its
   * histogram adds only gradients (and hessians), not a third sum per row and feature.
   */
  private rootCounts: Float64Array | null = null;
  private countedSample = new Uint32Array(0);
  private countedLength = -1;
  /** Nodes of at most this many rows are split by sorting, not by histogram (see constructor). */
  private readonly smallNode: number;
  /** Histograms in the WebAssembly SIMD kernels' memory, built there (histogram-simd.ts). */
  private readonly simd: SimdHistograms;
  private readonly best = { gain: 0, feature: -1, bin: 0, next: 0, leftG: 0, leftH: 0, leftCount: 0 };
  private readonly drawn: DrawnSplit = { gain: 0, bin: 0, leftG: 0, leftH: 0, leftCount: 0 };
  // The current tree in bin space, so boosting can update its scores without reading raw inputs.
  private treeFeature: number[] = [];
  private treeBin: number[] = [];
  private treeLeft: number[] = [];
  private treeRight: number[] = [];
  private treeValue: number[] = [];
  // Each node's slice of idx: after growth a leaf's slice lists exactly the sample rows it holds.
  private treeStart: number[] = [];
  private treeEnd: number[] = [];

  constructor(
    private readonly binned: BinnedWindow,
    private readonly options: GrowOptions,
  ) {
    this.rows = binned.rows;
    this.features = binned.features;
    this.codes = binned.codes;
    this.binCount = binned.binCount;
    this.binOffset = binned.binOffset;
    this.upperBounds = binned.upperBounds;
    this.histogramLength = binned.binOffset[binned.features] * 3;
    this.maxHistograms = Math.max(
      4,
      Math.floor(HISTOGRAM_POOL_BYTES / (8 * Math.max(1, this.histogramLength))),
    );
    this.order = Int32Array.from({ length: this.features }, (_, f) => f);
    this.active = Int32Array.from(this.order.filter((f) => binned.binCount[f] >= 2));
    // Kernel-memory histograms for a frontier of maxLeaves (beyond: plain arrays, scalar builds).
    const slots = Math.min(this.maxHistograms, options.maxLeaves + 3, 40);
    this.simd = new SimdHistograms(binned, this.active, this.histogramLength, slots);
    this.idx = new Uint32Array(0);
    this.spare = new Uint32Array(0);
    this.orderedG = new Float64Array(0);
    this.orderedH = new Float64Array(0);
    // A histogram costs O(bins) per feature to clear, subtract and scan whatever the node's size;
    // sorting a node's codes costs O(n log n). Deep trees have many tiny nodes, where sorting wins.
    const bins = binned.binOffset[binned.features] / Math.max(1, binned.features);
    this.smallNode = options.randomThresholds
      ? Number.POSITIVE_INFINITY
      : (options.smallNodeRows ?? Math.min(SMALL_NODE_ROWS, Math.floor(bins / 2)));
  }

  /**
   * Grows one tree on the rows listed in `sample` (duplicates allowed: a bootstrap) and appends it to
   * `builder`. `hessian` null means h = 1 for every row (squared error). Adds each split's gain to
   * `importance[feature]`. Returns the number of leaves.
   */
  grow(
    builder: EnsembleBuilder,
    gradient: Float64Array,
    hessian: Float64Array | null,
    sample: Uint32Array,
    importance: Float64Array,
  ): number {
    const m = sample.length;
    this.ensureCapacity(m);
    if (this.simd.take()) this.allocated -= this.simd.dropMade(this.free);
    this.idx.set(sample);
    this.treeFeature = [];
    this.treeBin = [];
    this.treeLeft = [];
    this.treeRight = [];
    this.treeValue = [];
    this.treeStart = [];
    this.treeEnd = [];
    builder.startTree();
    // The root's histogram is built here, where the sample is known (see rootCounts); evaluateChild
    // would build the same one (same condition) otherwise.
    let rootHist: Float64Array | null = null;
    if (m > this.smallNode && this.options.maxDepth > 0 && m >= 2 * this.options.minSamplesLeaf) {
      rootHist = this.acquire() ?? new Float64Array(this.histogramLength);
      this.buildRootHistogram(rootHist, sample, gradient, hessian);
    }
    const root = this.evaluate(
      builder,
      0,
      m,
      0,
      gradient,
      hessian,
      rootHist,
      this.sums(0, m, gradient, hessian),
    );
    const frontier = new LeafHeap<Leaf>();
    if (root) frontier.push(root);
    let leaves = 1;
    const o = this.options;
    while (frontier.size > 0 && leaves < o.maxLeaves) {
      const leaf = frontier.pop();
      const { feature, bin, gain } = leaf.split;
      const mid = this.partition(leaf.start, leaf.end, feature, bin);
      leaves++;
      importance[feature] += gain;
      const leftSums = { g: leaf.split.leftG, h: leaf.split.leftH, count: leaf.split.leftCount };
      const rightSums = {
        g: leaf.g - leftSums.g,
        h: leaf.h - leftSums.h,
        count: leaf.end - leaf.start - leftSums.count,
      };
      const depth = leaf.depth + 1;
      const leftNode = this.addNode(builder, leftSums.g, leftSums.h, leaf.start, mid);
      const rightNode = this.addNode(builder, rightSums.g, rightSums.h, mid, leaf.end);
      this.splitNode(builder, leaf.node, feature, bin, leftNode, rightNode);
      if (depth >= o.maxDepth) {
        this.release(leaf.hist);
        continue;
      }
      // Build the smaller child's histogram; the larger one is the parent's minus it. When both
      // children are small they are split by sorting their rows instead, with no histogram at all.
      const leftIsSmaller = mid - leaf.start <= leaf.end - mid;
      const [smallStart, smallEnd] = leftIsSmaller ? [leaf.start, mid] : [mid, leaf.end];
      let smallHist: Float64Array | null = null;
      let largeHist: Float64Array | null = null;
      // The large child's histogram is parent − small; bin by bin, that subtraction is left to its
      // split search, which does it feature by feature right before scanning the feature (the slice
      // is then still in L1) instead of in one pass over the whole histogram and a second to scan.
      let largeMinus: Float64Array | null = null;
      const smallRows = smallEnd - smallStart;
      if (Math.max(mid - leaf.start, leaf.end - mid) <= this.smallNode) {
        this.release(leaf.hist);
      } else if (smallRows <= this.smallNode && leaf.hist !== null) {
        // A small child is split by sorting, without a histogram; the large one's is the parent's
        // minus the small child's rows, row by row, far cheaper than building it or clearing bins.
        largeHist = leaf.hist;
        this.removeRows(largeHist, smallStart, smallEnd, gradient, hessian);
      } else {
        smallHist = this.acquire();
        largeHist = leaf.hist;
        if (smallHist === null || largeHist === null) {
          smallHist = largeHist ?? smallHist;
          largeHist = null;
        }
        // Subtract bin by bin, or row by row when the small child has fewer rows than there are
        // bins (small windows: 800 rows against 255 bins per feature); row by row, in the same
        // pass that builds the small child's histogram.
        if (
          smallHist !== null &&
          largeHist !== null &&
          smallRows * this.active.length * 3 < this.histogramLength
        ) {
          this.buildHistogramRemoving(smallHist, largeHist, smallStart, smallEnd, gradient, hessian);
        } else {
          if (smallHist !== null) this.buildHistogram(smallHist, smallStart, smallEnd, gradient, hessian);
          if (largeHist !== null && smallHist !== null) largeMinus = smallHist;
        }
      }
      const leftHist = leftIsSmaller ? smallHist : largeHist;
      const rightHist = leftIsSmaller ? largeHist : smallHist;
      const left = this.evaluateChild(
        leftNode,
        leaf.start,
        mid,
        depth,
        leftSums,
        leftHist,
        gradient,
        hessian,
        leftIsSmaller ? null : largeMinus,
      );
      const right = this.evaluateChild(
        rightNode,
        mid,
        leaf.end,
        depth,
        rightSums,
        rightHist,
        gradient,
        hessian,
        leftIsSmaller ? largeMinus : null,
      );
      if (left) frontier.push(left);
      if (right) frontier.push(right);
    }
    while (frontier.size > 0) this.release(frontier.pop().hist);
    return leaves;
  }

  /**
   * Adds the current tree's output to `scores[r]` for each row of the sample it was grown on, by
   * leaf slices (no walk). Only meaningful when the sample had no duplicate rows.
   */
  addSampleOutput(scores: Float64Array): void {
    const { idx } = this;
    const feature = this.treeFeature;
    for (let n = 0; n < feature.length; n++) {
      if (feature[n] >= 0) continue;
      const v = this.treeValue[n];
      for (let i = this.treeStart[n]; i < this.treeEnd[n]; i++) scores[idx[i]] += v;
    }
  }

  /**
   * Appends the current tree's node covers, node by node: the sample rows each node holds. When
   * the sample is every row of the window once, these are the covers TreeSHAP weighs by
   * (explain/tree-shap.ts, treeCovers), without walking the rows through the tree again.
   */
  appendCovers(covers: number[]): void {
    for (let n = 0; n < this.treeFeature.length; n++) covers.push(this.treeEnd[n] - this.treeStart[n]);
  }

  /** Adds the current tree's output to `scores[r]` for the listed rows, walking their bin codes. */
  addTreeOutput(scores: Float64Array, rows: Uint32Array): void {
    const { codes } = this;
    const stride = this.rows;
    const feature = this.treeFeature;
    const bin = this.treeBin;
    const left = this.treeLeft;
    const right = this.treeRight;
    const value = this.treeValue;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let n = 0;
      while (feature[n] >= 0) n = codes[feature[n] * stride + r] <= bin[n] ? left[n] : right[n];
      scores[r] += value[n];
    }
  }

  private addNode(builder: EnsembleBuilder, g: number, h: number, start: number, end: number): number {
    const denominator = h + this.options.l2;
    const value = denominator > 0 ? (-g / denominator) * this.options.shrinkage : 0;
    const node = builder.addLeaf(value);
    this.treeFeature.push(-1);
    this.treeBin.push(0);
    this.treeLeft.push(-1);
    this.treeRight.push(-1);
    this.treeValue.push(builder.value[node]);
    this.treeStart.push(start);
    this.treeEnd.push(end);
    return node;
  }

  private splitNode(
    builder: EnsembleBuilder,
    node: number,
    feature: number,
    bin: number,
    left: number,
    right: number,
  ) {
    builder.split(node, feature, this.upperBounds[feature][bin], left, right);
    const root = builder.roots[builder.roots.length - 1];
    const local = node - root;
    this.treeFeature[local] = feature;
    this.treeBin[local] = bin;
    this.treeLeft[local] = left - root;
    this.treeRight[local] = right - root;
  }

  private evaluate(
    builder: EnsembleBuilder,
    start: number,
    end: number,
    depth: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
    hist: Float64Array | null,
    sums: { g: number; h: number; count: number },
  ): Leaf | null {
    const node = this.addNode(builder, sums.g, sums.h, start, end);
    return this.evaluateChild(node, start, end, depth, sums, hist, gradient, hessian);
  }

  private evaluateChild(
    node: number,
    start: number,
    end: number,
    depth: number,
    sums: { g: number; h: number; count: number },
    hist: Float64Array | null,
    gradient: Float64Array,
    hessian: Float64Array | null,
    minus: Float64Array | null = null,
  ): Leaf | null {
    const o = this.options;
    if (depth >= o.maxDepth || sums.count < 2 * o.minSamplesLeaf) {
      this.release(hist);
      return null;
    }
    if (hist === null && end - start > this.smallNode) {
      hist = this.acquire() ?? new Float64Array(this.histogramLength);
      this.buildHistogram(hist, start, end, gradient, hessian);
    }
    const split = this.bestSplit(hist, start, end, sums.g, sums.h, sums.count, gradient, hessian, minus);
    if (split === null) {
      this.release(hist);
      return null;
    }
    return { node, start, end, depth, g: sums.g, h: sums.h, hist, split };
  }

  private sums(start: number, end: number, gradient: Float64Array, hessian: Float64Array | null) {
    let g = 0;
    let h = 0;
    const idx = this.idx;
    for (let i = start; i < end; i++) g += gradient[idx[i]];
    if (hessian === null) h = end - start;
    else for (let i = start; i < end; i++) h += hessian[idx[i]];
    return { g, h, count: end - start };
  }

  /** Per bin: [Σg, Σh, count], feature after feature. */
  private buildHistogram(
    hist: Float64Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): void {
    hist.fill(0);
    if (this.simd.build(hist, this.idx, start, end, gradient, hessian, true)) return;
    const { idx, codes, rows, binCount, binOffset, active } = this;
    const n = end - start;
    // Gather the node's gradients once so the per-feature passes read them sequentially.
    this.gather(start, end, gradient, hessian);
    const og = this.orderedG;
    const oh = this.orderedH;
    // Four features per pass over the node's rows: the row index and its gradient are loaded once
    // for all four (two per pass was ~1.5× faster than one on 4,000 × 50; four is ~1.2× faster
    // again), then pairs, then a last single feature.
    let a = 0;
    for (; a + 3 < active.length; a += 4) {
      const base0 = active[a] * rows;
      const base1 = active[a + 1] * rows;
      const base2 = active[a + 2] * rows;
      const base3 = active[a + 3] * rows;
      const offset0 = binOffset[active[a]] * 3;
      const offset1 = binOffset[active[a + 1]] * 3;
      const offset2 = binOffset[active[a + 2]] * 3;
      const offset3 = binOffset[active[a + 3]] * 3;
      if (hessian === null) {
        for (let i = 0; i < n; i++) {
          const r = idx[start + i];
          const g = og[i];
          const k0 = offset0 + codes[base0 + r] * 3;
          const k1 = offset1 + codes[base1 + r] * 3;
          const k2 = offset2 + codes[base2 + r] * 3;
          const k3 = offset3 + codes[base3 + r] * 3;
          hist[k0] += g;
          hist[k0 + 2] += 1;
          hist[k1] += g;
          hist[k1 + 2] += 1;
          hist[k2] += g;
          hist[k2 + 2] += 1;
          hist[k3] += g;
          hist[k3 + 2] += 1;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const r = idx[start + i];
          const g = og[i];
          const h = oh[i];
          const k0 = offset0 + codes[base0 + r] * 3;
          const k1 = offset1 + codes[base1 + r] * 3;
          const k2 = offset2 + codes[base2 + r] * 3;
          const k3 = offset3 + codes[base3 + r] * 3;
          hist[k0] += g;
          hist[k0 + 1] += h;
          hist[k0 + 2] += 1;
          hist[k1] += g;
          hist[k1 + 1] += h;
          hist[k1 + 2] += 1;
          hist[k2] += g;
          hist[k2 + 1] += h;
          hist[k2 + 2] += 1;
          hist[k3] += g;
          hist[k3 + 1] += h;
          hist[k3 + 2] += 1;
        }
      }
    }
    for (; a + 1 < active.length; a += 2) {
      const f0 = active[a];
      const f1 = active[a + 1];
      const base0 = f0 * rows;
      const base1 = f1 * rows;
      const offset0 = binOffset[f0] * 3;
      const offset1 = binOffset[f1] * 3;
      if (hessian === null) {
        for (let i = 0; i < n; i++) {
          const r = idx[start + i];
          const g = og[i];
          const k0 = offset0 + codes[base0 + r] * 3;
          const k1 = offset1 + codes[base1 + r] * 3;
          hist[k0] += g;
          hist[k0 + 2] += 1;
          hist[k1] += g;
          hist[k1 + 2] += 1;
        }
      } else {
        for (let i = 0; i < n; i++) {
          const r = idx[start + i];
          const g = og[i];
          const h = oh[i];
          const k0 = offset0 + codes[base0 + r] * 3;
          const k1 = offset1 + codes[base1 + r] * 3;
          hist[k0] += g;
          hist[k0 + 1] += h;
          hist[k0 + 2] += 1;
          hist[k1] += g;
          hist[k1 + 1] += h;
          hist[k1 + 2] += 1;
        }
      }
    }
    if (a < active.length) {
      const f = active[a];
      const base = f * rows;
      const offset = binOffset[f] * 3;
      for (let i = 0; i < n; i++) {
        const k = offset + codes[base + idx[start + i]] * 3;
        hist[k] += og[i];
        if (hessian !== null) hist[k + 1] += oh[i];
        hist[k + 2] += 1;
      }
    }
    if (hessian === null) {
      // h = 1 per row: the hessian sum is the count, copied per bin instead of added per row.
      for (let j = 0; j < active.length; j++) {
        const f = active[j];
        const end3 = (binOffset[f] + binCount[f]) * 3;
        for (let k = binOffset[f] * 3; k < end3; k += 3) hist[k + 1] = hist[k + 2];
      }
    }
  }

  /**
   * The root's histogram (idx holds `sample`). When the sample is the one counted last time, the
   * counts are copied instead of added row by row; the gradient (and hessian) sums are added in the
   * same row order as buildHistogram, so the histogram is bit-identical to its.
   */
  private buildRootHistogram(
    hist: Float64Array,
    sample: Uint32Array,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): void {
    const n = sample.length;
    const counts = this.rootCounts;
    let same = counts !== null && this.countedLength === n;
    const counted = this.countedSample;
    for (let i = 0; same && i < n; i++) same = counted[i] === sample[i];
    if (!same || counts === null) {
      this.buildHistogram(hist, 0, n, gradient, hessian);
      const bins = this.histogramLength / 3;
      if (this.rootCounts === null) this.rootCounts = new Float64Array(bins);
      if (this.countedSample.length < n) this.countedSample = new Uint32Array(this.idx.length);
      this.countedSample.set(sample);
      this.countedLength = n;
      for (let b = 0; b < bins; b++) this.rootCounts[b] = hist[b * 3 + 2];
      return;
    }
    hist.fill(0);
    if (!this.simd.build(hist, this.idx, 0, n, gradient, hessian, false)) {
      const { idx, codes, rows, binOffset, active } = this;
      this.gather(0, n, gradient, hessian);
      const og = this.orderedG;
      const oh = this.orderedH;
      let a = 0;
      for (; a + 3 < active.length; a += 4) {
        const base0 = active[a] * rows;
        const base1 = active[a + 1] * rows;
        const base2 = active[a + 2] * rows;
        const base3 = active[a + 3] * rows;
        const offset0 = binOffset[active[a]] * 3;
        const offset1 = binOffset[active[a + 1]] * 3;
        const offset2 = binOffset[active[a + 2]] * 3;
        const offset3 = binOffset[active[a + 3]] * 3;
        if (hessian === null) {
          for (let i = 0; i < n; i++) {
            const r = idx[i];
            const g = og[i];
            hist[offset0 + codes[base0 + r] * 3] += g;
            hist[offset1 + codes[base1 + r] * 3] += g;
            hist[offset2 + codes[base2 + r] * 3] += g;
            hist[offset3 + codes[base3 + r] * 3] += g;
          }
        } else {
          for (let i = 0; i < n; i++) {
            const r = idx[i];
            const g = og[i];
            const h = oh[i];
            const k0 = offset0 + codes[base0 + r] * 3;
            const k1 = offset1 + codes[base1 + r] * 3;
            const k2 = offset2 + codes[base2 + r] * 3;
            const k3 = offset3 + codes[base3 + r] * 3;
            hist[k0] += g;
            hist[k0 + 1] += h;
            hist[k1] += g;
            hist[k1 + 1] += h;
            hist[k2] += g;
            hist[k2 + 1] += h;
            hist[k3] += g;
            hist[k3 + 1] += h;
          }
        }
      }
      for (; a < active.length; a++) {
        const base = active[a] * rows;
        const offset = binOffset[active[a]] * 3;
        for (let i = 0; i < n; i++) {
          const k = offset + codes[base + idx[i]] * 3;
          hist[k] += og[i];
          if (hessian !== null) hist[k + 1] += oh[i];
        }
      }
    }
    // Counts of every bin (zero for features that cannot split); h = 1 per row: Σh is the count.
    const bins = this.histogramLength / 3;
    for (let b = 0; b < bins; b++) {
      hist[b * 3 + 2] = counts[b];
      if (hessian === null) hist[b * 3 + 1] = counts[b];
    }
  }

  /**
   * buildHistogram of the rows idx[start, end) into `hist` and removeRows of the same rows from
   * `parent`, in one pass: each row's bin codes are read once for both. Every bin of either
   * histogram sees the same operations in the same row order as the two separate passes, so the
   * sums are bit-identical to theirs. (The second pass was ~14% of a GBDT fit on 4,000 × 50: it
   * read each row's 50 codes again, one column apart each.)
   */
  private buildHistogramRemoving(
    hist: Float64Array,
    parent: Float64Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): void {
    hist.fill(0);
    if (this.simd.buildRemoving(hist, parent, this.idx, start, end, gradient, hessian)) return;
    const { idx, codes, rows, binCount, binOffset, active } = this;
    const n = end - start;
    this.gather(start, end, gradient, hessian);
    const og = this.orderedG;
    const oh = this.orderedH;
    const one = hessian === null;
    let a = 0;
    for (; a + 3 < active.length; a += 4) {
      const base0 = active[a] * rows;
      const base1 = active[a + 1] * rows;
      const base2 = active[a + 2] * rows;
      const base3 = active[a + 3] * rows;
      const offset0 = binOffset[active[a]] * 3;
      const offset1 = binOffset[active[a + 1]] * 3;
      const offset2 = binOffset[active[a + 2]] * 3;
      const offset3 = binOffset[active[a + 3]] * 3;
      for (let i = 0; i < n; i++) {
        const r = idx[start + i];
        const g = og[i];
        const h = one ? 1 : oh[i];
        const k0 = offset0 + codes[base0 + r] * 3;
        const k1 = offset1 + codes[base1 + r] * 3;
        const k2 = offset2 + codes[base2 + r] * 3;
        const k3 = offset3 + codes[base3 + r] * 3;
        hist[k0] += g;
        hist[k0 + 1] += h;
        hist[k0 + 2] += 1;
        hist[k1] += g;
        hist[k1 + 1] += h;
        hist[k1 + 2] += 1;
        hist[k2] += g;
        hist[k2 + 1] += h;
        hist[k2 + 2] += 1;
        hist[k3] += g;
        hist[k3 + 1] += h;
        hist[k3 + 2] += 1;
        removeOne(parent, k0, g, h);
        removeOne(parent, k1, g, h);
        removeOne(parent, k2, g, h);
        removeOne(parent, k3, g, h);
      }
    }
    for (; a < active.length; a++) {
      const base = active[a] * rows;
      const offset = binOffset[active[a]] * 3;
      for (let i = 0; i < n; i++) {
        const k = offset + codes[base + idx[start + i]] * 3;
        const g = og[i];
        const h = one ? 1 : oh[i];
        hist[k] += g;
        hist[k + 1] += h;
        hist[k + 2] += 1;
        removeOne(parent, k, g, h);
      }
    }
    if (one) {
      // As buildHistogram: the hessian sums of h = 1 are the counts, exactly.
      for (let j = 0; j < active.length; j++) {
        const f = active[j];
        const end3 = (binOffset[f] + binCount[f]) * 3;
        for (let k = binOffset[f] * 3; k < end3; k += 3) hist[k + 1] = hist[k + 2];
      }
    }
  }

  /** Subtracts the rows idx[start, end) from a histogram (the parent's, leaving the sibling's). */
  private removeRows(
    hist: Float64Array,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
  ): void {
    if (this.simd.removeRows(hist, this.idx, start, end, gradient, hessian)) return;
    const { idx, codes, rows, binOffset, active } = this;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const g = gradient[r];
      const h = hessian === null ? 1 : hessian[r];
      for (let j = 0; j < active.length; j++) {
        const f = active[j];
        const k = (binOffset[f] + codes[f * rows + r]) * 3;
        hist[k] -= g;
        hist[k + 1] -= h;
        // An emptied bin gets exact zero sums, not the rounding residue of the subtractions (see
        // subtractBins).
        if ((hist[k + 2] -= 1) === 0) hist[k] = hist[k + 1] = 0;
      }
    }
  }

  /**
   * The best split of a node over (a random subset of) the features: from its histogram, or, for a
   * small node without one, by sorting its rows' bin codes. Both scan the same candidate splits
   * ("code <= b") with the same sums, so they choose the same split.
   */
  private bestSplit(
    hist: Float64Array | null,
    start: number,
    end: number,
    g: number,
    h: number,
    count: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
    minus: Float64Array | null,
  ): Split | null {
    const o = this.options;
    const { binCount, order } = this;
    const best = this.best;
    best.gain = o.minSplitGain;
    best.feature = -1;
    const parentScore = (g * g) / (h + o.l2);
    if (hist === null) this.gather(start, end, gradient, hessian);
    const draw = Math.min(o.featuresPerSplit, this.features);
    // A histogram still owing `minus` is made whole first, unless every feature is scanned below,
    // each right after its own subtraction. (Constant features have no rows in either histogram.)
    if (hist !== null && minus !== null && draw < this.features) {
      subtractBins(hist, minus, 0, this.histogramLength);
    }
    // Random forest: a random subset of features per split. Like scikit-learn, keep looking past
    // the subset when none of its features can split the node.
    if (draw < this.features) {
      for (let i = 0; i < draw; i++) {
        const j = i + Math.floor(o.random() * (this.features - i));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    // Every feature at once in the SIMD kernel where it can, else one by one below (same split).
    const scanned =
      hist !== null && draw >= this.features && o.randomThresholds !== true
        ? this.simd.scan(hist, minus, { g, h, count, parentScore }, o, best)
        : false;
    for (let i = 0; !scanned && i < this.features; i++) {
      if (i === draw && best.feature >= 0) break;
      const f = draw < this.features ? order[i] : i;
      if (binCount[f] < 2) continue;
      if (o.randomThresholds === true) {
        this.drawSplit(f, start, end, gradient, hessian, g, h, count, parentScore);
      } else if (hist !== null && minus !== null && draw >= this.features) {
        this.subtractAndScan(hist, minus, f, g, h, count, parentScore);
      } else if (hist !== null) this.scanHistogram(hist, f, g, h, count, parentScore);
      else this.scanSorted(f, start, end, hessian !== null, g, h, count, parentScore);
    }
    if (best.feature < 0) return null;
    let next = best.next;
    if (hist !== null) {
      const offset = this.binOffset[best.feature] * 3;
      next = best.bin + 1;
      while (hist[offset + next * 3 + 2] === 0) next++;
    }
    // Put the threshold midway across the empty bins between the two sides, as exact CART puts it
    // midway between the two nearest values, rather than hard against the left side.
    return {
      gain: best.gain,
      feature: best.feature,
      bin: (best.bin + next - 1) >>> 1,
      leftG: best.leftG,
      leftH: best.leftH,
      leftCount: best.leftCount,
    };
  }

  /** Extra trees: feature f's one random split (random-split.ts), kept if it beats the best so far. */
  private drawSplit(
    f: number,
    start: number,
    end: number,
    gradient: Float64Array,
    hessian: Float64Array | null,
    g: number,
    h: number,
    count: number,
    parentScore: number,
  ) {
    const o = this.options;
    const d = this.drawn;
    const node = { g, h, count, parentScore };
    const column = f * this.rows;
    if (
      !drawRandomSplit(
        this.codes,
        column,
        this.upperBounds[f],
        this.idx,
        start,
        end,
        this.orderedG,
        hessian === null ? null : this.orderedH,
        this.codeScratch,
        node,
        o,
        o.random,
        d,
      )
    ) {
      return;
    }
    const best = this.best;
    if (d.gain > best.gain && d.gain > 1e-10 * (Math.abs(d.gain) + 2 * parentScore)) {
      best.gain = d.gain;
      best.feature = f;
      best.bin = d.bin;
      best.next = d.bin + 1;
      best.leftG = d.leftG;
      best.leftH = d.leftH;
      best.leftCount = d.leftCount;
    }
  }

  private scanHistogram(
    hist: Float64Array,
    f: number,
    g: number,
    h: number,
    count: number,
    parentScore: number,
  ) {
    const o = this.options;
    const l2 = o.l2;
    const minLeaf = o.minSamplesLeaf;
    const minWeight = o.minChildWeight;
    const best = this.best;
    const bins = this.binCount[f];
    const offset = this.binOffset[f] * 3;
    // The running best is kept in locals and written back once: stores into `best` inside the loop
    // kept V8 from holding best.gain and the options in registers (~1.3× on 50 features).
    let bestGain = best.gain;
    // A split beats the best so far iff gl²/dl + gr²/dr > threshold (dl, dr > 0): tested as
    // gl²·dr + gr²·dl > threshold·dl·dr, without the two divisions per bin that dominated the scan
    // (~1.4× faster on 50 features); the few bins that pass are then scored exactly as before.
    let threshold = bestGain + parentScore;
    let bestBin = -1;
    let bestG = 0;
    let bestH = 0;
    let bestCount = 0;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < bins - 1; b++) {
      const k = offset + b * 3;
      // No test for an empty bin: its sums are exact zeros (subtractBins), so it leaves gl, hl and
      // cl, hence the gain, as they were at the last non-empty bin, which the strict `gain >
      // bestGain` below has already kept or refused: it is never chosen, and the split is the
      // one a scan skipping empty bins finds. That branch was mispredicted on the sparse
      // histograms of small nodes (~1.15× on a whole GBDT fit on 4,000 × 50).
      gl += hist[k];
      hl += hist[k + 1];
      cl += hist[k + 2];
      if (cl < minLeaf) continue;
      if (count - cl < minLeaf) break;
      const hr = h - hl;
      if (hl < minWeight || hr < minWeight) continue;
      const gr = g - gl;
      const dl = hl + l2;
      const dr = hr + l2;
      // Rounding may flip the comparison at an exact tie only; the margin lets such bins through.
      if (gl * gl * dr + gr * gr * dl <= threshold * dl * dr * (1 - 1e-12)) continue;
      const leftScore = (gl * gl) / (hl + l2);
      const rightScore = (gr * gr) / (hr + l2);
      const gain = leftScore + rightScore - parentScore;
      // Gains within rounding of zero (a constant target) are not splits.
      if (gain > bestGain && gain > 1e-10 * (leftScore + rightScore + parentScore)) {
        bestGain = gain;
        threshold = bestGain + parentScore;
        bestBin = b;
        bestG = gl;
        bestH = hl;
        bestCount = cl;
      }
    }
    if (bestBin >= 0) {
      best.gain = bestGain;
      best.feature = f;
      best.bin = bestBin;
      best.leftG = bestG;
      best.leftH = bestH;
      best.leftCount = bestCount;
    }
  }

  /**
   * scanHistogram on `hist − minus`, written back into `hist` in the same pass: the large child's
   * histogram (parent − small child) is made and scanned bin by bin, instead of a subtraction pass
   * then a scan pass over the same 255 × 3 values (the subtraction alone was ~12% of a GBDT fit on
   * 4,000 × 50). Same operations in the same order as the two passes, so the same split.
   */
  private subtractAndScan(
    hist: Float64Array,
    minus: Float64Array,
    f: number,
    g: number,
    h: number,
    count: number,
    parentScore: number,
  ) {
    const o = this.options;
    const l2 = o.l2;
    const minLeaf = o.minSamplesLeaf;
    const minWeight = o.minChildWeight;
    const best = this.best;
    const bins = this.binCount[f];
    const offset = this.binOffset[f] * 3;
    let bestGain = best.gain;
    let threshold = bestGain + parentScore;
    let bestBin = -1;
    let bestG = 0;
    let bestH = 0;
    let bestCount = 0;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    let b = 0;
    for (; b < bins - 1; b++) {
      const k = offset + b * 3;
      const c = hist[k + 2] - minus[k + 2];
      const gb = c === 0 ? 0 : hist[k] - minus[k];
      const hb = c === 0 ? 0 : hist[k + 1] - minus[k + 1];
      hist[k] = gb;
      hist[k + 1] = hb;
      hist[k + 2] = c;
      gl += gb;
      hl += hb;
      cl += c;
      if (cl < minLeaf) continue;
      if (count - cl < minLeaf) {
        b++;
        break;
      }
      const hr = h - hl;
      if (hl < minWeight || hr < minWeight) continue;
      const gr = g - gl;
      const dl = hl + l2;
      const dr = hr + l2;
      if (gl * gl * dr + gr * gr * dl <= threshold * dl * dr * (1 - 1e-12)) continue;
      const leftScore = (gl * gl) / (hl + l2);
      const rightScore = (gr * gr) / (hr + l2);
      const gain = leftScore + rightScore - parentScore;
      if (gain > bestGain && gain > 1e-10 * (leftScore + rightScore + parentScore)) {
        bestGain = gain;
        threshold = bestGain + parentScore;
        bestBin = b;
        bestG = gl;
        bestH = hl;
        bestCount = cl;
      }
    }
    // The bins the scan did not reach (always the last one) still owe their subtraction.
    subtractBins(hist, minus, offset + b * 3, offset + bins * 3);
    if (bestBin >= 0) {
      best.gain = bestGain;
      best.feature = f;
      best.bin = bestBin;
      best.leftG = bestG;
      best.leftH = bestH;
      best.leftCount = bestCount;
    }
  }

  private scanSorted(
    f: number,
    start: number,
    end: number,
    hasHessian: boolean,
    g: number,
    h: number,
    count: number,
    parentScore: number,
  ) {
    const o = this.options;
    const l2 = o.l2;
    const best = this.best;
    const { idx, codes, orderedG: og, orderedH: oh } = this;
    const n = end - start;
    const base = f * this.rows;
    // Key = code in the top 8 bits, position in the node below: one numeric sort orders by code.
    const keys = this.keys;
    for (let i = 0; i < n; i++) keys[i] = ((codes[base + idx[start + i]] << 23) | i) >>> 0;
    // Insertion sort for the few keys of a tiny node, a radix sort on the code above (~2× faster
    // at 64 keys: the insertion sort was 18% of a 50-tree forest's time on 800 rows), and
    // TypedArray#sort only for a large node left without a histogram. Keys are distinct and the
    // radix sort is stable on keys built in position order: all three give the same order.
    if (n > RADIX_MIN_KEYS && n <= 1 << 16) this.radixSortKeys(n);
    else if (n <= RADIX_MIN_KEYS) {
      for (let i = 1; i < n; i++) {
        const v = keys[i];
        let j = i - 1;
        while (j >= 0 && keys[j] > v) {
          keys[j + 1] = keys[j];
          j--;
        }
        keys[j + 1] = v;
      }
    } else keys.subarray(0, n).sort();
    let gl = 0;
    let hl = 0;
    let cl = 0;
    let i = 0;
    while (i < n) {
      const code = keys[i] >>> 23;
      // Sum one code's rows first, in row order, exactly as a histogram bin would.
      let rg = 0;
      let rh = 0;
      let rc = 0;
      for (; i < n && keys[i] >>> 23 === code; i++) {
        const j = keys[i] & 0x7fffff;
        rg += og[j];
        if (hasHessian) rh += oh[j];
        rc++;
      }
      if (i === n) break;
      gl += rg;
      hl += hasHessian ? rh : rc;
      cl += rc;
      if (cl < o.minSamplesLeaf) continue;
      if (count - cl < o.minSamplesLeaf) break;
      const hr = h - hl;
      if (hl < o.minChildWeight || hr < o.minChildWeight) continue;
      const gr = g - gl;
      const leftScore = (gl * gl) / (hl + l2);
      const rightScore = (gr * gr) / (hr + l2);
      const gain = leftScore + rightScore - parentScore;
      if (gain > best.gain && gain > 1e-10 * (leftScore + rightScore + parentScore)) {
        best.gain = gain;
        best.feature = f;
        best.bin = code;
        best.next = keys[i] >>> 23;
        best.leftG = gl;
        best.leftH = hl;
        best.leftCount = cl;
      }
    }
  }

  /**
   * Sorts keys[0, n) by their code (bits 23–30), keeping position order within a code: two stable
   * counting passes of 4 bits, through keySpare.
   */
  private radixSortKeys(n: number): void {
    const { keys, keySpare: spare, radixCounts: counts } = this;
    for (let pass = 0; pass < 2; pass++) {
      const from = pass === 0 ? keys : spare;
      const to = pass === 0 ? spare : keys;
      const shift = 23 + 4 * pass;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(from[i] >>> shift) & 15]++;
      let sum = 0;
      for (let b = 0; b < 16; b++) {
        const c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = from[i];
        to[counts[(k >>> shift) & 15]++] = k;
      }
    }
  }

  /** The node's gradients (and hessians) in idx order, for sequential reads. */
  private gather(start: number, end: number, gradient: Float64Array, hessian: Float64Array | null): void {
    const { idx, orderedG: og, orderedH: oh } = this;
    const n = end - start;
    for (let i = 0; i < n; i++) og[i] = gradient[idx[start + i]];
    if (hessian !== null) for (let i = 0; i < n; i++) oh[i] = hessian[idx[start + i]];
  }

  /** Stable partition of idx[start, end) into rows with code <= bin, then the rest; returns the boundary. */
  private partition(start: number, end: number, feature: number, bin: number): number {
    const { idx, spare, codes } = this;
    const base = feature * this.rows;
    let l = start;
    let s = 0;
    // Branch-free: a split sends rows left or right unpredictably, so write both and advance one.
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const goesLeft = +(codes[base + r] <= bin);
      idx[l] = r;
      spare[s] = r;
      l += goesLeft;
      s += 1 - goesLeft;
    }
    idx.set(spare.subarray(0, s), l);
    return l;
  }

  private acquire(): Float64Array | null {
    const hist = this.free.pop();
    if (hist) return hist;
    if (this.allocated >= this.maxHistograms) return null;
    this.allocated++;
    return this.simd.slot() ?? new Float64Array(this.histogramLength);
  }

  private release(hist: Float64Array | null): void {
    if (hist !== null && this.free.length < this.maxHistograms) this.free.push(hist);
  }

  private ensureCapacity(m: number): void {
    if (this.idx.length >= m) return;
    this.idx = new Uint32Array(m);
    this.spare = new Uint32Array(m);
    this.orderedG = new Float64Array(m);
    this.orderedH = new Float64Array(m);
    this.codeScratch = new Uint8Array(m);
    this.keys = new Uint32Array(m);
    this.keySpare = new Uint32Array(m);
  }
}

/**
 * hist −= minus over [from, to) (whole bins: multiples of 3). A bin left with no rows gets exact
 * zero sums: the difference of two equal sums accumulated in different orders can leave rounding
 * residue, which the scans (they do not skip empty bins) would add into their running sums.
 */
function subtractBins(hist: Float64Array, minus: Float64Array, from: number, to: number): void {
  for (let k = from; k < to; k += 3) {
    const c = hist[k + 2] - minus[k + 2];
    hist[k + 2] = c;
    hist[k] = c === 0 ? 0 : hist[k] - minus[k];
    hist[k + 1] = c === 0 ? 0 : hist[k + 1] - minus[k + 1];
  }
}

/** removeRows' step for one row and one feature's bin k (an emptied bin gets exact zero sums). */
function removeOne(hist: Float64Array, k: number, g: number, h: number): void {
  hist[k] -= g;
  hist[k + 1] -= h;
  if ((hist[k + 2] -= 1) === 0) hist[k] = hist[k + 1] = 0;
}
