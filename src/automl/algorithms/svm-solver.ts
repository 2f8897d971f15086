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
import { RbfRows } from '../simd/rbf-kernel.js';

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
 * computed, and each is allocated when it is; K's symmetry spares the entries already known.
 */
class KernelRows {
  private readonly rows: Array<Float64Array | undefined>;
  /** The SIMD path (simd/rbf-kernel.ts), where the engine has it. */
  private readonly simd: RbfRows | undefined;
  constructor(
    private readonly x: Float64Array,
    private readonly n: number,
    private readonly p: number,
    private readonly gamma: number,
  ) {
    this.rows = new Array<Float64Array | undefined>(n);
    this.simd = RbfRows.of(x, n, p, gamma);
  }
  row(i: number): Float64Array {
    let row = this.rows[i];
    if (row === undefined) {
      const { n, p, x, gamma } = this;
      row = new Float64Array(n);
      if (this.simd !== undefined) this.simd.row(x, i * p, row);
      else {
        const rows = this.rows;
        // K is symmetric: the entries of rows already computed are copied, not evaluated again.
        for (let t = 0; t < n; t++) {
          const known = rows[t];
          row[t] = known === undefined ? rbf(x, i, x, t, p, gamma) : known[i];
        }
      }
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
 *
 * The solver keeps yᵢ·∇ᵢf (not ∇f: y² = 1 spares a product per row in the update) and, per row,
 * whether α may still grow in the direction that raises yα (I_up) or lower it (I_low), so the hot
 * loops test one flag each. The first index of the next pair is found in the update's own pass.
 */
export function solveSvm(problem: SvmProblem): SvmSolution {
  const { x, y, rows: n, features: p, c, gamma, tol, maxIterations } = problem;
  const kernel = new KernelRows(x, n, p, gamma);
  const state: SolverState = {
    kernel,
    alpha: new Float64Array(n),
    // y ∘ ∇f at α = 0, where ∇f = Qα − 1 = −1.
    yg: Float64Array.from(y, (v) => -v),
    y,
    up: Uint8Array.from(y, (v) => (v > 0 ? 1 : 0)),
    low: Uint8Array.from(y, (v) => (v > 0 ? 0 : 1)),
    n,
    c,
    active: Int32Array.from({ length: n }, (_, t) => t),
    activeSize: n,
    unshrunk: false,
  };
  const { alpha, yg, up } = state;
  const shrinkEvery = Math.min(n, 1_000);
  let untilShrink = shrinkEvery;
  let iterations = 0;
  let converged = false;
  let first = firstIndex(state);
  for (; iterations < maxIterations; iterations++) {
    if ((iterations & 1023) === 1023) throwIfCancelled();
    if (--untilShrink === 0) {
      untilShrink = shrinkEvery;
      shrink(state, tol);
      first = firstIndex(state);
    }
    let pair = secondIndex(state, first, tol);
    if (pair < 0) {
      if (state.activeSize === n) {
        converged = true;
        break;
      }
      // Converged on the active rows only: check the whole problem again.
      reconstructGradient(state);
      untilShrink = 1;
      first = firstIndex(state);
      pair = secondIndex(state, first, tol);
      if (pair < 0) {
        converged = true;
        break;
      }
    }
    const i = first;
    const j = pair;
    const ki = kernel.row(i);
    const kj = kernel.row(j);
    const oldI = alpha[i];
    const oldJ = alpha[j];
    // ∇ᵢf and ∇ⱼf from the kept y∘∇f.
    const gi = y[i] * yg[i];
    const gj = y[j] * yg[j];
    let ai = oldI;
    let aj = oldJ;
    // The curvature along the pair's direction, ‖φ(xᵢ) − φ(xⱼ)‖², is 2 − 2K_ij for either sign.
    const quad = Math.max(2 - 2 * ki[j], TAU);
    if (y[i] !== y[j]) {
      const delta = (-gi - gj) / quad;
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
      const delta = (gi - gj) / quad;
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
    setAlpha(state, i, ai);
    setAlpha(state, j, aj);
    // y_t ∇_t f moves by K_it yᵢΔαᵢ + K_jt yⱼΔαⱼ (active rows only; the others are rebuilt when they
    // return), and the pass finds the next pair's first index: max −y∇f over I_up.
    const di = (ai - oldI) * y[i];
    const dj = (aj - oldJ) * y[j];
    const { active, activeSize } = state;
    let gMax = -Infinity;
    first = -1;
    for (let a = 0; a < activeSize; a++) {
      const t = active[a];
      const v = yg[t] + ki[t] * di + kj[t] * dj;
      yg[t] = v;
      if (up[t] === 1 && -v >= gMax) {
        gMax = -v;
        first = t;
      }
    }
  }
  if (state.activeSize < n) reconstructGradient(state);
  const rho = offset(state);
  const decision = new Float64Array(n);
  // f(x_t) = Σ αᵢ yᵢ K_it − rho = y_t ∇_t f + 1·y_t − rho, from the gradient already at hand.
  for (let t = 0; t < n; t++) decision[t] = yg[t] + y[t] - rho;
  return { alpha, rho, decision, iterations, converged };
}

interface SolverState {
  kernel: KernelRows;
  alpha: Float64Array;
  /** y ∘ ∇f of the dual. */
  yg: Float64Array;
  y: Float64Array;
  /** 1 where yα may grow: y = +1 and α < C, or y = −1 and α > 0 (libsvm's I_up). */
  up: Uint8Array;
  /** 1 where yα may shrink: y = +1 and α > 0, or y = −1 and α < C (I_low). */
  low: Uint8Array;
  n: number;
  c: number;
  /** The rows SMO still considers; the first `activeSize` entries. */
  active: Int32Array;
  activeSize: number;
  /** Whether the whole problem was already brought back once near the tolerance (libsvm's). */
  unshrunk: boolean;
}

function setAlpha(state: SolverState, t: number, value: number): void {
  const { alpha, y, up, low, c } = state;
  alpha[t] = value;
  const below = value < c ? 1 : 0;
  const above = value > 0 ? 1 : 0;
  up[t] = y[t] > 0 ? below : above;
  low[t] = y[t] > 0 ? above : below;
}

/** The first index of libsvm's WSS 3: argmax −y∇f over I_up among the active rows (−1: none). */
function firstIndex(state: SolverState): number {
  const { yg, up, active, activeSize } = state;
  let gMax = -Infinity;
  let first = -1;
  for (let a = 0; a < activeSize; a++) {
    const t = active[a];
    if (up[t] === 1 && -yg[t] >= gMax) {
      gMax = -yg[t];
      first = t;
    }
  }
  return first;
}

/**
 * The second index of libsvm's WSS 3: over I_low, the row that with `i` decreases the objective
 * most to second order; −1 when the maximal violation is below `tol` (converged on the active rows).
 */
function secondIndex(state: SolverState, i: number, tol: number): number {
  if (i < 0) return -1;
  const { kernel, yg, low, active, activeSize } = state;
  const gMax = -yg[i];
  const ki = kernel.row(i);
  let gMax2 = -Infinity;
  let j = -1;
  let best = Infinity;
  for (let a = 0; a < activeSize; a++) {
    const t = active[a];
    if (low[t] === 0) continue;
    const v = yg[t];
    if (v >= gMax2) gMax2 = v;
    const gradDiff = gMax + v;
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
  return gMax + gMax2 < tol ? -1 : j;
}

/** libsvm's do_shrinking: drops bound rows that cannot violate optimality at this point. */
function shrink(state: SolverState, tol: number): void {
  // m(α) = max −y∇f over I_up, −M(α) = max y∇f over I_low, before any rebuild (as libsvm).
  const bounds = (): [number, number] => {
    const { yg, up: canUp, low: canLow, active, activeSize } = state;
    let upper = -Infinity;
    let lower = -Infinity;
    for (let a = 0; a < activeSize; a++) {
      const t = active[a];
      if (canUp[t] === 1 && -yg[t] > upper) upper = -yg[t];
      if (canLow[t] === 1 && yg[t] > lower) lower = yg[t];
    }
    return [upper, lower];
  };
  const [gMax1, gMax2] = bounds();
  if (!state.unshrunk && gMax1 + gMax2 <= 10 * tol) {
    state.unshrunk = true;
    reconstructGradient(state);
  }
  const { alpha, yg, y, c, active } = state;
  let kept = 0;
  for (let a = 0; a < state.activeSize; a++) {
    const t = active[a];
    // ∇f = y·(y∇f): libsvm's be_shrunk in terms of y∇f.
    let out = false;
    if (alpha[t] >= c) out = y[t] > 0 ? -yg[t] > gMax1 : yg[t] > gMax2;
    else if (alpha[t] <= 0) out = y[t] > 0 ? yg[t] > gMax2 : -yg[t] > gMax1;
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

/** Rebuilds y∇f of the rows outside the active set from the support vectors and activates all rows. */
function reconstructGradient(state: SolverState): void {
  const { alpha, yg, y, n, active, activeSize, kernel } = state;
  if (activeSize < n) {
    for (let a = activeSize; a < n; a++) yg[active[a]] = -y[active[a]];
    for (let j = 0; j < n; j++) {
      if (!(alpha[j] > 0)) continue;
      const kj = kernel.row(j);
      const w = alpha[j] * y[j];
      for (let a = activeSize; a < n; a++) {
        const t = active[a];
        yg[t] += kj[t] * w;
      }
    }
  }
  state.activeSize = n;
}

/** libsvm's rho: the mean of y∇f over the free α, or the middle of its feasible interval. */
function offset(state: SolverState): number {
  const { alpha, yg, y, n, c } = state;
  let free = 0;
  let sum = 0;
  let upper = Infinity;
  let lower = -Infinity;
  for (let t = 0; t < n; t++) {
    const v = yg[t];
    if (alpha[t] >= c) {
      if (y[t] < 0) upper = Math.min(upper, v);
      else lower = Math.max(lower, v);
    } else if (alpha[t] <= 0) {
      if (y[t] > 0) upper = Math.min(upper, v);
      else lower = Math.max(lower, v);
    } else {
      free++;
      sum += v;
    }
  }
  return free > 0 ? sum / free : (upper + lower) / 2;
}
