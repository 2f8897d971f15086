/**
 * Centred normal equations of a window: G = XcᵀXc / n and c = Xcᵀyc / n, with Xc and yc centred on
 * their means. Built once per fit in O(n·p²); every linear solver (OLS, ridge, lasso, elastic net)
 * then works in O(p²)–O(p³) on G, independent of n. Centring keeps the intercept out of the system,
 * so it is never penalised and the conditioning does not suffer from columns far from zero.
 */
import { simdKernels, type SimdKernels } from '../../simd/kernels.js';

export interface CentredGram {
  features: number;
  gram: Float64Array;
  xty: Float64Array;
  xMean: Float64Array;
  yMean: number;
  /** Σ (y − ȳ)² / n, for the lasso's objective and to detect a constant target. */
  yVariance: number;
}

export function centredGram(x: Float64Array, rows: number, p: number, y: Float64Array): CentredGram {
  const xMean = new Float64Array(p);
  let yMean = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * p;
    for (let j = 0; j < p; j++) xMean[j] += x[o + j];
    yMean += y[r];
  }
  const inv = rows > 0 ? 1 / rows : 0;
  for (let j = 0; j < p; j++) xMean[j] *= inv;
  yMean *= inv;

  const gram = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const kernels = rows >= 4 ? simdKernels() : undefined;
  const { rowsDone, yVariance } =
    kernels === undefined
      ? fourRowsAtATime(x, rows, p, y, xMean, yMean, gram, xty)
      : fourRowsSimd(kernels, x, rows, p, y, xMean, yMean, gram, xty);
  let sumSquares = yVariance;
  // The last rows short of four, one at a time (the same on both paths).
  const d0 = new Float64Array(p);
  for (let r = rowsDone; r < rows; r++) {
    const o = r * p;
    for (let j = 0; j < p; j++) d0[j] = x[o + j] - xMean[j];
    const dy = y[r] - yMean;
    sumSquares += dy * dy;
    for (let j = 0; j < p; j++) {
      const dj = d0[j];
      xty[j] += dj * dy;
      const gj = j * p;
      for (let k = j; k < p; k++) gram[gj + k] += dj * d0[k];
    }
  }
  for (let j = 0; j < p; j++) {
    xty[j] *= inv;
    for (let k = j; k < p; k++) {
      const v = gram[j * p + k] * inv;
      gram[j * p + k] = v;
      gram[k * p + j] = v;
    }
  }
  return { features: p, gram, xty, xMean, yMean, yVariance: sumSquares * inv };
}

interface RowsDone {
  rowsDone: number;
  /** Σ (y − ȳ)² over those rows. */
  yVariance: number;
}

/**
 * Adds the products of the centred rows to the upper triangle of `gram` (and to `xty`), four rows at
 * a time: each entry of the upper triangle is loaded and stored once per four products instead of
 * once per product (the rank-1 update per row was bound by those loads and stores, not by the
 * multiplications).
 */
function fourRowsAtATime(
  x: Float64Array,
  rows: number,
  p: number,
  y: Float64Array,
  xMean: Float64Array,
  yMean: number,
  gram: Float64Array,
  xty: Float64Array,
): RowsDone {
  const d0 = new Float64Array(p);
  const d1 = new Float64Array(p);
  const d2 = new Float64Array(p);
  const d3 = new Float64Array(p);
  let yVariance = 0;
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o = r * p;
    for (let j = 0; j < p; j++) {
      const m = xMean[j];
      d0[j] = x[o + j] - m;
      d1[j] = x[o + p + j] - m;
      d2[j] = x[o + 2 * p + j] - m;
      d3[j] = x[o + 3 * p + j] - m;
    }
    const e0 = y[r] - yMean;
    const e1 = y[r + 1] - yMean;
    const e2 = y[r + 2] - yMean;
    const e3 = y[r + 3] - yMean;
    yVariance += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
    for (let j = 0; j < p; j++) {
      const a0 = d0[j];
      const a1 = d1[j];
      const a2 = d2[j];
      const a3 = d3[j];
      xty[j] += a0 * e0 + a1 * e1 + a2 * e2 + a3 * e3;
      const gj = j * p;
      for (let k = j; k < p; k++) gram[gj + k] += a0 * d0[k] + a1 * d1[k] + a2 * d2[k] + a3 * d3[k];
    }
  }
  return { rowsDone: r, yVariance };
}

/** Rows per call of the SIMD kernel (a multiple of four): their copy stays in the core's caches. */
const SIMD_CHUNK_ROWS = 256;

/**
 * The same sums as `fourRowsAtATime`, in the same order (so the same bits), with the Gram update in
 * the WebAssembly SIMD kernel: the centred rows are written into the kernel's memory, padded to an
 * even number of columns, a chunk at a time.
 */
function fourRowsSimd(
  kernels: SimdKernels,
  x: Float64Array,
  rows: number,
  p: number,
  y: Float64Array,
  xMean: Float64Array,
  yMean: number,
  gram: Float64Array,
  xty: Float64Array,
): RowsDone {
  const pp = p + (p & 1);
  const chunkAt = pp * pp;
  const memory = kernels.workspace(chunkAt + SIMD_CHUNK_ROWS * pp);
  memory.fill(0, 0, chunkAt + SIMD_CHUNK_ROWS * pp);
  let yVariance = 0;
  let r = 0;
  while (r + 3 < rows) {
    const groups = Math.min(SIMD_CHUNK_ROWS, rows - r) >> 2;
    for (let g = 0; g < groups; g++, r += 4) {
      const o = r * p;
      const c0 = chunkAt + g * 4 * pp;
      const c1 = c0 + pp;
      const c2 = c1 + pp;
      const c3 = c2 + pp;
      const e0 = y[r] - yMean;
      const e1 = y[r + 1] - yMean;
      const e2 = y[r + 2] - yMean;
      const e3 = y[r + 3] - yMean;
      yVariance += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
      for (let j = 0; j < p; j++) {
        const m = xMean[j];
        const a0 = x[o + j] - m;
        const a1 = x[o + p + j] - m;
        const a2 = x[o + 2 * p + j] - m;
        const a3 = x[o + 3 * p + j] - m;
        memory[c0 + j] = a0;
        memory[c1 + j] = a1;
        memory[c2 + j] = a2;
        memory[c3 + j] = a3;
        xty[j] += a0 * e0 + a1 * e1 + a2 * e2 + a3 * e3;
      }
    }
    kernels.gram(chunkAt * 8, groups, p, pp, 0);
  }
  for (let j = 0; j < p; j++) {
    for (let k = j; k < p; k++) gram[j * p + k] = memory[j * pp + k];
  }
  return { rowsDone: r, yVariance };
}
