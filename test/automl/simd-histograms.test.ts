// The tree learners' WebAssembly SIMD histogram kernels (simd/histogram-kernels.ts through
// trees/histogram-simd.ts): each histogram against plain sums written out here, bit for bit (the
// same additions in the same row order), and whole models fitted with and without the kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binWindow, type BinnedWindow } from '../../src/automl/algorithms/trees/binning.js';
import { SimdHistograms } from '../../src/automl/algorithms/trees/histogram-simd.js';
import { extraTrees, gbdt, randomForest } from '../../src/automl/algorithms/trees/index.js';
import { releaseLargeArena, takeArena } from '../../src/automl/simd/histogram-kernels.js';
import { withoutSimd } from '../../src/automl/simd/kernels.js';
import { mulberry32 } from '../../src/automl/random.js';
import { ringWindow, sineWindow } from './trees-data.js';

/** [Σg, Σh, count] per bin of the listed rows, row by row in list order (h = 1 without hessians). */
function plainHistogram(
  binned: BinnedWindow,
  rows: Uint32Array,
  gradient: Float64Array,
  hessian: Float64Array | null,
): Float64Array {
  const hist = new Float64Array(binned.binOffset[binned.features] * 3);
  for (const r of rows) {
    for (let f = 0; f < binned.features; f++) {
      if (binned.binCount[f] < 2) continue;
      const k = (binned.binOffset[f] + binned.codes[f * binned.rows + r]) * 3;
      hist[k] += gradient[r];
      hist[k + 1] += hessian === null ? 1 : hessian[r];
      hist[k + 2] += 1;
    }
  }
  return hist;
}

function setUp(rows: number, features: number, seed: number) {
  const random = mulberry32(seed);
  const data = sineWindow(rows, features, seed);
  // One constant feature (no histogram bins built) and one of three values (few, busy bins).
  for (let r = 0; r < rows; r++) {
    data.x[r * features + 1] = 7;
    data.x[r * features + 2] = Math.floor(3 * random());
  }
  const binned = binWindow(data);
  const active = Int32Array.from({ length: features }, (_, f) => f).filter((f) => binned.binCount[f] >= 2);
  const length = binned.binOffset[features] * 3;
  const gradient = Float64Array.from({ length: rows }, () => random() * 2 - 1);
  const hessian = Float64Array.from({ length: rows }, () => random() * 0.25);
  // A node's rows: a shuffled subset, as after partitions.
  const idx = Uint32Array.from({ length: rows }, (_, r) => r);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return { binned, active, length, gradient, hessian, idx };
}

test('SIMD histograms equal the plain per-row sums bit for bit, with and without hessians', () => {
  for (const [rows, features] of [
    [37, 3],
    [500, 6],
    [1200, 13],
  ] as const) {
    const { binned, active, length, gradient, hessian, idx } = setUp(rows, features, rows + features);
    const simd = new SimdHistograms(binned, active, length, 4);
    assert.equal(simd.take(), false);
    for (const h of [hessian, null]) {
      const hist = simd.slot();
      assert.ok(hist !== null);
      hist.fill(0);
      const [start, end] = [3, rows - 5];
      assert.ok(simd.build(hist, idx, start, end, gradient, h, true));
      const expected = plainHistogram(binned, idx.subarray(start, end), gradient, h);
      assert.deepEqual(hist, expected, `${rows}×${features} build`);
      // Without counts: the same (g, h) sums, counts left at zero.
      hist.fill(0);
      assert.ok(simd.build(hist, idx, start, end, gradient, h, false));
      for (let k = 0; k < length; k += 3) {
        assert.equal(hist[k], expected[k]);
        assert.equal(hist[k + 1], expected[k + 1]);
        assert.equal(hist[k + 2], 0);
      }
    }
    // Build a child while removing its rows from the parent, then remove rows alone: the parent
    // must end as the other rows' histogram where counts remain, and exact zeros where a bin empties.
    const parent = simd.slot();
    const child = simd.slot();
    assert.ok(parent !== null && child !== null);
    parent.fill(0);
    assert.ok(simd.build(parent, idx, 0, rows, gradient, hessian, true));
    const cut = Math.floor(rows / 3);
    child.fill(0);
    assert.ok(simd.buildRemoving(child, parent, idx, 0, cut, gradient, hessian));
    assert.deepEqual(child, plainHistogram(binned, idx.subarray(0, cut), gradient, hessian));
    assert.ok(simd.removeRows(parent, idx, cut, 2 * cut, gradient, hessian));
    // The scalar removal, written out: same subtractions in the same order.
    const reference = plainHistogram(binned, idx, gradient, hessian);
    for (const r of idx.subarray(0, 2 * cut)) {
      for (const f of active) {
        const k = (binned.binOffset[f] + binned.codes[f * rows + r]) * 3;
        reference[k] -= gradient[r];
        reference[k + 1] -= hessian[r];
        if ((reference[k + 2] -= 1) === 0) reference[k] = reference[k + 1] = 0;
      }
    }
    assert.deepEqual(parent, reference, `${rows}×${features} removal`);
    // Histograms not in the kernels' memory are left to the scalar loops.
    assert.equal(simd.build(new Float64Array(length), idx, 0, rows, gradient, null, true), false);
    assert.equal(simd.slot(), null, 'four slots handed out');
  }
});

test('another grower taking the kernels’ memory makes the first drop its histograms', () => {
  const a = setUp(200, 4, 1);
  const b = setUp(300, 5, 2);
  const first = new SimdHistograms(a.binned, a.active, a.length, 2);
  const second = new SimdHistograms(b.binned, b.active, b.length, 2);
  assert.equal(first.take(), false);
  const kept = [first.slot() as Float64Array, new Float64Array(a.length)];
  assert.equal(second.take(), false);
  assert.equal(first.take(), true);
  assert.equal(first.dropMade(kept), 1);
  assert.equal(kept.length, 1);
  // Its codes are copied in again: a build is right after the other grower's.
  const hist = first.slot() as Float64Array;
  hist.fill(0);
  assert.ok(first.build(hist, a.idx, 0, 200, a.gradient, a.hessian, true));
  assert.deepEqual(hist, plainHistogram(a.binned, a.idx, a.gradient, a.hessian));
});

/** The best split by brute force: every feature and bin, gain computed directly, first best kept. */
function bruteForceSplit(
  binned: BinnedWindow,
  hist: Float64Array,
  node: { g: number; h: number; count: number },
  limits: { l2: number; minSamplesLeaf: number; minChildWeight: number },
) {
  const parentScore = (node.g * node.g) / (node.h + limits.l2);
  let best = { gain: 0, feature: -1, bin: 0, leftCount: 0 };
  for (let f = 0; f < binned.features; f++) {
    let [gl, hl, cl] = [0, 0, 0];
    for (let b = 0; b < binned.binCount[f] - 1; b++) {
      const k = (binned.binOffset[f] + b) * 3;
      [gl, hl, cl] = [gl + hist[k], hl + hist[k + 1], cl + hist[k + 2]];
      const [gr, hr] = [node.g - gl, node.h - hl];
      if (cl < limits.minSamplesLeaf || node.count - cl < limits.minSamplesLeaf) continue;
      if (hl < limits.minChildWeight || hr < limits.minChildWeight) continue;
      const gain = (gl * gl) / (hl + limits.l2) + (gr * gr) / (hr + limits.l2) - parentScore;
      if (gain > best.gain) best = { gain, feature: f, bin: b, leftCount: cl };
    }
  }
  return { ...best, parentScore };
}

test('the SIMD split scan finds the brute-force best split, and subtracts the sibling first', () => {
  for (const [rows, features] of [
    [300, 5],
    [1500, 9],
  ] as const) {
    const { binned, active, length, gradient, hessian, idx } = setUp(rows, features, 7 * rows + features);
    const simd = new SimdHistograms(binned, active, length, 3);
    simd.take();
    const [parent, child, copy] = [simd.slot(), simd.slot(), simd.slot()] as Float64Array[];
    parent.fill(0);
    child.fill(0);
    simd.build(parent, idx, 0, rows, gradient, hessian, true);
    const cut = Math.floor(rows / 4);
    simd.build(child, idx, 0, cut, gradient, hessian, true);
    for (const limits of [
      { l2: 1, minSamplesLeaf: 20, minChildWeight: 1e-3 },
      { l2: 0, minSamplesLeaf: 1, minChildWeight: 0 },
    ]) {
      // The child alone: its rows' sums.
      let g = 0;
      let h = 0;
      for (const r of idx.subarray(0, cut)) [g, h] = [g + gradient[r], h + hessian[r]];
      const node = { g, h, count: cut };
      const expected = bruteForceSplit(binned, child, node, limits);
      const best = { gain: 0, feature: -1, bin: 0, leftG: 0, leftH: 0, leftCount: 0 };
      assert.ok(simd.scan(child, null, { ...node, parentScore: expected.parentScore }, limits, best));
      assert.ok(expected.feature >= 0);
      assert.deepEqual(
        [best.feature, best.bin, best.leftCount],
        [expected.feature, expected.bin, expected.leftCount],
      );
      assert.ok(Math.abs(best.gain - expected.gain) <= 1e-12 * Math.abs(expected.gain));
      // The sibling: parent − child, made while scanning, must equal the subtraction done here.
      copy.set(parent);
      const sibling = Float64Array.from(parent, (v, k) => v - child[k]);
      for (let k = 0; k < length; k += 3) if (sibling[k + 2] === 0) sibling[k] = sibling[k + 1] = 0;
      let sg = 0;
      let sh = 0;
      for (const r of idx.subarray(cut)) [sg, sh] = [sg + gradient[r], sh + hessian[r]];
      const siblingNode = { g: sg, h: sh, count: rows - cut };
      const siblingExpected = bruteForceSplit(binned, sibling, siblingNode, limits);
      const siblingBest = { gain: 0, feature: -1, bin: 0, leftG: 0, leftH: 0, leftCount: 0 };
      const scanNode = { ...siblingNode, parentScore: siblingExpected.parentScore };
      assert.ok(simd.scan(copy, child, scanNode, limits, siblingBest));
      assert.deepEqual(copy, sibling, `${rows}×${features} sibling histogram`);
      assert.deepEqual(
        [siblingBest.feature, siblingBest.bin, siblingBest.leftCount],
        [siblingExpected.feature, siblingExpected.bin, siblingExpected.leftCount],
      );
    }
  }
});

test('tree models are the same with and without the SIMD histograms', () => {
  const sine = sineWindow(3_000, 20, 31);
  const ring = ringWindow(3_000, 20, 32);
  const fits: Array<[string, () => unknown]> = [
    ['gbdt no leaf minimum', () => gbdt.fit(sine, { rounds: 10, minSamplesLeaf: 1, l2: 0 }, 'regression')],
    ['gbdt regression', () => gbdt.fit(sine, { rounds: 30, maxDepth: 6 }, 'regression')],
    ['gbdt classification', () => gbdt.fit(ring, { rounds: 30 }, 'classification')],
    [
      'gbdt subsampled',
      () => gbdt.fit(ring, { rounds: 20, subsample: 0.6, featureFraction: 0.5 }, 'classification'),
    ],
    ['random forest', () => randomForest.fit(sine, { trees: 8 }, 'regression')],
    ['extra trees', () => extraTrees.fit(ring, { trees: 5 }, 'classification')],
  ];
  for (const [name, fit] of fits) {
    const simd = JSON.stringify(fit());
    const scalar = JSON.stringify(withoutSimd(fit));
    assert.equal(simd, scalar, name);
  }
});

test('after a fit on a very wide window the histogram memory is let go, a usual one kept', () => {
  const grower = {};
  const large = takeArena(grower, 40 * 1024 * 1024);
  assert.ok(large !== undefined && large.arena.buffer.byteLength >= 40 * 1024 * 1024);
  releaseLargeArena();
  const small = takeArena(grower, 1024 * 1024);
  assert.ok(small !== undefined && small.fresh);
  assert.ok(small.arena.buffer.byteLength <= 32 * 1024 * 1024, `${small.arena.buffer.byteLength} bytes`);
  releaseLargeArena();
  assert.equal(takeArena(grower, 1024)?.fresh, false, 'a usual memory is kept');
});
