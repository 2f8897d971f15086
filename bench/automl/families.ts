// Each family's candidate cost on one thread, tml against scikit-learn's same estimator: fit on the
// oldest 80% of a window + prediction of the newest 20%, standardisation included, the default
// configuration of each family. Fastest of the runs on both sides: on a shared machine the other
// sessions only ever add time, so the minimum is the steadiest estimate of a fit's own cost (the
// medians are in the JSON too). The scikit-learn part's per-family table instead sums the
// times measured inside tml's workers during a selection (two workers and the calling thread on
// two cores), which charges the sharing of the cores to tml.
import type { Hyperparameters } from '../../src/automl/algorithm.js';
import { GP_DEFAULT_MAX_ROWS } from '../../src/automl/algorithms/gaussian-process.js';
import { SVM_MAX_ROWS_LIMIT } from '../../src/automl/algorithms/svm.js';
import { holdoutSplit } from '../../src/automl/data/splits.js';
import type { Task } from '../../src/automl/dataset.js';
import { evaluateCandidate } from '../../src/automl/selection/evaluate.js';
import type { FlamlSide } from './flaml.js';
import { readWindow, type WindowSpec } from './windows.js';

export interface FamilyRow {
  window: string;
  algorithm: string;
  hyperparameters: Hyperparameters;
  /** Fastest run. */
  tmlMs: number;
  sklearnMs: number;
  tmlMedianMs: number;
  sklearnMedianMs: number;
  /** scikit-learn ÷ tml time: ≥ 1 means tml is at least as fast (the goal). */
  speedup: number;
  /** Fastest run's CPU time of each process (all threads), and their ratio, as above. */
  tmlCpuMs: number;
  sklearnCpuMs: number;
  cpuSpeedup: number;
}

/** The tree families with their defaults (scikit-learn's trees are capped at tml's leaves per tree). */
const TREES: Array<[string, Hyperparameters]> = [
  ['random_forest', { trees: 50, minSamplesLeaf: 1 }],
  ['extra_trees', { trees: 50, minSamplesLeaf: 1 }],
  ['cart', { maxDepth: 8, minSamplesLeaf: 1 }],
];

const FAMILIES: Record<Task, Array<[string, Hyperparameters]>> = {
  regression: [
    ['ols', {}],
    ['ridge', { lambda: 0.01 }],
    ['lasso', { lambdaRatio: 0.001 }],
    ['knn', { k: 5, weights: 'uniform' }],
    ['gbdt', { rounds: 100, learningRate: 0.1, maxDepth: 5, minSamplesLeaf: 20, l2: 1 }],
    ['elastic_net', { lambdaRatio: 0.001, l1Ratio: 0.5 }],
    ...TREES,
    // RBF kernel with the length scale √features of tml's default on 5 features.
    ['gp', { lengthScale: Math.sqrt(5), noise: 0.01 }],
  ],
  classification: [
    ['logistic', { l2: 0.001 }],
    ['knn', { k: 5, weights: 'uniform' }],
    ['gbdt', { rounds: 100, learningRate: 0.1, maxDepth: 5, minSamplesLeaf: 20, l2: 1 }],
    // scikit-learn's SVC defaults on 5 standardised features (γ = 'scale' = 1/5).
    ['svm', { C: 1, gamma: 0.2, maxRows: SVM_MAX_ROWS_LIMIT }],
    ...TREES,
  ],
};

/**
 * The SVM and the GP learn from at most so many rows (the newest): on longer windows they are not
 * scikit-learn's estimators on the same rows, so they are timed only where the training rows fit.
 */
function comparable(algorithm: string, w: WindowSpec): boolean {
  const trainRows = w.rows - Math.round(w.rows * 0.2);
  if (algorithm === 'svm') return trainRows <= SVM_MAX_ROWS_LIMIT && w.features === 5;
  // The GP keeps its newest GP_DEFAULT_MAX_ROWS rows (scikit-learn's would factor all of them).
  if (algorithm === 'gp') return trainRows <= GP_DEFAULT_MAX_ROWS && w.features === 5;
  return true;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function familiesOnOneThread(
  side: FlamlSide,
  windows: WindowSpec[],
  only?: string[],
): Promise<FamilyRow[]> {
  const rows: FamilyRow[] = [];
  for (const w of windows) {
    const data = readWindow(w);
    const splits = [holdoutSplit(w.rows, 0.2)];
    const cells = w.rows * w.features;
    for (const [algorithm, hyperparameters] of FAMILIES[w.task]) {
      if (only !== undefined && !only.includes(algorithm)) continue;
      if (!comparable(algorithm, w)) continue;
      // Fewer repeats for the long fits.
      const repeats =
        ['gbdt', 'random_forest', 'extra_trees', 'gp'].includes(algorithm) || cells > 50_000 ? 5 : 15;
      for (let i = 0; i < 3; i++) evaluateCandidate(data, w.task, algorithm, hyperparameters, splits);
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        evaluateCandidate(data, w.task, algorithm, hyperparameters, splits);
        times.push(performance.now() - started);
        const used = process.cpuUsage(cpuStarted);
        cpu.push((used.user + used.system) / 1000);
      }
      const sk = await side.family(w.file, w.rows, w.features, w.task, algorithm, hyperparameters, repeats);
      const tmlMs = Math.min(...times);
      const sklearnMs = Math.min(...sk.msRuns);
      rows.push({
        window: w.id,
        algorithm,
        hyperparameters,
        tmlMs,
        sklearnMs,
        tmlMedianMs: median(times),
        sklearnMedianMs: sk.ms,
        speedup: sklearnMs / tmlMs,
        tmlCpuMs: Math.min(...cpu),
        sklearnCpuMs: Math.min(...sk.cpuMsRuns),
        cpuSpeedup: Math.min(...sk.cpuMsRuns) / Math.min(...cpu),
      });
      console.log(
        `  ${w.id} ${algorithm}: tml ${tmlMs.toFixed(2)} ms, scikit-learn ${sklearnMs.toFixed(2)} ms, ${(sklearnMs / tmlMs).toFixed(2)}×; CPU ${(Math.min(...sk.cpuMsRuns) / Math.min(...cpu)).toFixed(2)}×`,
      );
    }
  }
  return rows;
}
