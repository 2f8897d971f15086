// Gaussian-process regression (posterior mean) with an RBF kernel and fixed hyperparameters chosen by
// the candidate search. Hand-written: no GP package exists on npm, and the hand Cholesky measured
// 2.6× faster than ml-matrix's (ml-stack.md §3d).

import type { Algorithm, Hyperparameters, ModelParameters } from '../algorithm.js';
import { AutoMLError } from '../errors.js';
import { decodedOnce, decodeFloat64, encodeFloat64 } from './encoding.js';
import { numberParameter } from './hyperparameters.js';
import { choleskyInPlace, choleskySolveInPlace } from './linear/cholesky.js';
import { requireRows } from './linear/linear-model.js';

/**
 * Fitting is O(m³) in the m rows kept (a fraction of a second at 1,500 rows: docs/benchmarks.md),
 * so at most `maxRows` rows are used, 1,500 by default and 3,000 at most; larger
 * windows keep their newest rows and record the fallback. The model stores those rows and α (base64,
 * ≈ 0.1 MB at 1,500 × 5).
 */
export const GP_DEFAULT_MAX_ROWS = 1_500;
export const GP_MAX_ROWS_LIMIT = 3_000;
/**
 * The stored rows are also capped at 60,000 numbers (rows × (features + 1)), so the base64 JSON
 * stays under ~0.7 MB for Kafka's 1 MB default message size (1,176 rows at 50 features).
 */
export const GP_MAX_STORED_VALUES = 60_000;
const SEARCH_MAX_ROWS = 500;
const SEARCH_ROWS_CANDIDATES = 4;

interface GaussianProcessParameters extends ModelParameters {
  rows: number;
  lengthScale: number;
  x: string;
  alpha: string;
  yMean: number;
  yScale: number;
  fallbacks?: string[];
}

export const gaussianProcess: Algorithm = {
  name: 'gp',
  tasks: ['regression'],
  defaults: (space) => ({ lengthScale: Math.sqrt(Math.max(1, space.features)), noise: 0.01 }),
  candidates(space, count, random) {
    const base = Math.sqrt(Math.max(1, space.features));
    const grid: Array<[number, number]> = [
      [1, 0.01],
      [0.5, 0.01],
      [2, 0.01],
      [1, 0.1],
      [0.5, 0.1],
      [0.25, 0.01],
      [1, 0.001],
    ];
    const out: Hyperparameters[] = [];
    for (let i = 0; i < count; i++) {
      const [scale, noise] =
        i < grid.length
          ? grid[i]
          : [
              Math.exp(Math.log(0.2) + random() * Math.log(15)),
              Math.exp(Math.log(1e-3) + random() * Math.log(300)),
            ];
      // The first configurations learn from the newest 500 rows (O(m³): about 1/27 of the cost at
      // 1,500), so a 10-candidate search stays fit for micro-model retraining; larger searches also
      // try the full cap.
      out.push({
        lengthScale: base * scale,
        noise,
        maxRows: i < SEARCH_ROWS_CANDIDATES ? SEARCH_MAX_ROWS : GP_DEFAULT_MAX_ROWS,
      });
    }
    return out;
  },
  fit(data, hyperparameters) {
    const lengthScale = numberParameter(
      'gp',
      hyperparameters,
      'lengthScale',
      Math.sqrt(Math.max(1, data.features)),
      {
        min: 0,
        exclusiveMin: true,
      },
    );
    const noise = numberParameter('gp', hyperparameters, 'noise', 0.01, { min: 0, exclusiveMin: true });
    const maxRows = numberParameter('gp', hyperparameters, 'maxRows', GP_DEFAULT_MAX_ROWS, {
      min: 1,
      max: GP_MAX_ROWS_LIMIT,
      integer: true,
    });
    requireRows('gp', data);
    const p = data.features;
    const m = Math.min(data.rows, maxRows, Math.max(1, Math.floor(GP_MAX_STORED_VALUES / (p + 1))));
    const first = data.rows - m;
    const fallbacks: string[] = [];
    if (m < data.rows)
      fallbacks.push(`gp keeps the newest ${m} of ${data.rows} rows (fit time and model size cap)`);
    const x = data.x.slice(first * p, data.rows * p);
    const y = data.y.subarray(first, data.rows);

    // The target is standardised so the kernel's unit signal variance and the noise are relative.
    let yMean = 0;
    for (let i = 0; i < m; i++) yMean += y[i];
    yMean /= m;
    let v = 0;
    for (let i = 0; i < m; i++) v += (y[i] - yMean) ** 2;
    const yScale = Math.sqrt(v / m) > 0 ? Math.sqrt(v / m) : 1;

    const gamma = 1 / (2 * lengthScale * lengthScale);
    // The kernel goes into the upper triangle; Cholesky reads and overwrites only the lower one, so
    // a retry with more noise restores the lower triangle from the upper without a second m×m copy.
    const factor = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        let d = 0;
        for (let f = 0; f < p; f++) {
          const diff = x[i * p + f] - x[j * p + f];
          d += diff * diff;
        }
        factor[i * m + j] = Math.exp(-gamma * d);
      }
    }
    let jitter = noise;
    for (let attempt = 0; ; attempt++) {
      for (let i = 0; i < m; i++) {
        factor[i * m + i] = 1 + jitter;
        for (let j = 0; j < i; j++) factor[i * m + j] = factor[j * m + i];
      }
      if (choleskyInPlace(factor, m, 1e-13)) break;
      if (attempt === 6)
        throw new AutoMLError('gp: kernel matrix not positive definite even with added noise');
      jitter *= 10;
    }
    if (jitter !== noise)
      fallbacks.push(`gp: kernel ill-conditioned, noise raised from ${noise} to ${jitter}`);
    const alpha = new Float64Array(m);
    for (let i = 0; i < m; i++) alpha[i] = (y[i] - yMean) / yScale;
    choleskySolveInPlace(factor, m, alpha);
    const parameters: GaussianProcessParameters = {
      rows: m,
      lengthScale,
      x: encodeFloat64(x),
      alpha: encodeFloat64(alpha),
      yMean,
      yScale,
    };
    if (fallbacks.length > 0) parameters.fallbacks = fallbacks;
    return parameters;
  },
  predict(parameters, x, rows, p, out) {
    const params = parameters as GaussianProcessParameters;
    const { train, alpha } = decodedOnce(params, () => ({
      train: decodeFloat64(params.x),
      alpha: decodeFloat64(params.alpha),
    }));
    const gamma = 1 / (2 * params.lengthScale * params.lengthScale);
    for (let r = 0; r < rows; r++) {
      const q = r * p;
      let s = 0;
      for (let i = 0; i < params.rows; i++) {
        const t = i * p;
        let d = 0;
        for (let f = 0; f < p; f++) {
          const diff = x[q + f] - train[t + f];
          d += diff * diff;
        }
        s += alpha[i] * Math.exp(-gamma * d);
      }
      out[r] = params.yMean + params.yScale * s;
    }
  },
};
