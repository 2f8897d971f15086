import type { Algorithm, Hyperparameters } from '../../algorithm.js';
import { logUniform } from '../../random.js';
import { numberParameter } from '../hyperparameters.js';
import { centredGram, type CentredGram } from './gram.js';
import { linearParameters, predictLinear, requireRows } from './linear-model.js';
import { interceptFor } from './solve.js';

const MAX_SWEEPS = 1000;
const TOLERANCE = 1e-7;

/**
 * Elastic net by cyclic coordinate descent on the centred Gram matrix ("covariance updates", as in
 * glmnet): minimises (1/2n)·‖y − Xβ‖² + λ·(α‖β‖₁ + (1 − α)/2·‖β‖²). With G and c built once, a sweep
 * costs O(p²) whatever the number of rows. λ is given as `lambdaRatio` = λ / λmax, where λmax is the
 * smallest λ that zeroes every coefficient, so the same candidate grid fits any target scale.
 */
export function elasticNet(system: CentredGram, lambdaRatio: number, l1Ratio: number): Float64Array {
  const p = system.features;
  const { gram, xty } = system;
  const beta = new Float64Array(p);
  let lambdaMax = 0;
  for (let j = 0; j < p; j++) lambdaMax = Math.max(lambdaMax, Math.abs(xty[j]));
  lambdaMax /= Math.max(l1Ratio, 1e-3);
  const lambda = lambdaRatio * lambdaMax;
  if (lambdaMax === 0) return beta;
  const l1 = lambda * l1Ratio;
  const l2 = lambda * (1 - l1Ratio);
  // residual correlations r = c − Gβ, updated in O(p) per coordinate change
  const r = Float64Array.from(xty);
  let scale = 0;
  for (let j = 0; j < p; j++) scale = Math.max(scale, gram[j * p + j]);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let maxChange = 0;
    for (let j = 0; j < p; j++) {
      const gjj = gram[j * p + j];
      const denominator = gjj + l2;
      if (!(denominator > 1e-12 * Math.max(1, scale))) continue;
      const z = r[j] + gjj * beta[j];
      const updated = z > l1 ? (z - l1) / denominator : z < -l1 ? (z + l1) / denominator : 0;
      const delta = updated - beta[j];
      if (delta === 0) continue;
      beta[j] = updated;
      const gj = j * p;
      for (let k = 0; k < p; k++) r[k] -= gram[gj + k] * delta;
      maxChange = Math.max(maxChange, Math.abs(delta) * Math.sqrt(gjj));
    }
    if (maxChange < TOLERANCE * Math.max(1, Math.sqrt(system.yVariance))) break;
  }
  return beta;
}

const RATIOS = [1e-3, 1e-2, 1e-1, 3e-2, 3e-3];

function candidates(count: number, random: () => number, withL1Ratio: boolean): Hyperparameters[] {
  const out: Hyperparameters[] = [];
  const l1Grid = [0.5, 0.9, 0.2];
  for (let i = 0; i < count; i++) {
    const lambdaRatio = i < RATIOS.length ? RATIOS[i] : logUniform(random, 1e-4, 0.5);
    if (!withL1Ratio) out.push({ lambdaRatio });
    else out.push({ lambdaRatio, l1Ratio: i < l1Grid.length ? l1Grid[i] : 0.05 + 0.95 * random() });
  }
  return out;
}

function fit(name: string, withL1Ratio: boolean) {
  return (data: Parameters<Algorithm['fit']>[0], hyperparameters: Hyperparameters) => {
    const lambdaRatio = numberParameter(name, hyperparameters, 'lambdaRatio', RATIOS[0], { min: 0 });
    const l1Ratio = withL1Ratio
      ? numberParameter(name, hyperparameters, 'l1Ratio', 0.5, { min: 0, max: 1 })
      : 1;
    requireRows(name, data);
    const system = centredGram(data.x, data.rows, data.features, data.y);
    const beta = elasticNet(system, lambdaRatio, l1Ratio);
    return linearParameters(interceptFor(system, beta), beta, undefined);
  };
}

export const lasso: Algorithm = {
  name: 'lasso',
  tasks: ['regression'],
  defaults: () => ({ lambdaRatio: RATIOS[0] }),
  candidates: (_space, count, random) => candidates(count, random, false),
  fit: fit('lasso', false),
  predict: predictLinear,
};

export const elasticNetAlgorithm: Algorithm = {
  name: 'elastic_net',
  tasks: ['regression'],
  defaults: () => ({ lambdaRatio: RATIOS[0], l1Ratio: 0.5 }),
  candidates: (_space, count, random) => candidates(count, random, true),
  fit: fit('elastic_net', true),
  predict: predictLinear,
};
