// Spreading `modelruns` candidate configurations over the algorithms of a task. Every algorithm
// first gets its most promising configuration (round-robin in priority order), then the remaining
// runs go round-robin to the algorithms that still have new configurations to offer, so ten runs
// over ten algorithms try each family once and a hundred runs also tune each family.

import type { Algorithm, Hyperparameters, SearchSpace } from '../algorithm.js';
import { deriveSeed, mulberry32 } from '../random.js';

export interface Candidate {
  /** Position in the plan; also the deterministic tie-breaker of the leaderboard. */
  index: number;
  algorithm: string;
  hyperparameters: Hyperparameters;
}

/**
 * The order algorithms are tried in when `modelruns` is smaller than the number of algorithms:
 * strong, cheap families first. Algorithms not listed (newly registered ones) follow in registry order.
 */
export const ALGORITHM_PRIORITY = [
  'ridge',
  'gbdt',
  'logistic',
  'extra_trees',
  'random_forest',
  'poly2_ridge',
  'svm',
  'knn',
  'ols',
  'elastic_net',
  'lasso',
  'cart',
  'gp',
];

export function byPriority(algorithms: readonly Algorithm[]): Algorithm[] {
  const rank = (a: Algorithm): number => {
    const i = ALGORITHM_PRIORITY.indexOf(a.name);
    return i < 0 ? ALGORITHM_PRIORITY.length : i;
  };
  return algorithms
    .map((a, i) => ({ a, i }))
    .sort((u, v) => rank(u.a) - rank(v.a) || u.i - v.i)
    .map((e) => e.a);
}

/**
 * Linear in `modelruns`: each algorithm is asked for its list once per doubling of the share it can
 * be given (a generator's list for n is a prefix of its list for more, as every generator draws in
 * sequence), so the whole plan costs O(modelruns · algorithms) proposals, never modelruns².
 */
export function planCandidates(
  algorithms: readonly Algorithm[],
  space: SearchSpace,
  modelruns: number,
  seed: number,
): Candidate[] {
  const ordered = byPriority(algorithms);
  const lists = new Map<string, Hyperparameters[]>();
  // An algorithm is exhausted when its generator offered fewer distinct configurations than asked.
  const exhausted = new Set<string>();
  const propose = (a: Algorithm, count: number): void => {
    // A fresh generator from the same seed each time: algorithms do not disturb each other's draws.
    const list = dedupe(a.candidates(space, count, mulberry32(deriveSeed(seed, a.name))));
    lists.set(a.name, list);
    if (list.length < count) exhausted.add(a.name);
  };
  let asked = Math.min(modelruns, Math.ceil(modelruns / ordered.length) + 1);
  for (const a of ordered) propose(a, asked);
  let quota: Map<string, number>;
  for (;;) {
    quota = roundRobin(ordered, lists, modelruns);
    // Ask again only when some algorithm used up everything it was asked for and may offer more.
    const short = ordered.filter(
      (a) => !exhausted.has(a.name) && (quota.get(a.name) ?? 0) >= (lists.get(a.name)?.length ?? 0),
    );
    if (short.length === 0 || asked >= modelruns) break;
    asked = Math.min(modelruns, 2 * asked);
    for (const a of short) propose(a, asked);
  }
  const plan: Candidate[] = [];
  for (let round = 0; ; round++) {
    let any = false;
    for (const a of ordered) {
      const list = lists.get(a.name) ?? [];
      if (round < (quota.get(a.name) ?? 0)) {
        plan.push({ index: plan.length, algorithm: a.name, hyperparameters: list[round] });
        any = true;
      }
    }
    if (!any) break;
  }
  return plan;
}

/**
 * How many runs each algorithm gets: one each in priority order, again and again, skipping the
 * algorithms whose (current) list is used up, until `modelruns` are given out.
 */
function roundRobin(
  ordered: readonly Algorithm[],
  lists: ReadonlyMap<string, Hyperparameters[]>,
  modelruns: number,
): Map<string, number> {
  const quota = new Map<string, number>(ordered.map((a) => [a.name, 0]));
  let remaining = modelruns;
  for (let round = 0; remaining > 0; round++) {
    let any = false;
    for (const a of ordered) {
      if (remaining === 0) break;
      if (round < (lists.get(a.name)?.length ?? 0)) {
        quota.set(a.name, round + 1);
        remaining--;
        any = true;
      }
    }
    if (!any) break;
  }
  return quota;
}

function dedupe(list: Hyperparameters[]): Hyperparameters[] {
  const seen = new Set<string>();
  const out: Hyperparameters[] = [];
  for (const h of list) {
    const key = JSON.stringify(Object.entries(h).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(h);
  }
  return out;
}

/**
 * A rough cost of evaluating a candidate, in nanoseconds on the 2-core reference box (calibrated
 * once on 800 training rows × 5 features; good to a factor of ~2). Used to launch the longest first
 * on the worker pool, so the pool does not end waiting on one long fit, and to keep heavy fits off
 * the calling thread.
 */
export function estimatedCostNs(candidate: Candidate, rows: number, features: number): number {
  const h = candidate.hyperparameters;
  const n = Math.max(1, rows);
  const p = Math.max(1, features);
  const count = (keys: string[], fallback: number): number => {
    for (const k of keys) if (typeof h[k] === 'number') return h[k] as number;
    return fallback;
  };
  switch (candidate.algorithm) {
    case 'ols':
    case 'ridge':
      return 2 * n * p * p;
    case 'lasso':
    case 'elastic_net':
      return 2 * n * p * p + 100 * p * p;
    case 'poly2_ridge': {
      const q = p + (p * (p + 1)) / 2;
      return 2 * n * q * q + q * q * q;
    }
    case 'logistic':
      return 20 * n * (p + 1) * (p + 1);
    case 'knn': {
      // Every holdout row (≈ n/4 of the training rows) searches the stored rows (capped as in knn.ts):
      // a k-d tree up to 15 features (~1.2 µs per query and feature at 5 features), brute force above.
      const stored = Math.min(n, 5_000, Math.floor(60_000 / (p + 1)));
      if (p <= 15 && stored >= 256) return 1_200 * (n / 4) * p * 2 ** ((p - 5) / 4);
      return 1.5 * (n / 4) * stored * p;
    }
    case 'gp': {
      const m = Math.min(n, count(['maxRows'], 1500), Math.floor(60_000 / (p + 1)));
      return 0.7 * ((m * m * m) / 3) + 20 * m * m * p;
    }
    case 'svm': {
      // SMO: a few row-length gradient updates per row learnt from, and the kernel rows it touches.
      const m = Math.min(n, count(['maxRows'], 2000), Math.floor(120_000 / p));
      return (3 * p + 20) * m * m;
    }
    case 'cart':
      return 200 * n * p;
    case 'random_forest':
    case 'extra_trees':
      return count(['trees'], 50) * 60 * n * p * Math.log2(n + 1);
    case 'gbdt':
      return count(['rounds'], 100) * 55 * n * p;
    default:
      return 100 * n * p;
  }
}
