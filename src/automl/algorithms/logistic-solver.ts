// The two solvers of binary logistic regression with an L2 penalty on the coefficients (not the
// intercept), minimising mean log-loss + (l2/2)·‖β‖² over w = [β₁..β_p, β₀]:
// - Newton's method (IRLS) for few features, where the p × p Hessian costs about as much as a
//   gradient and Newton's handful of steps beats any first-order method;
// - L-BFGS for many features, where building XᵀWX (n·p²/2 products) per step would dominate: each
//   L-BFGS step is one pass over the rows (n·2p products), as scikit-learn's lbfgs solver does.
// Both stop only at the optimum to rounding level (not at a loose tolerance), so they answer the same
// coefficients (test/automl/logistic-sklearn.test.ts checks both against scikit-learn).

import { LANE_CONSTANT_BYTES, writeLaneConstants } from '../simd/exp-lanes.js';
import { simdKernels, type SimdKernels } from '../simd/kernels.js';
import { choleskyInPlace, choleskySolveInPlace } from './linear/cholesky.js';

/** Always-on ridge floor: keeps the Hessian invertible on separable windows with l2 = 0. */
export const MIN_L2 = 1e-8;
const NEWTON_ITERATIONS = 50;
const LBFGS_ITERATIONS = 500;
/** Remembered (step, gradient change) pairs of L-BFGS. */
const MEMORY = 10;

export interface Problem {
  x: Float64Array;
  y: Float64Array;
  n: number;
  p: number;
  l2: number;
  /** Set by `lbfgs` for the duration of the solve: the rows copied into the SIMD kernels' memory. */
  simd?: SimdRows;
}

/** Adds the loss of score z with label t to the running sum; returns the class-1 probability. */
function rowLoss(z: number, t: number, sum: { loss: number }): number {
  const e = Math.exp(-Math.abs(z));
  sum.loss += (z > 0 ? z : 0) + Math.log1p(e) - t * z;
  return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/**
 * Mean log-loss + (l2/2)·‖β‖² at w, in one pass over the rows: writes the gradient into `gradient`
 * and each row's class-1 probability into `prob` (the Newton step weights them). One exp and one
 * log1p per row serve both the loss and the probability. Eight rows at a time: each weight and
 * gradient entry is loaded once per eight rows instead of once per row.
 */
export function evaluate(
  problem: Problem,
  w: Float64Array,
  gradient: Float64Array,
  prob: Float64Array,
): number {
  if (problem.simd !== undefined) return evaluateSimd(problem, problem.simd, w, gradient, prob);
  const { x, y, n, p } = problem;
  gradient.fill(0);
  const sum = { loss: 0 };
  let g0 = 0;
  const intercept = w[p];
  let r = 0;
  for (; r + 7 < n; r += 8) {
    const o0 = r * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    const o4 = o3 + p;
    const o5 = o4 + p;
    const o6 = o5 + p;
    const o7 = o6 + p;
    let z0 = intercept;
    let z1 = intercept;
    let z2 = intercept;
    let z3 = intercept;
    let z4 = intercept;
    let z5 = intercept;
    let z6 = intercept;
    let z7 = intercept;
    for (let j = 0; j < p; j++) {
      const wj = w[j];
      z0 += wj * x[o0 + j];
      z1 += wj * x[o1 + j];
      z2 += wj * x[o2 + j];
      z3 += wj * x[o3 + j];
      z4 += wj * x[o4 + j];
      z5 += wj * x[o5 + j];
      z6 += wj * x[o6 + j];
      z7 += wj * x[o7 + j];
    }
    const r0 = (prob[r] = rowLoss(z0, y[r], sum)) - y[r];
    const r1 = (prob[r + 1] = rowLoss(z1, y[r + 1], sum)) - y[r + 1];
    const r2 = (prob[r + 2] = rowLoss(z2, y[r + 2], sum)) - y[r + 2];
    const r3 = (prob[r + 3] = rowLoss(z3, y[r + 3], sum)) - y[r + 3];
    const r4 = (prob[r + 4] = rowLoss(z4, y[r + 4], sum)) - y[r + 4];
    const r5 = (prob[r + 5] = rowLoss(z5, y[r + 5], sum)) - y[r + 5];
    const r6 = (prob[r + 6] = rowLoss(z6, y[r + 6], sum)) - y[r + 6];
    const r7 = (prob[r + 7] = rowLoss(z7, y[r + 7], sum)) - y[r + 7];
    for (let j = 0; j < p; j++) {
      gradient[j] +=
        r0 * x[o0 + j] +
        r1 * x[o1 + j] +
        r2 * x[o2 + j] +
        r3 * x[o3 + j] +
        (r4 * x[o4 + j] + r5 * x[o5 + j] + r6 * x[o6 + j] + r7 * x[o7 + j]);
    }
    g0 += r0 + r1 + r2 + r3 + r4 + r5 + r6 + r7;
  }
  for (; r < n; r++) {
    const o = r * p;
    let z = intercept;
    for (let j = 0; j < p; j++) z += w[j] * x[o + j];
    const residual = (prob[r] = rowLoss(z, y[r], sum)) - y[r];
    for (let j = 0; j < p; j++) gradient[j] += residual * x[o + j];
    g0 += residual;
  }
  return finish(problem, w, gradient, g0, sum.loss);
}

/** The mean, the penalty and the intercept's gradient: the end of both versions of `evaluate`. */
function finish(problem: Problem, w: Float64Array, gradient: Float64Array, g0: number, loss: number): number {
  const { n, p, l2 } = problem;
  let penalty = 0;
  for (let j = 0; j < p; j++) {
    penalty += w[j] * w[j];
    gradient[j] = gradient[j] / n + l2 * w[j];
  }
  gradient[p] = g0 / n;
  return loss / n + 0.5 * l2 * penalty;
}

/** Where `lbfgs` put the rows and its per-pass vectors in the SIMD kernels' memory (in doubles). */
interface SimdRows {
  kernels: SimdKernels;
  /** Features rounded up to even: the row stride of the row-major copy. */
  pp: number;
  /** Groups of eight rows (the last one padded with zero rows) in the pair layout. */
  quads: number;
  rowMajorAt: number;
  /** Rows two at a time, feature by feature (for X·w, one row per lane). */
  pairsAt: number;
  weightsAt: number;
  scoresAt: number;
  residualsAt: number;
  gradientAt: number;
  /** The labels (for the loss kernel), the probabilities it writes, its four sums, exp-lanes' constants. */
  labelsAt: number;
  probabilitiesAt: number;
  sumsAt: number;
  constantsAt: number;
  end: number;
}

function copyRows(kernels: SimdKernels, x: Float64Array, y: Float64Array, n: number, p: number): SimdRows {
  const pp = p + (p & 1);
  // Pairs of rows, four pairs per call of the scores kernel: the rows padded to a multiple of 8.
  const quads = (n + 7) >> 3;
  const rowMajorAt = 0;
  const pairsAt = n * pp;
  const weightsAt = pairsAt + quads * 8 * p;
  const scoresAt = weightsAt + pp + 2;
  const residualsAt = scoresAt + quads * 8;
  const gradientAt = residualsAt + n;
  const even = (at: number): number => at + (at & 1);
  const labelsAt = even(gradientAt + pp);
  const probabilitiesAt = even(labelsAt + n);
  const sumsAt = even(probabilitiesAt + n);
  const constantsAt = sumsAt + 4;
  const end = constantsAt + LANE_CONSTANT_BYTES / 8;
  const memory = kernels.workspace(end);
  // Zero only what the copies below leave: the padding column, the padding rows, the vectors.
  if (pp === p) memory.set(x.subarray(0, n * p), rowMajorAt);
  else {
    memory.fill(0, rowMajorAt, rowMajorAt + n * pp);
    for (let r = 0; r < n; r++) memory.set(x.subarray(r * p, r * p + p), rowMajorAt + r * pp);
  }
  memory.fill(0, pairsAt + (n >> 1) * 2 * p, end);
  kernels.interleave(rowMajorAt * 8, n >> 1, p, pp, pairsAt * 8);
  if (n & 1) for (let j = 0; j < p; j++) memory[pairsAt + (n - 1) * p + 2 * j] = x[(n - 1) * p + j];
  memory.set(y.subarray(0, n), labelsAt);
  writeLaneConstants(memory.buffer, constantsAt * 8);
  return {
    kernels,
    pp,
    quads,
    rowMajorAt,
    pairsAt,
    weightsAt,
    scoresAt,
    residualsAt,
    gradientAt,
    labelsAt,
    probabilitiesAt,
    sumsAt,
    constantsAt,
    end,
  };
}

/**
 * `evaluate` with X·w, the rows' losses and probabilities, and Xᵀr in the SIMD kernels: the same
 * products summed in the same order as the scalar version, but exp and log1p evaluated in the
 * lanes (simd/exp-lanes.ts) and the losses summed two lanes at a time, so the loss and gradient
 * agree with the scalar version's to rounding, not to the bit.
 */
function evaluateSimd(
  problem: Problem,
  rows: SimdRows,
  w: Float64Array,
  gradient: Float64Array,
  prob: Float64Array,
): number {
  const { x, y, n, p } = problem;
  const { kernels, pp, weightsAt, scoresAt, residualsAt, gradientAt, probabilitiesAt, sumsAt } = rows;
  const memory = kernels.workspace(rows.end);
  memory.set(w.subarray(0, p + 1), weightsAt);
  kernels.scores(rows.pairsAt * 8, rows.quads, p, weightsAt * 8, scoresAt * 8);
  // The groups of eight rows in the kernels; the last few rows below.
  let r = (n >> 3) << 3;
  kernels.logLoss(
    scoresAt * 8,
    rows.labelsAt * 8,
    r >> 1,
    residualsAt * 8,
    probabilitiesAt * 8,
    rows.constantsAt * 8,
    sumsAt * 8,
  );
  const sum = { loss: memory[sumsAt] + memory[sumsAt + 1] };
  let g0 = memory[sumsAt + 2] + memory[sumsAt + 3];
  prob.set(memory.subarray(probabilitiesAt, probabilitiesAt + r));
  memory.fill(0, gradientAt, gradientAt + pp);
  kernels.gradient(rows.rowMajorAt * 8, r >> 3, pp, residualsAt * 8, gradientAt * 8);
  for (let j = 0; j < p; j++) gradient[j] = memory[gradientAt + j];
  gradient[p] = 0;
  for (; r < n; r++) {
    const o = r * p;
    const residual = (prob[r] = rowLoss(memory[scoresAt + r], y[r], sum)) - y[r];
    for (let j = 0; j < p; j++) gradient[j] += residual * x[o + j];
    g0 += residual;
  }
  return finish(problem, w, gradient, g0, sum.loss);
}

/**
 * The lower triangle of Xᵀ·diag(weight)·X with a trailing column of ones (the intercept) into the
 * q×q row-major `out`, q = p + 1. Four rows per pass: each Hessian entry is loaded and stored once
 * per four rows instead of once per row, ~2× faster than row-by-row rank-one updates at p = 50.
 */
function weightedGram(x: Float64Array, n: number, p: number, weight: Float64Array, out: Float64Array): void {
  const q = p + 1;
  out.fill(0);
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const o0 = r * p;
    const o1 = o0 + p;
    const o2 = o1 + p;
    const o3 = o2 + p;
    const w0 = weight[r];
    const w1 = weight[r + 1];
    const w2 = weight[r + 2];
    const w3 = weight[r + 3];
    for (let j = 0; j < p; j++) {
      const a0 = w0 * x[o0 + j];
      const a1 = w1 * x[o1 + j];
      const a2 = w2 * x[o2 + j];
      const a3 = w3 * x[o3 + j];
      const row = j * q;
      for (let k = 0; k <= j; k++) {
        out[row + k] += a0 * x[o0 + k] + a1 * x[o1 + k] + a2 * x[o2 + k] + a3 * x[o3 + k];
      }
    }
    const last = p * q;
    for (let k = 0; k < p; k++) {
      out[last + k] += w0 * x[o0 + k] + w1 * x[o1 + k] + w2 * x[o2 + k] + w3 * x[o3 + k];
    }
    out[last + p] += w0 + w1 + w2 + w3;
  }
  for (; r < n; r++) {
    const o = r * p;
    const wr = weight[r];
    for (let j = 0; j < p; j++) {
      const a = wr * x[o + j];
      const row = j * q;
      for (let k = 0; k <= j; k++) out[row + k] += a * x[o + k];
    }
    const last = p * q;
    for (let k = 0; k < p; k++) out[last + k] += wr * x[o + k];
    out[last + p] += wr;
  }
}

/** Working state shared by both solvers: the current point, its value, gradient and probabilities. */
interface State {
  w: Float64Array;
  value: number;
  gradient: Float64Array;
  prob: Float64Array;
  trial: Float64Array;
  trialGradient: Float64Array;
  trialProb: Float64Array;
}

function startState(problem: Problem, w: Float64Array): State {
  const q = problem.p + 1;
  const state: State = {
    w,
    value: 0,
    gradient: new Float64Array(q),
    prob: new Float64Array(problem.n),
    trial: new Float64Array(q),
    trialGradient: new Float64Array(q),
    trialProb: new Float64Array(problem.n),
  };
  state.value = evaluate(problem, w, state.gradient, state.prob);
  return state;
}

/** Makes the trial point (already evaluated) the current one. */
function accept(state: State, value: number): void {
  state.w.set(state.trial);
  state.value = value;
  [state.gradient, state.trialGradient] = [state.trialGradient, state.gradient];
  [state.prob, state.trialProb] = [state.trialProb, state.prob];
}

/**
 * Backtracking along `direction` (a descent direction) from step `t`: the first step with
 * sufficient decrease (Armijo) is accepted. Returns false when none is found (rounding level).
 */
function lineSearch(problem: Problem, state: State, direction: Float64Array, t: number): boolean {
  const q = problem.p + 1;
  let slope = 0;
  for (let j = 0; j < q; j++) slope += state.gradient[j] * direction[j];
  if (!(slope < 0)) return false;
  for (let halving = 0; halving < 40; halving++) {
    for (let j = 0; j < q; j++) state.trial[j] = state.w[j] + t * direction[j];
    const value = evaluate(problem, state.trial, state.trialGradient, state.trialProb);
    if (value <= state.value + 1e-4 * t * slope) {
      accept(state, value);
      return true;
    }
    t /= 2;
  }
  return false;
}

/** Newton's method with step halving; stops when the Newton decrement is at rounding level. */
export function newton(problem: Problem, w: Float64Array): void {
  const { x, n, p } = problem;
  const q = p + 1;
  const state = startState(problem, w);
  const hessian = new Float64Array(q * q);
  const weight = new Float64Array(n);
  const step = new Float64Array(q);
  for (let iteration = 0; iteration < NEWTON_ITERATIONS; iteration++) {
    for (let r = 0; r < n; r++) weight[r] = Math.max(state.prob[r] * (1 - state.prob[r]), 1e-12);
    weightedGram(x, n, p, weight, hessian);
    for (let j = 0; j < q; j++) for (let k = 0; k <= j; k++) hessian[j * q + k] /= n;
    for (let j = 0; j < p; j++) hessian[j * q + j] += problem.l2;
    hessian[p * q + p] += MIN_L2;
    if (!choleskyInPlace(hessian, q, 1e-14)) return;
    for (let j = 0; j < q; j++) step[j] = -state.gradient[j];
    choleskySolveInPlace(hessian, q, step);
    // The Newton decrement gᵀH⁻¹g is twice the decrease the quadratic model predicts: once it is
    // at rounding level the optimum is reached, and a further pass over the rows changes nothing.
    let decrement = 0;
    for (let j = 0; j < q; j++) decrement -= state.gradient[j] * step[j];
    const converged = decrement < 1e-10 * Math.max(1, state.value);
    const before = state.value;
    if (!lineSearch(problem, state, step, 1) || converged) return;
    if (before - state.value < 1e-12 * Math.max(1, state.value)) return;
  }
}

/**
 * L-BFGS (two-loop recursion, Armijo backtracking). Stops when the gradient is at rounding level
 * relative to the loss, or when a step no longer changes the loss.
 */
export function lbfgs(problem: Problem, w: Float64Array): void {
  const kernels = simdKernels();
  // Below ~16 features (or a few dozen rows) the copy costs about what the kernels save.
  if (kernels === undefined || problem.n < 64 || problem.p < 16) {
    lbfgsSteps(problem, w);
    return;
  }
  // Each step is a pass over the rows: they are copied once into the kernels' memory.
  problem.simd = copyRows(kernels, problem.x, problem.y, problem.n, problem.p);
  try {
    lbfgsSteps(problem, w);
  } finally {
    problem.simd = undefined;
    // The copy of a large window's rows is not kept alive in the thread.
    kernels.release();
  }
}

function lbfgsSteps(problem: Problem, w: Float64Array): void {
  const q = problem.p + 1;
  const state = startState(problem, w);
  const s: Float64Array[] = [];
  const yDiff: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(MEMORY);
  const direction = new Float64Array(q);
  const previousW = new Float64Array(q);
  const previousGradient = new Float64Array(q);
  for (let iteration = 0; iteration < LBFGS_ITERATIONS; iteration++) {
    let gMax = 0;
    for (let j = 0; j < q; j++) gMax = Math.max(gMax, Math.abs(state.gradient[j]));
    if (gMax <= 1e-15) return;
    // Two-loop recursion: direction = −H·g with H the L-BFGS inverse-Hessian estimate.
    for (let j = 0; j < q; j++) direction[j] = -state.gradient[j];
    const m = s.length;
    for (let i = m - 1; i >= 0; i--) {
      let a = 0;
      for (let j = 0; j < q; j++) a += s[i][j] * direction[j];
      a *= rho[i];
      alpha[i] = a;
      for (let j = 0; j < q; j++) direction[j] -= a * yDiff[i][j];
    }
    if (m > 0) {
      let yy = 0;
      for (let j = 0; j < q; j++) yy += yDiff[m - 1][j] * yDiff[m - 1][j];
      const gamma = 1 / (rho[m - 1] * yy);
      for (let j = 0; j < q; j++) direction[j] *= gamma;
    }
    for (let i = 0; i < m; i++) {
      let b = 0;
      for (let j = 0; j < q; j++) b += yDiff[i][j] * direction[j];
      b *= rho[i];
      for (let j = 0; j < q; j++) direction[j] += (alpha[i] - b) * s[i][j];
    }
    // d approximates the Newton step w* − w: once it is below 1e-9 of the weights, the step is
    // taken and the search ends. −gᵀd estimates twice the remaining decrease: below 1e-10 of the
    // loss, rounding in the loss could fail a sufficient-decrease test on a good step, so the unit
    // step is taken without one (this close, quasi-Newton steps converge superlinearly).
    let decrement = 0;
    let stepMax = 0;
    let wMax = 1;
    for (let j = 0; j < q; j++) {
      decrement -= state.gradient[j] * direction[j];
      stepMax = Math.max(stepMax, Math.abs(direction[j]));
      wMax = Math.max(wMax, Math.abs(state.w[j]));
    }
    if (m > 0 && stepMax <= 1e-9 * wMax) {
      for (let j = 0; j < q; j++) state.w[j] += direction[j];
      return;
    }
    previousW.set(state.w);
    previousGradient.set(state.gradient);
    const before = state.value;
    if (m > 0 && decrement >= 0 && decrement < 1e-10 * Math.max(1, state.value)) {
      for (let j = 0; j < q; j++) state.trial[j] = state.w[j] + direction[j];
      accept(state, evaluate(problem, state.trial, state.trialGradient, state.trialProb));
    } else {
      if (m === 0) {
        // No curvature pairs yet: the diagonal of the Hessian where the search starts (every
        // coefficient 0, so weight = mean p(1 − p); the features are standardised) scales −g.
        let c = 0;
        for (let r = 0; r < problem.n; r++) c += state.prob[r] * (1 - state.prob[r]);
        c = c / problem.n + problem.l2;
        for (let j = 0; j < q; j++) direction[j] /= c;
      }
      if (!lineSearch(problem, state, direction, 1)) return;
      if (before - state.value <= 1e-16 * Math.max(1, Math.abs(state.value))) return;
    }
    const newS = m === MEMORY ? s.shift()! : new Float64Array(q);
    const newY = m === MEMORY ? yDiff.shift()! : new Float64Array(q);
    if (m === MEMORY) rho.shift();
    let sy = 0;
    for (let j = 0; j < q; j++) {
      newS[j] = state.w[j] - previousW[j];
      newY[j] = state.gradient[j] - previousGradient[j];
      sy += newS[j] * newY[j];
    }
    // The loss is strictly convex, so sᵀy > 0 but for rounding; a pair without curvature is dropped.
    if (sy > 0) {
      s.push(newS);
      yDiff.push(newY);
      rho.push(1 / sy);
    }
  }
}
