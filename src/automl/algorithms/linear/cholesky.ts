// Dense Cholesky factorisation on a row-major Float64Array. Hand-written rather than ml-matrix's
// CholeskyDecomposition: ml-stack.md §3d measured it 2.6× faster, and it works in place with no
// Matrix objects on the hot path.

/**
 * Factorises the symmetric positive-definite n×n matrix `a` in place into its lower triangle L
 * (a = L·Lᵀ; the upper triangle is left as it was). Returns false when a pivot is not clearly
 * positive — the matrix is singular or too ill-conditioned for the normal equations — so the caller
 * can fall back to a pseudo-inverse.
 */
export function choleskyInPlace(a: Float64Array, n: number, relativeTolerance = 1e-10): boolean {
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, a[i * n + i]);
  const floor = relativeTolerance * maxDiagonal;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const d = a[rj + j] - dot(a, rj, rj, j);
    if (!(d > floor)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      a[ri + j] = (a[ri + j] - dot(a, ri, rj, j)) / ljj;
    }
  }
  return true;
}

/**
 * Σₖ a[u + k]·a[v + k] for k < length, four accumulators wide: the O(n³) inner loop of the
 * factorisation, ~1.7× faster than one accumulator on an 800-row Gaussian-process kernel.
 */
function dot(a: Float64Array, u: number, v: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    s0 += a[u + k] * a[v + k];
    s1 += a[u + k + 1] * a[v + k + 1];
    s2 += a[u + k + 2] * a[v + k + 2];
    s3 += a[u + k + 3] * a[v + k + 3];
  }
  for (; k < length; k++) s0 += a[u + k] * a[v + k];
  return s0 + s1 + (s2 + s3);
}

/** Solves L·Lᵀ·x = b in place in `b`, with L from `choleskyInPlace`. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}
