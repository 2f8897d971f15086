// The C-SVC dual with an RBF kernel, solved by sequential minimal optimisation with libsvm's
// second-order working-set selection (Fan, Chen & Lin 2005, "Working set selection using second
// order information for training SVM", JMLR 6; libsvm's Solver without shrinking):
//
//   min ½ αᵀQα − Σα   subject to 0 ≤ α ≤ C, Σ yα = 0,   Q = y yᵀ ∘ K,  K = exp(−γ‖xᵢ − xⱼ‖²).
//
// Hand-written: npm's SVMs are libsvm-js (an emscripten build last released in 2019, loaded
// asynchronously, models as libsvm text) and ml-svm (Platt's simplified SMO, whose random second
// index converges far slower); neither fits a worker-pool task that returns JSON.

import { throwIfCancelled } from '../cancellation.js';

/** libsvm's stand-in for a non-positive curvature along the pair's direction. */
const TAU = 1e-12;

export interface SvmProblem {
  /** rows × features, row-major, standardised. */
  x: Float64Array;
  /** ±1 per row. */
  y: Float64Array;
  rows: number;
  features: number;
  c: number;
  gamma: number;
  /** Stopping tolerance on the maximal violating pair (libsvm's `eps`, scikit-learn's `tol`). */
  tol: number;
  /** Iterations allowed before the solver stops unconverged. */
  maxIterations: number;
}

export interface SvmSolution {
  /** α per row (0 for the rows that are not support vectors). */
  alpha: Float64Array;
  /** The decision function is Σ αᵢ yᵢ K(xᵢ, x) − rho. */
  rho: number;
  /** The decision values of the training rows (for the probability scale). */
  decision: Float64Array;
  iterations: number;
  converged: boolean;
}

/** exp(−γ‖a − b‖²) of rows `i` of `a` and `j` of `b`. */
export function rbf(
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  p: number,
  gamma: number,
): number {
  let d = 0;
  const u = i * p;
  const v = j * p;
  for (let f = 0; f < p; f++) {
    const diff = a[u + f] - b[v + f];
    d += diff * diff;
  }
  return Math.exp(-gamma * d);
}

/**
 * Kernel rows computed when SMO first needs them and kept (up to n² numbers: the caller caps n).
 * Most rows of a window are never a working-set member nor a support vector, so most are never
 * computed, and each is allocated when it is.
 */
class KernelRows {
  private readonly rows: Array<Float64Array | undefined>;
  constructor(
    private readonly x: Float64Array,
    private readonly n: number,
    private readonly p: number,
    private readonly gamma: number,
  ) {
    this.rows = new Array<Float64Array | undefined>(n);
  }
  row(i: number): Float64Array {
    let row = this.rows[i];
    if (row === undefined) {
      const { n, p, x, gamma } = this;
      row = new Float64Array(n);
      for (let t = 0; t < n; t++) row[t] = rbf(x, i, x, t, p, gamma);
      row[i] = 1;
      this.rows[i] = row;
    }
    return row;
  }
}

/**
 * Solves the dual; O(iterations × active rows) plus the kernel rows it touches. Shrinking as
 * libsvm's: every min(n, 1,000) iterations the rows whose α sits at a bound that the gradient says
 * it will keep leave the active set; the full gradient is rebuilt (from the support vectors) once
 * the violation nears the tolerance and before convergence is declared, so the answer is the
 * unshrunk problem's.
 */
export function solveSvm(problem: SvmProblem): SvmSolution {
  const { x, y, rows: n, features: p, c, gamma, tol, maxIterations } = problem;
  const kernel = new KernelRows(x, n, p, gamma);
  const state: SolverState = {
    kernel,
    alpha: new Float64Array(n),
    // The gradient of the dual, Qα − 1, at α = 0.
    g: new Float64Array(n).fill(-1),
    y,
    n,
    c,
    active: Int32Array.from({ length: n }, (_, t) => t),
    activeSize: n,
    unshrunk: false,
  };
  const { alpha, g } = state;
  const shrinkEvery = Math.min(n, 1_000);
  let untilShrink = shrinkEvery;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    if ((iterations & 1023) === 1023) throwIfCancelled();
    if (--untilShrink === 0) {
      untilShrink = shrinkEvery;
      shrink(state, tol);
    }
    let pair = selectPair(state, tol);
    if (pair === null) {
      if (state.activeSize === n) {
        converged = true;
        break;
      }
      // Converged on the active rows only: check the whole problem again.
      reconstructGradient(state);
      untilShrink = 1;
      pair = selectPair(state, tol);
      if (pair === null) {
        converged = true;
        break;
      }
    }
    const [i, j] = pair;
    const ki = kernel.row(i);
    const kj = kernel.row(j);
    const oldI = alpha[i];
    const oldJ = alpha[j];
    let ai = oldI;
    let aj = oldJ;
    // The curvature along the pair's direction, ‖φ(xᵢ) − φ(xⱼ)‖², is 2 − 2K_ij for either sign.
    const quad = Math.max(2 - 2 * ki[j], TAU);
    if (y[i] !== y[j]) {
      const delta = (-g[i] - g[j]) / quad;
      const diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > 0) {
        if (ai > c) {
          ai = c;
          aj = c - diff;
        }
      } else if (aj > c) {
        aj = c;
        ai = c + diff;
      }
    } else {
      const delta = (g[i] - g[j]) / quad;
      const sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > c) {
        if (ai > c) {
          ai = c;
          aj = sum - c;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > c) {
        if (aj > c) {
          aj = c;
          ai = sum - c;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;
    // Q_it = yᵢ y_t K_it: the gradient moves along both changed columns (active rows only; the
    // others are rebuilt when they return).
    const di = (ai - oldI) * y[i];
    const dj = (aj - oldJ) * y[j];
    const { active, activeSize } = state;
    for (let a = 0; a < activeSize; a++) {
      const t = active[a];
      g[t] += y[t] * (ki[t] * di + kj[t] * dj);
    }
  }
  if (state.activeSize < n) reconstructGradient(state);
  const rho = offset(alpha, g, y, n, c);
  const decision = new Float64Array(n);
  // f(x_t) = Σ αᵢ yᵢ K_it − rho = y_t (g_t + 1) − rho, from the gradient already at hand.
  for (let t = 0; t < n; t++) decision[t] = y[t] * (g[t] + 1) - rho;
  return { alpha, rho, decision, iterations, converged };
}

interface SolverState {
  kernel: KernelRows;
  alpha: Float64Array;
  g: Float64Array;
  y: Float64Array;
  n: number;
  c: number;
  /** The rows SMO still considers; the first `activeSize` entries. */
  active: Int32Array;
  activeSize: number;
  /** Whether the whole problem was already brought back once near the tolerance (libsvm's). */
  unshrunk: boolean;
}

/** The largest violations m(α) = max −y∇f over I_up and −M(α) = max y∇f over I_low. */
function violations(state: SolverState): [number, number] {
  const { alpha, g, y, c, active, activeSize } = state;
  let up = -Infinity;
  let low = -Infinity;
  for (let a = 0; a < activeSize; a++) {
    const t = active[a];
    if (y[t] > 0) {
      if (alpha[t] < c && -g[t] > up) up = -g[t];
      if (alpha[t] > 0 && g[t] > low) low = g[t];
    } else {
      if (alpha[t] > 0 && g[t] > up) up = g[t];
      if (alpha[t] < c && -g[t] > low) low = -g[t];
    }
  }
  return [up, low];
}

/** libsvm's do_shrinking: drops bound rows that cannot violate optimality at this point. */
function shrink(state: SolverState, tol: number): void {
  const [up, low] = violations(state);
  if (!state.unshrunk && up + low <= 10 * tol) {
    state.unshrunk = true;
    reconstructGradient(state);
  }
  const { alpha, g, y, c, active } = state;
  let kept = 0;
  for (let a = 0; a < state.activeSize; a++) {
    const t = active[a];
    let out = false;
    if (alpha[t] >= c) out = y[t] > 0 ? -g[t] > up : -g[t] > low;
    else if (alpha[t] <= 0) out = y[t] > 0 ? g[t] > low : g[t] > up;
    if (!out) active[kept++] = t;
  }
  // The dropped rows go after the kept ones, so `active` stays a permutation of every row.
  if (kept < state.activeSize) {
    const present = new Uint8Array(state.n);
    for (let a = 0; a < kept; a++) present[active[a]] = 1;
    let k = kept;
    for (let t = 0; t < state.n; t++) if (present[t] === 0) active[k++] = t;
    state.activeSize = kept;
  }
}

/** Rebuilds ∇f of the rows outside the active set from the support vectors and activates all rows. */
function reconstructGradient(state: SolverState): void {
  const { alpha, g, y, n, active, activeSize, kernel } = state;
  if (activeSize < n) {
    for (let a = activeSize; a < n; a++) g[active[a]] = -1;
    for (let j = 0; j < n; j++) {
      if (!(alpha[j] > 0)) continue;
      const kj = kernel.row(j);
      const w = alpha[j] * y[j];
      for (let a = activeSize; a < n; a++) {
        const t = active[a];
        g[t] += y[t] * kj[t] * w;
      }
    }
  }
  state.activeSize = n;
}

/**
 * libsvm's WSS 3: i maximises −y∇f over the rows that may move up, j minimises the second-order
 * decrease of the objective over the rows that may move down against i; null when the maximal
 * violation is below `tol` (converged on the active rows).
 */
function selectPair(state: SolverState, tol: number): [number, number] | null {
  const { kernel, alpha, g, y, c, active, activeSize } = state;
  let gMax = -Infinity;
  let i = -1;
  for (let a = 0; a < activeSize; a++) {
    const t = active[a];
    if (y[t] > 0) {
      if (alpha[t] < c && -g[t] >= gMax) {
        gMax = -g[t];
        i = t;
      }
    } else if (alpha[t] > 0 && g[t] >= gMax) {
      gMax = g[t];
      i = t;
    }
  }
  if (i < 0) return null;
  const ki = kernel.row(i);
  let gMax2 = -Infinity;
  let j = -1;
  let best = Infinity;
  for (let a = 0; a < activeSize; a++) {
    const t = active[a];
    let gradDiff: number;
    if (y[t] > 0) {
      if (!(alpha[t] > 0)) continue;
      gradDiff = gMax + g[t];
      if (g[t] >= gMax2) gMax2 = g[t];
    } else {
      if (!(alpha[t] < c)) continue;
      gradDiff = gMax - g[t];
      if (-g[t] >= gMax2) gMax2 = -g[t];
    }
    if (gradDiff > 0) {
      // libsvm's Q_ii + Q_tt ∓ 2yᵢQ_it is ‖φ(xᵢ) − φ(x_t)‖² = 2 − 2K_it for either sign (K_ii = 1).
      const quad = 2 - 2 * ki[t];
      const objective = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
      if (objective <= best) {
        best = objective;
        j = t;
      }
    }
  }
  if (gMax + gMax2 < tol || j < 0) return null;
  return [i, j];
}

/** libsvm's rho: the mean of y∇f over the free α, or the middle of its feasible interval. */
function offset(alpha: Float64Array, g: Float64Array, y: Float64Array, n: number, c: number): number {
  let free = 0;
  let sum = 0;
  let upper = Infinity;
  let lower = -Infinity;
  for (let t = 0; t < n; t++) {
    const yg = y[t] * g[t];
    if (alpha[t] >= c) {
      if (y[t] < 0) upper = Math.min(upper, yg);
      else lower = Math.max(lower, yg);
    } else if (alpha[t] <= 0) {
      if (y[t] > 0) upper = Math.min(upper, yg);
      else lower = Math.max(lower, yg);
    } else {
      free++;
      sum += yg;
    }
  }
  return free > 0 ? sum / free : (upper + lower) / 2;
}
