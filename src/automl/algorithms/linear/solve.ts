import { Matrix, pseudoInverse } from 'ml-matrix';
import { choleskyInPlace, choleskySolveInPlace } from './cholesky.js';
import type { CentredGram } from './gram.js';

export interface LinearSolution {
  coefficients: Float64Array;
  /** Set when the Cholesky path failed and the SVD pseudo-inverse answered instead. */
  fallback?: string;
}

/**
 * Solves (G + λI)·β = c. Features with no spread (after standardisation, exact or rounding-level
 * zeros on G's diagonal) are left out and get β = 0, so one constant column does not push a healthy
 * window onto the slow path. When Cholesky still fails — collinear columns, fewer rows than features
 * with λ = 0 — the minimum-norm solution pinv(G)·c (= pinv(X)·y) comes from ml-matrix's SVD, which is
 * 30× slower than the Cholesky path (ml-stack.md §3a) but only runs on degenerate windows.
 */
export function solveRidge(system: CentredGram, lambda: number): LinearSolution {
  const p = system.features;
  const { gram, xty } = system;
  let maxDiagonal = 0;
  for (let j = 0; j < p; j++) maxDiagonal = Math.max(maxDiagonal, gram[j * p + j]);
  const active: number[] = [];
  for (let j = 0; j < p; j++) if (gram[j * p + j] > 1e-12 * maxDiagonal) active.push(j);
  const coefficients = new Float64Array(p);
  const m = active.length;
  if (m === 0) return { coefficients };

  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const gi = active[i] * p;
    for (let k = 0; k < m; k++) a[i * m + k] = gram[gi + active[k]];
    a[i * m + i] += lambda;
    b[i] = xty[active[i]];
  }
  if (choleskyInPlace(a, m)) {
    choleskySolveInPlace(a, m, b);
    for (let i = 0; i < m; i++) coefficients[active[i]] = b[i];
    return { coefficients };
  }

  const g = new Matrix(m, m);
  for (let i = 0; i < m; i++) {
    const gi = active[i] * p;
    for (let k = 0; k < m; k++) g.set(i, k, gram[gi + active[k]] + (i === k ? lambda : 0));
  }
  const inverse = pseudoInverse(g);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += inverse.get(i, k) * xty[active[k]];
    coefficients[active[i]] = s;
  }
  return {
    coefficients,
    fallback:
      'normal equations singular or ill-conditioned (collinear features or fewer rows than features): minimum-norm solution by SVD pseudo-inverse',
  };
}

/** β₀ = ȳ − Σ βⱼ·x̄ⱼ: the intercept that the centred system left out. */
export function interceptFor(system: CentredGram, coefficients: Float64Array): number {
  let s = system.yMean;
  for (let j = 0; j < system.features; j++) s -= coefficients[j] * system.xMean[j];
  return s;
}
