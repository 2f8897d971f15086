// Support-vector classification (C-SVC) with an RBF kernel: the dual solved by SMO (svm-solver.ts),
// probabilities by Platt scaling of the decision value. The one kernel method among the
// classifiers: on boundaries that are smooth but curved (two interleaved clusters, Phishing's), a
// margin in the kernel's space beats both the axis-aligned trees and the linear models.

import type { Algorithm, Hyperparameters } from '../algorithm.js';
import { logUniform } from '../random.js';
import { decodedOnce, decodeFloat64, encodeFloat64 } from './encoding.js';
import { numberParameter } from './hyperparameters.js';
import { requireRows } from './linear/linear-model.js';
import { RbfRows } from '../simd/rbf-kernel.js';
import { rbf, solveSvm } from './svm-solver.js';
import { decodeFloat32, encodeArray } from './trees/encoding.js';

/**
 * SMO keeps the kernel rows it touches (up to m² numbers), so at most `maxRows` rows are learnt
 * from, 2,000 by default and 3,000 at most (72 MB of kernel rows); larger windows keep their newest
 * rows and record the fallback.
 */
export const SVM_DEFAULT_MAX_ROWS = 2_000;
export const SVM_MAX_ROWS_LIMIT = 3_000;
/**
 * The support vectors are stored as Float32 (≈ 0.64 MB of base64 at most, under Kafka's 1 MB
 * default message size): the rows learnt from are capped at this many numbers (1,875 rows at 64
 * features).
 */
export const SVM_MAX_STORED_VALUES = 120_000;
/** libsvm's and scikit-learn's default stopping tolerance. */
const TOLERANCE = 1e-3;
/** Iterations per row learnt from before the solver stops unconverged (records a fallback). */
const ITERATIONS_PER_ROW = 200;

/** (C, γ × features) in the order the search tries them: scikit-learn's default first. */
const GRID: Array<[number, number]> = [
  [1, 1],
  [10, 1],
  [1, 0.25],
  [10, 0.25],
  [0.3, 1],
  [100, 0.25],
  [3, 3],
  [1, 0.05],
];

interface SvmParameters {
  [key: string]: unknown;
  gamma: number;
  /** The support vectors, rows × features (Float32 base64). */
  supportVectors: string;
  /** αᵢ yᵢ per support vector (Float64 base64). */
  dualCoefficients: string;
  rho: number;
  /** P(class 1) = σ(probabilityScale × decision value) (Platt's sigmoid through the origin). */
  probabilityScale: number;
  fallbacks?: string[];
}

export const svm: Algorithm = {
  name: 'svm',
  tasks: ['classification'],
  defaults: (space) => ({ C: 1, gamma: 1 / Math.max(1, space.features) }),
  candidates(space, count, random) {
    const p = Math.max(1, space.features);
    const out: Hyperparameters[] = [];
    for (let i = 0; i < count; i++) {
      const [c, g] =
        i < GRID.length ? GRID[i] : [logUniform(random, 0.03, 300), logUniform(random, 0.02, 10)];
      out.push({ C: c, gamma: g / p });
    }
    return out;
  },
  fit(data, hyperparameters) {
    const p = data.features;
    const c = numberParameter('svm', hyperparameters, 'C', 1, { min: 0, exclusiveMin: true });
    const gamma = numberParameter('svm', hyperparameters, 'gamma', 1 / Math.max(1, p), {
      min: 0,
      exclusiveMin: true,
    });
    const maxRows = numberParameter('svm', hyperparameters, 'maxRows', SVM_DEFAULT_MAX_ROWS, {
      min: 1,
      max: SVM_MAX_ROWS_LIMIT,
      integer: true,
    });
    requireRows('svm', data);
    const m = Math.min(data.rows, maxRows, Math.max(1, Math.floor(SVM_MAX_STORED_VALUES / Math.max(1, p))));
    const first = data.rows - m;
    const fallbacks: string[] = [];
    if (m < data.rows)
      fallbacks.push(
        `svm learns from the newest ${m} of ${data.rows} rows (kernel memory and model size cap)`,
      );
    // Rounded to Float32 before the fit, so the stored support vectors are the rows it learnt from.
    const x = Float64Array.from(new Float32Array(data.x.subarray(first * p, data.rows * p)));
    const y = new Float64Array(m);
    let ones = 0;
    for (let r = 0; r < m; r++) {
      y[r] = data.y[first + r] === 1 ? 1 : -1;
      if (y[r] > 0) ones++;
    }
    if (ones === 0 || ones === m) {
      // One class only: no margin to find. A constant Laplace-smoothed probability, as logistic does.
      const rate = (ones + 0.5) / (m + 1);
      fallbacks.push('svm: one class in the training rows; constant (smoothed) probability');
      return constantModel(gamma, Math.log(rate / (1 - rate)), fallbacks);
    }
    const solution = solveSvm({
      x,
      y,
      rows: m,
      features: p,
      c,
      gamma,
      tol: TOLERANCE,
      maxIterations: ITERATIONS_PER_ROW * m,
    });
    if (!solution.converged)
      fallbacks.push(
        `svm: stopped after ${solution.iterations} iterations before reaching tolerance ${TOLERANCE}`,
      );
    let count = 0;
    for (let r = 0; r < m; r++) if (solution.alpha[r] > 0) count++;
    const vectors = new Float32Array(count * p);
    const coefficients = new Float64Array(count);
    for (let r = 0, s = 0; r < m; r++) {
      if (!(solution.alpha[r] > 0)) continue;
      vectors.set(x.subarray(r * p, (r + 1) * p), s * p);
      coefficients[s++] = solution.alpha[r] * y[r];
    }
    const parameters: SvmParameters = {
      gamma,
      supportVectors: encodeArray(vectors),
      dualCoefficients: encodeFloat64(coefficients),
      rho: solution.rho,
      probabilityScale: plattScale(solution.decision, y),
    };
    if (fallbacks.length > 0) parameters.fallbacks = fallbacks;
    return parameters;
  },
  predict(parameters, x, rows, p, out) {
    const params = parameters as SvmParameters;
    svmDecision(params, x, rows, p, out);
    for (let r = 0; r < rows; r++) out[r] = sigmoid(params.probabilityScale * out[r]);
  },
};

/** Writes the decision values Σ αᵢyᵢK(xᵢ, x) − rho (positive: class 1) of `rows` rows into `out`. */
export function svmDecision(
  parameters: object,
  x: Float64Array,
  rows: number,
  p: number,
  out: Float64Array,
): void {
  const params = parameters as SvmParameters;
  // One path for a model's every prediction, batch or single row, so both give the same bits: the
  // SIMD kernel rows (against every support vector) where the engine has them when first used.
  const { vectors, coefficients, simd } = decodedOnce(params, () => {
    const sv = Float64Array.from(decodeFloat32(params.supportVectors, 'supportVectors'));
    const alpha = decodeFloat64(params.dualCoefficients);
    return { vectors: sv, coefficients: alpha, simd: RbfRows.of(sv, alpha.length, p, params.gamma) };
  });
  const count = coefficients.length;
  const k = simd === undefined ? undefined : new Float64Array(count);
  for (let r = 0; r < rows; r++) {
    let f = -params.rho;
    if (simd !== undefined && k !== undefined) {
      simd.row(x, r * p, k);
      for (let s = 0; s < count; s++) f += coefficients[s] * k[s];
    } else for (let s = 0; s < count; s++) f += coefficients[s] * rbf(vectors, s, x, r, p, params.gamma);
    out[r] = f;
  }
}

function constantModel(gamma: number, logOdds: number, fallbacks: string[]): SvmParameters {
  return {
    gamma,
    supportVectors: encodeArray(new Float32Array(0)),
    dualCoefficients: encodeFloat64(new Float64Array(0)),
    rho: -logOdds,
    probabilityScale: 1,
    fallbacks,
  };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Platt's sigmoid σ(a·f) fitted to the training rows' decision values with his smoothed targets
 * ((N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2)), which temper the optimism of in-sample values; through the
 * origin (no offset), so the class a probability ≥ ½ names is the SVM's own sign. Newton on the
 * convex one-dimensional log-loss, halving steps that do not descend.
 */
export function plattScale(decision: Float64Array, y: Float64Array): number {
  const n = decision.length;
  let positives = 0;
  for (let r = 0; r < n; r++) if (y[r] > 0) positives++;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (n - positives + 2);
  const loss = (a: number): number => {
    let s = 0;
    for (let r = 0; r < n; r++) {
      const z = a * decision[r];
      const t = y[r] > 0 ? hi : lo;
      // −[t log σ(z) + (1 − t) log(1 − σ(z))], stable for large |z|.
      s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - t * z;
    }
    return s;
  };
  let a = 1;
  let current = loss(a);
  for (let step = 0; step < 50; step++) {
    let gradient = 0;
    let curvature = 0;
    for (let r = 0; r < n; r++) {
      const q = sigmoid(a * decision[r]);
      const t = y[r] > 0 ? hi : lo;
      gradient += (q - t) * decision[r];
      curvature += q * (1 - q) * decision[r] * decision[r];
    }
    if (!(curvature > 0) || Math.abs(gradient) < 1e-10 * n) break;
    let move = -gradient / curvature;
    let next = a + move;
    let nextLoss = loss(next);
    while (!(nextLoss <= current) && Math.abs(move) > 1e-12) {
      move /= 2;
      next = a + move;
      nextLoss = loss(next);
    }
    if (!(nextLoss <= current)) break;
    const done = Math.abs(next - a) < 1e-9 * Math.max(1, Math.abs(a));
    a = next;
    current = nextLoss;
    if (done) break;
  }
  return a;
}
