// The WebAssembly SIMD kernels (src/automl/simd) against the scalar loops they replace and against
// plain sums written out here: the Gram matrix must come out bit for bit the same, so that a model
// does not depend on which path fitted it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedBruteForce } from '../../src/automl/algorithms/knn-blocked.js';
import { centredGram } from '../../src/automl/algorithms/linear/gram.js';
import { solveLogistic } from '../../src/automl/algorithms/logistic.js';
import { simdKernels, withoutSimd } from '../../src/automl/simd/kernels.js';
import { mulberry32 } from '../../src/automl/random.js';

function window(rows: number, p: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = mulberry32(seed);
  const x = Float64Array.from({ length: rows * p }, () => 1000 + 4 * random() - 2);
  const y = Float64Array.from({ length: rows }, () => 3 * random());
  return { x, y };
}

test('WebAssembly SIMD is available on this Node (the wide windows rely on it for speed)', () => {
  assert.ok(simdKernels() !== undefined);
  assert.equal(
    withoutSimd(() => simdKernels()),
    undefined,
  );
});

test('the SIMD Gram matrix equals the scalar one bit for bit and the textbook sums to rounding', () => {
  // Odd and even feature counts, rows short of a group of four, more than one chunk of 256 rows.
  const shapes: Array<[number, number]> = [
    [4, 1],
    [7, 2],
    [259, 3],
    [1001, 7],
    [513, 51],
    [1200, 50],
  ];
  for (const [rows, p] of shapes) {
    const { x, y } = window(rows, p, rows * 31 + p);
    const simd = centredGram(x, rows, p, y);
    const scalar = withoutSimd(() => centredGram(x, rows, p, y));
    assert.deepEqual(simd.gram, scalar.gram, `${rows}×${p} Gram`);
    assert.deepEqual(simd.xty, scalar.xty, `${rows}×${p} Xᵀy`);
    assert.equal(simd.yVariance, scalar.yVariance);
    // Independent: two passes, means first, then Σ (xᵢⱼ − x̄ⱼ)(xᵢₖ − x̄ₖ) / n row by row.
    for (let j = 0; j < p; j++) {
      let mj = 0;
      for (let r = 0; r < rows; r++) mj += x[r * p + j];
      mj /= rows;
      for (let k = j; k < p; k++) {
        let mk = 0;
        for (let r = 0; r < rows; r++) mk += x[r * p + k];
        mk /= rows;
        let s = 0;
        for (let r = 0; r < rows; r++) s += (x[r * p + j] - mj) * (x[r * p + k] - mk);
        const expected = s / rows;
        assert.ok(Math.abs(simd.gram[j * p + k] - expected) < 1e-12, `${rows}×${p} G[${j}][${k}]`);
        assert.equal(simd.gram[k * p + j], simd.gram[j * p + k], 'symmetric');
      }
    }
  }
});

test('k-NN on 50 features finds the same neighbours with and without SIMD, and the brute-force ones', () => {
  const random = mulberry32(7);
  for (const [n, p, queries, k] of [
    [301, 51, 9, 5],
    [400, 50, 12, 7],
  ]) {
    // Grid values make exact ties between distances common: the order of ties must hold too.
    const train = Float64Array.from({ length: n * p }, () => Math.round(4 * random()) / 2);
    const x = Float64Array.from({ length: queries * p }, () => Math.round(4 * random()) / 2);
    const search = (): Array<{ index: number[]; distance: number[] }> => {
      const found: Array<{ index: number[]; distance: number[] }> = [];
      const into = { found: 0, index: new Int32Array(k), distance: new Float64Array(k) };
      new BlockedBruteForce(train, n, p, k).searchAll(x, queries, into, () => {
        found.push({ index: Array.from(into.index), distance: Array.from(into.distance) });
      });
      return found;
    };
    const simd = search();
    assert.deepEqual(
      simd,
      withoutSimd(() => search()),
    );
    for (let r = 0; r < queries; r++) {
      const all = Array.from({ length: n }, (_, i) => {
        let d = 0;
        for (let f = 0; f < p; f++) d += (x[r * p + f] - train[i * p + f]) ** 2;
        return { i, d };
      }).sort((a, b) => a.d - b.d || a.i - b.i);
      assert.deepEqual(
        simd[r].index,
        all.slice(0, k).map((e) => e.i),
        `query ${r}`,
      );
    }
  }
});

test('logistic L-BFGS gives the same coefficients to rounding with and without SIMD', () => {
  const random = mulberry32(11);
  // Rows short of a group of eight and odd feature counts exercise the padding.
  for (const [n, p] of [
    [1003, 17],
    [400, 50],
    [2001, 30],
  ]) {
    const x = Float64Array.from({ length: n * p }, () => 2 * random() - 1);
    const y = Float64Array.from({ length: n }, (_, r) =>
      x[r * p] - x[r * p + 1] + 0.5 * (random() - 0.5) > 0 ? 1 : 0,
    );
    const fit = (): Float64Array => solveLogistic({ x, y, n, p, l2: 1e-3 }, 'lbfgs');
    const simd = fit();
    // exp and log1p are evaluated in the lanes there (exp-lanes.ts), so not to the bit.
    const scalar = withoutSimd(() => fit());
    const scale = Math.max(...scalar.map(Math.abs));
    const worst = Math.max(...simd.map((v, j) => Math.abs(v - scalar[j])));
    assert.ok(worst <= 1e-12 * scale, `${n}×${p}: max |Δw| ${worst}`);
    // And it is the optimum: the gradient of mean log-loss + (l2/2)|β|² vanishes (computed here).
    const gradient = new Float64Array(p + 1);
    for (let r = 0; r < n; r++) {
      let z = simd[p];
      for (let j = 0; j < p; j++) z += simd[j] * x[r * p + j];
      const residual = 1 / (1 + Math.exp(-z)) - y[r];
      for (let j = 0; j < p; j++) gradient[j] += (residual * x[r * p + j]) / n;
      gradient[p] += residual / n;
    }
    for (let j = 0; j < p; j++) gradient[j] += 1e-3 * simd[j];
    assert.ok(Math.max(...gradient.map(Math.abs)) < 1e-7, `${n}×${p} gradient`);
  }
});

test('a larger workspace never detaches the previous buffer (a detachment slows every typed array in V8)', () => {
  const kernels = simdKernels();
  assert.ok(kernels !== undefined);
  const small = kernels.workspace(16);
  const bytes = small.buffer.byteLength;
  const large = kernels.workspace(bytes / 8 + 100_000);
  assert.ok(large.length >= bytes / 8 + 100_000);
  assert.equal(small.buffer.byteLength, bytes, 'the old buffer is still attached');
});

test('after a large fit the kernels let the large memory go', () => {
  const kernels = simdKernels();
  assert.ok(kernels !== undefined);
  assert.ok(kernels.workspace(4_000_000).buffer.byteLength >= 32_000_000);
  kernels.release();
  const after = kernels.workspace(16).buffer.byteLength;
  assert.ok(after <= 8 * 1024 * 1024, `${after} bytes kept`);
});
