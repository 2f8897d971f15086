// k-nearest neighbours on the standardised rows (k-d tree or brute force, see knn-search.ts and
// knn-blocked.ts), for regression (weighted mean) and
// classification (weighted share of class 1 = probability). Hand-written: ml-knn is
// classification-only and its predict measured 45× slower than brute force (ml-stack.md §3c).

import type { Algorithm, Hyperparameters, ModelParameters } from '../algorithm.js';
import { decodedOnce, decodeFloat64, encodeFloat64 } from './encoding.js';
import { choiceParameter, numberParameter } from './hyperparameters.js';
import { BlockedBruteForce } from './knn-blocked.js';
import {
  KD_TREE_MAX_FEATURES,
  neighbourBuffer,
  neighbourSearch,
  type NeighbourSearch,
} from './knn-search.js';
import { requireRows } from './linear/linear-model.js';

/**
 * The model carries its training rows, so they are capped: at most 5,000 rows and at most 60,000
 * stored numbers (rows × (features + 1)), keeping the base64 JSON under ~0.7 MB for Kafka's 1 MB
 * default message size. When the window is larger, the newest rows are kept (a stream's recent
 * behaviour is what the next prediction should resemble) and the fallback is recorded.
 */
export const KNN_MAX_ROWS = 5_000;
export const KNN_MAX_STORED_VALUES = 60_000;

type Weighting = 'uniform' | 'distance';

interface KnnParameters extends ModelParameters {
  k: number;
  weights: Weighting;
  rows: number;
  x: string;
  y: string;
  fallbacks?: string[];
}

const K_GRID = [5, 10, 3, 20, 1, 15, 30, 7, 50, 2];

export const knn: Algorithm = {
  name: 'knn',
  tasks: ['regression', 'classification'],
  defaults: () => ({ k: 5, weights: 'uniform' }),
  candidates(space, count, random) {
    const out: Hyperparameters[] = [];
    const maxK = Math.max(1, Math.min(50, space.rows));
    for (let i = 0; out.length < count && i < 4 * count + 20; i++) {
      const k = i < K_GRID.length ? K_GRID[i] : 1 + Math.floor(random() * maxK);
      if (k > maxK) continue;
      out.push({ k, weights: i % 2 === 0 ? 'uniform' : 'distance' });
    }
    return out;
  },
  fit(data, hyperparameters) {
    const k = numberParameter('knn', hyperparameters, 'k', 5, { min: 1, integer: true });
    const weights = choiceParameter<Weighting>('knn', hyperparameters, 'weights', 'uniform', [
      'uniform',
      'distance',
    ]);
    requireRows('knn', data);
    const p = data.features;
    const cap = Math.max(1, Math.min(KNN_MAX_ROWS, Math.floor(KNN_MAX_STORED_VALUES / (p + 1))));
    const stored = Math.min(data.rows, cap);
    const first = data.rows - stored;
    const fallbacks: string[] = [];
    if (stored < data.rows) {
      fallbacks.push(`knn keeps the newest ${stored} of ${data.rows} rows (model size cap)`);
    }
    let kUsed = k;
    if (k > stored) {
      kUsed = stored;
      fallbacks.push(`knn: k = ${k} exceeds the ${stored} stored rows; k = ${stored} used`);
    }
    const parameters: KnnParameters = {
      k: kUsed,
      weights,
      rows: stored,
      x: encodeFloat64(data.x.slice(first * p, data.rows * p)),
      y: encodeFloat64(data.y.slice(first, data.rows)),
    };
    if (fallbacks.length > 0) parameters.fallbacks = fallbacks;
    return parameters;
  },
  predict(parameters, x, rows, p, out) {
    const params = parameters as KnnParameters;
    // The search structure (a k-d tree in low dimensions) is built once per model, like the decoding.
    const decoded = decodedOnce(params, () => ({
      train: decodeFloat64(params.x),
      target: decodeFloat64(params.y),
      searcher: undefined as NeighbourSearch | BlockedBruteForce | undefined,
    }));
    const { train, target } = decoded;
    const n = params.rows;
    const k = Math.min(params.k, n);
    const neighbours = neighbourBuffer(k);
    const { index: nearest, distance } = neighbours;
    const visit = (r: number): void => {
      const found = neighbours.found;
      if (params.weights === 'uniform' || distance[0] === 0) {
        // With distance weights an exact match would get infinite weight: average the exact matches.
        let s = 0;
        let c = 0;
        for (let j = 0; j < found; j++) {
          if (params.weights === 'distance' && distance[j] !== 0) break;
          s += target[nearest[j]];
          c++;
        }
        out[r] = s / c;
      } else {
        let s = 0;
        let w = 0;
        for (let j = 0; j < found; j++) {
          const wj = 1 / Math.sqrt(distance[j]);
          s += wj * target[nearest[j]];
          w += wj;
        }
        out[r] = s / w;
      }
    };
    // The search structure is built once per model, like the decoding: a k-d tree in low
    // dimensions, the blocked scan of many queries at once in high ones (same neighbours).
    decoded.searcher ??=
      p > KD_TREE_MAX_FEATURES ? new BlockedBruteForce(train, n, p, k) : neighbourSearch(train, n, p, k);
    const searcher = decoded.searcher;
    if (searcher instanceof BlockedBruteForce) {
      searcher.searchAll(x, rows, neighbours, visit);
      return;
    }
    for (let r = 0; r < rows; r++) {
      searcher.search(x, r * p, neighbours);
      visit(r);
    }
  },
};
