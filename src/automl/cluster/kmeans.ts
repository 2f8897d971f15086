// k-means (Lloyd's algorithm) over n points of d dimensions in one Float64Array (row-major), from
// k-means++ initial centres drawn with a seeded generator, so a run is reproducible and its initial
// centres can be handed to another implementation (scikit-learn's KMeans(init=centres, n_init=1,
// tol=0)) to check it. It stops when no point changes cluster, or after `iterations`.
import { InvalidInputError } from '../errors.js';
import { mulberry32 } from '../random.js';

export type ClusterDistance = 'euclidean' | 'squaredEuclidean';

export interface KMeansOptions {
  clusters: number;
  iterations: number;
  distance: ClusterDistance;
  seed?: number;
}

export interface KMeansResult {
  /** Each point's cluster, 0..k−1. */
  labels: Int32Array;
  /** k rows of d, row-major. */
  centres: Float64Array;
  initialCentres: Float64Array;
  /** Points per cluster. */
  sizes: number[];
  /** Each point's distance to its centre, in the chosen distance. */
  distances: Float64Array;
  /** Σ squared Euclidean distance of every point to its centre (scikit-learn's inertia_). */
  inertia: number;
  iterations: number;
  converged: boolean;
}

function squaredDistance(
  points: Float64Array,
  i: number,
  centres: Float64Array,
  c: number,
  d: number,
): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const diff = points[i * d + j] - centres[c * d + j];
    s += diff * diff;
  }
  return s;
}

/** k-means++: the first centre uniformly, each next one with probability ∝ its squared distance. */
export function kMeansPlusPlus(points: Float64Array, d: number, k: number, seed: number): Float64Array {
  const n = points.length / d;
  const random = mulberry32(seed);
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centres.set(points.subarray(pick * d, pick * d + d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(points, i, centres, c, d));
      total += nearest[i];
    }
    if (c === k - 1) break;
    let target = random() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i];
      if (target < 0) {
        pick = i;
        break;
      }
    }
  }
  return centres;
}

/** Runs k-means to the end at once. */
export function kMeans(points: Float64Array, d: number, options: KMeansOptions): KMeansResult {
  const run = kMeansIterations(points, d, options);
  for (;;) {
    const step = run.next();
    if (step.done === true) return step.value;
  }
}

/**
 * k-means one iteration at a time: yields the iterations done after each, returns the result, so a
 * caller on an event loop can let other work run between iterations.
 */
export function* kMeansIterations(
  points: Float64Array,
  d: number,
  options: KMeansOptions,
): Generator<number, KMeansResult> {
  const { clusters: k, iterations } = options;
  if (d < 1 || points.length % d !== 0) throw new InvalidInputError(`points of ${d} dimensions expected`);
  const n = points.length / d;
  if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`clusters must be >= 1, got ${k}`);
  if (n < k) throw new InvalidInputError(`${n} points cannot form ${k} clusters`);
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) throw new InvalidInputError(`point ${Math.floor(i / d)} is not finite`);
  }
  const initialCentres = kMeansPlusPlus(points, d, k, options.seed ?? 1);
  const centres = initialCentres.slice();
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const sizes = new Array<number>(k).fill(0);
  let done = 0;
  let converged = false;
  while (done < iterations) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const s = squaredDistance(points, i, centres, c, d);
        if (s < bestDistance) {
          bestDistance = s;
          best = c;
        }
      }
      if (labels[i] !== best) changed++;
      labels[i] = best;
    }
    done++;
    yield done;
    if (changed === 0) {
      converged = true;
      break;
    }
    sums.fill(0);
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      sizes[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += points[i * d + j];
    }
    // an emptied cluster keeps its centre (it can win points back next iteration)
    for (let c = 0; c < k; c++) {
      if (sizes[c] > 0) for (let j = 0; j < d; j++) centres[c * d + j] = sums[c * d + j] / sizes[c];
    }
  }
  sizes.fill(0);
  const distances = new Float64Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const s = squaredDistance(points, i, centres, labels[i], d);
    sizes[labels[i]]++;
    inertia += s;
    distances[i] = options.distance === 'euclidean' ? Math.sqrt(s) : s;
  }
  return { labels, centres, initialCentres, sizes, distances, inertia, iterations: done, converged };
}
