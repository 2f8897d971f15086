import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binOf, binWindow, computeBins, MAX_BINS } from '../../src/automl/algorithms/trees/binning.js';
import { EnsembleBuilder, ensembleFromParameters } from '../../src/automl/algorithms/trees/ensemble.js';
import { TreeGrower } from '../../src/automl/algorithms/trees/grow.js';
import { cart, gbdt } from '../../src/automl/algorithms/trees/index.js';
import { mulberry32 } from '../../src/automl/random.js';
import { sineWindow } from './trees-data.js';

test('binning: at most 255 bins, codes agree with the Float32 cut points, exact for few values', () => {
  const random = mulberry32(1);
  const rows = 5000;
  const x = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    x[r * 3] = random() * 10; // continuous
    x[r * 3 + 1] = Math.floor(random() * 7); // 7 distinct values
    x[r * 3 + 2] = random() < 0.6 ? 0 : random(); // a value repeated in 60% of rows
  }
  const binned = computeBins(x, rows, 3, MAX_BINS);
  assert.equal(binned.binCount[0], MAX_BINS);
  assert.equal(binned.binCount[1], 7);
  assert.ok(binned.binCount[2] > 200, `${binned.binCount[2]} bins`);
  for (let f = 0; f < 3; f++) {
    const bounds = binned.upperBounds[f];
    for (let i = 0; i < bounds.length; i++) {
      assert.equal(bounds[i], Math.fround(bounds[i]));
      if (i > 0) assert.ok(bounds[i] > bounds[i - 1]);
    }
    for (let r = 0; r < rows; r++) {
      const v = x[r * 3 + f];
      const b = binned.codes[f * rows + r];
      assert.equal(b, binOf(bounds, v));
      assert.ok(b === bounds.length || v <= bounds[b]);
      assert.ok(b === 0 || v > bounds[b - 1]);
    }
  }
  // The repeated value has a bin of its own: no other value shares the code of 0.
  const zeroCode = binOf(binned.upperBounds[2], 0);
  for (let r = 0; r < rows; r++) {
    if (binned.codes[2 * rows + r] === zeroCode) assert.equal(x[r * 3 + 2], 0);
  }
});

// 60 rows are split by sorting the node's codes, 600 rows by histogram: both must be exact.
test('the root split is the exact best variance-reduction split when values fit the bins', () => {
  const random = mulberry32(2);
  for (let trial = 0; trial < 20; trial++) {
    const rows = trial % 2 === 0 ? 60 : 600;
    const features = 3;
    const x = new Float64Array(rows * features);
    const y = new Float64Array(rows);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(random() * 100) / 10;
    for (let r = 0; r < rows; r++) y[r] = x[r * features + (trial % 3)] > 5 ? random() + 2 : random();
    const data = { rows, features, x, y, featureNames: ['a', 'b', 'c'], targetName: 'y' };
    const e = ensembleFromParameters(cart.fit(data, { maxDepth: 1 }, 'regression'));
    // Brute force over every feature and every midpoint between distinct values.
    let best = { sse: Infinity, feature: -1, threshold: 0 };
    for (let f = 0; f < features; f++) {
      const values = [...new Set(Array.from({ length: rows }, (_, r) => x[r * features + f]))].sort(
        (a, b) => a - b,
      );
      for (let i = 1; i < values.length; i++) {
        const t = (values[i - 1] + values[i]) / 2;
        const sides = [[], []] as number[][];
        for (let r = 0; r < rows; r++) sides[x[r * features + f] <= t ? 0 : 1].push(y[r]);
        let sse = 0;
        for (const side of sides) {
          const m = side.reduce((a, b) => a + b, 0) / side.length;
          for (const v of side) sse += (v - m) ** 2;
        }
        if (sse < best.sse - 1e-12) best = { sse, feature: f, threshold: t };
      }
    }
    assert.equal(e.feature[0], best.feature, `trial ${trial}`);
    assert.equal(e.threshold[0], Math.fround(best.threshold), `trial ${trial}`);
  }
});

/** The plain pointer walk over the decoded arrays: the fast compiled path must match it to the bit. */
function walk(
  parameters: Parameters<typeof ensembleFromParameters>[0],
  x: Float64Array,
  rows: number,
  p: number,
) {
  const e = ensembleFromParameters(parameters);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (const root of e.roots) {
      let n = root;
      while (e.feature[n] >= 0) n = x[r * p + e.feature[n]] <= e.threshold[n] ? e.left[n] : e.right[n];
      sum += e.value[n];
    }
    const score = e.baseScore + sum / (e.aggregation === 'mean' ? e.roots.length : 1);
    out[r] = e.link === 'logistic' ? 1 / (1 + Math.exp(-score)) : score;
  }
  return out;
}

test('the compiled complete-tree walk (shallow) and the pointer walk (deep) give the reference answer', () => {
  const data = sineWindow(3000, 4, 3);
  const probe = sineWindow(1003, 4, 4); // not a multiple of 4: exercises the tail rows
  probe.x[5] = Number.NaN;
  const shallow = gbdt.fit(data, { rounds: 30, maxDepth: 4 }, 'regression');
  const deep = cart.fit(data, { maxDepth: 30, minSamplesLeaf: 1 }, 'regression');
  assert.ok(deepest(deep) > 10, 'the deep tree must exceed the complete-tree depth limit');
  for (const [algorithm, parameters] of [
    [gbdt, shallow],
    [cart, deep],
  ] as const) {
    const out = new Float64Array(probe.rows);
    algorithm.predict(parameters, probe.x, probe.rows, probe.features, out);
    assert.deepEqual(Buffer.from(out.buffer), Buffer.from(walk(parameters, probe.x, probe.rows, 4).buffer));
  }
});

function deepest(parameters: Parameters<typeof ensembleFromParameters>[0]): number {
  const e = ensembleFromParameters(parameters);
  const depth = new Int32Array(e.feature.length);
  let max = 0;
  for (let n = 0; n < e.feature.length; n++) {
    max = Math.max(max, depth[n]);
    if (e.feature[n] >= 0) depth[e.left[n]] = depth[e.right[n]] = depth[n] + 1;
  }
  return max;
}

test('small nodes split by sorting grow the same tree as histograms do', () => {
  const data = sineWindow(400, 3, 5);
  const binned = computeBins(data.x, data.rows, data.features, MAX_BINS);
  const gradient = data.y.map((v) => -v);
  const sample = Uint32Array.from({ length: data.rows }, (_, r) => r);
  const grown = [0, 10_000].map((smallNodeRows) => {
    const builder = new EnsembleBuilder();
    const grower = new TreeGrower(binned, {
      maxDepth: 12,
      maxLeaves: 200,
      minSamplesLeaf: 2,
      minChildWeight: 0,
      l2: 0,
      minSplitGain: 0,
      shrinkage: 1,
      featuresPerSplit: 3,
      random: mulberry32(1),
      smallNodeRows,
    });
    grower.grow(builder, gradient, null, sample, new Float64Array(3));
    return builder;
  });
  const [byHistogram, bySorting] = grown;
  assert.ok(byHistogram.nodes > 100);
  assert.deepEqual(bySorting.feature, byHistogram.feature);
  assert.deepEqual(bySorting.threshold, byHistogram.threshold);
  for (let n = 0; n < byHistogram.nodes; n++) {
    assert.ok(Math.abs(bySorting.value[n] - byHistogram.value[n]) < 1e-6, `node ${n}`);
  }
});

test('large children from parent − sibling histograms grow the same trees as sorting every node', () => {
  // 3,000 rows: the smaller child has more rows than the histogram has bins, so the larger child's
  // histogram is the parent's minus the sibling's bin by bin (inside the split search, feature by
  // feature, when every feature is scanned; up front when a forest draws a subset).
  const data = sineWindow(3000, 4, 9);
  const binned = computeBins(data.x, data.rows, data.features, MAX_BINS);
  const gradient = data.y.map((v) => -v);
  const hessian = data.y.map((v) => 0.5 + 0.25 * Math.tanh(v));
  const sample = Uint32Array.from({ length: data.rows }, (_, r) => r);
  for (const featuresPerSplit of [4, 2]) {
    for (const h of [null, hessian]) {
      const grown = [0, 10_000].map((smallNodeRows) => {
        const builder = new EnsembleBuilder();
        const grower = new TreeGrower(binned, {
          maxDepth: 6,
          maxLeaves: 64,
          minSamplesLeaf: 5,
          minChildWeight: 0,
          l2: 1,
          minSplitGain: 0,
          shrinkage: 1,
          featuresPerSplit,
          random: mulberry32(2),
          smallNodeRows,
        });
        grower.grow(builder, gradient, h, sample, new Float64Array(4));
        return builder;
      });
      const [byHistogram, bySorting] = grown;
      assert.ok(byHistogram.nodes > 60, `${byHistogram.nodes} nodes`);
      assert.deepEqual(bySorting.feature, byHistogram.feature);
      assert.deepEqual(bySorting.threshold, byHistogram.threshold);
      for (let n = 0; n < byHistogram.nodes; n++) {
        assert.ok(Math.abs(bySorting.value[n] - byHistogram.value[n]) < 1e-9, `node ${n}`);
      }
    }
  }
});

test('bins are computed once per window content: a fresh copy hits the cache, a changed value does not', () => {
  const data = sineWindow(500, 3, 6);
  const first = binWindow(data);
  assert.equal(binWindow({ ...data, x: data.x.slice() }), first);
  const changed = data.x.slice();
  changed[7] += 1;
  const second = binWindow({ ...data, x: changed });
  assert.notEqual(second, first);
  assert.notDeepEqual(second.codes, first.codes);
});

test('from 2,040 rows, cut points are scikit-learn’s percentiles: cut i has ⌈n·i/255⌉ rows at or below it', () => {
  const random = mulberry32(4);
  const rows = 3000;
  const x = new Float64Array(rows);
  for (let r = 0; r < rows; r++) x[r] = random() * 6 - 3;
  const bounds = computeBins(x, rows, 1, MAX_BINS).upperBounds[0];
  assert.equal(bounds.length, MAX_BINS - 1);
  const sorted = x.slice().sort();
  for (let i = 1; i < MAX_BINS; i++) {
    let atOrBelow = 0;
    while (atOrBelow < rows && sorted[atOrBelow] <= bounds[i - 1]) atOrBelow++;
    // numpy's floating-point steps may land an exact position (n·i/255 an integer) a hair above
    // it, taking the next value instead of the midpoint: either is scikit-learn's answer there.
    const position = (rows * i) / MAX_BINS;
    const expected = Math.ceil(position);
    if (Number.isInteger(position)) assert.ok(atOrBelow === expected || atOrBelow === expected + 1);
    else assert.equal(atOrBelow, expected, `cut ${i}`);
  }
  // Below 2,040 rows the greedy equal-count cuts stay: another partition of the same column.
  const small = computeBins(x.subarray(0, 1500), 1500, 1, MAX_BINS).upperBounds[0];
  const smallSorted = x.slice(0, 1500).sort();
  const counts = Array.from(small, (cut) => smallSorted.filter((v) => v <= cut).length);
  assert.ok(counts.some((c, i) => c !== Math.ceil((1500 * (i + 1)) / MAX_BINS)));
});

test('a GBDT on percentile bins predicts bit-identically after a JSON round trip', () => {
  const data = sineWindow(2500, 4, 8);
  for (const task of ['regression', 'classification'] as const) {
    const target = task === 'regression' ? data : { ...data, y: data.y.map((v) => (v > 0 ? 1 : 0)) };
    const parameters = gbdt.fit(target, { rounds: 30, maxDepth: 4 }, task);
    const reloaded = JSON.parse(JSON.stringify(parameters)) as typeof parameters;
    const a = new Float64Array(data.rows);
    const b = new Float64Array(data.rows);
    gbdt.predict(parameters, data.x, data.rows, data.features, a);
    gbdt.predict(reloaded, data.x, data.rows, data.features, b);
    assert.deepEqual(b, a);
    assert.ok(a.some((v) => v !== a[0]));
  }
});
