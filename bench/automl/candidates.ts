// The candidate set both sides try. tml's own plan (the one `selectModel` draws for these options)
// is computed here and handed to scikit-learn's side in the spec, so both fit exactly the same
// algorithm × hyperparameter configurations; bench/python/automl_bench.py maps each to its
// scikit-learn estimator and converts the penalties to scikit-learn's scale.
import type { Hyperparameters } from '../../src/automl/algorithm.js';
import { getAlgorithm } from '../../src/automl/algorithms/index.js';
import { leafCap } from '../../src/automl/algorithms/trees/index.js';
import { holdoutSplit } from '../../src/automl/data/splits.js';
import type { Task } from '../../src/automl/dataset.js';
import { planCandidates } from '../../src/automl/selection/candidates.js';

/** The families of the comparison: those scikit-learn has a direct equivalent for. */
export const ALGORITHMS: Record<Task, string[]> = {
  regression: ['ols', 'ridge', 'lasso', 'knn', 'cart', 'random_forest', 'gbdt'],
  classification: ['logistic', 'gbdt', 'knn'],
};

/** VIPER's `modelruns`: each family once, then a second configuration of the first few. */
export const MODELRUNS: Record<Task, number> = { regression: 10, classification: 6 };

export interface PlannedCandidate {
  id: string;
  algorithm: string;
  hyperparameters: Hyperparameters;
  /** Caps tml applies implicitly (tree leaves for Kafka's message size), made explicit for sklearn. */
  maxLeaves?: number;
}

export function planFor(task: Task, rows: number, features: number, seed: number): PlannedCandidate[] {
  const algorithms = ALGORITHMS[task].map((name) => getAlgorithm(name, task));
  // The same search space selectModel builds: the rows it trains candidates on.
  const space = { rows: holdoutSplit(rows, 0.2).trainEnd, features, task };
  return planCandidates(algorithms, space, MODELRUNS[task], seed).map((c) => {
    const h = c.hyperparameters;
    const planned: PlannedCandidate = {
      id: `${c.algorithm} ${JSON.stringify(h)}`,
      algorithm: c.algorithm,
      hyperparameters: h,
    };
    if (c.algorithm === 'random_forest') planned.maxLeaves = leafCap(Number(h.trees ?? 50));
    if (c.algorithm === 'gbdt') {
      const depth = Number(h.maxDepth ?? 5);
      planned.maxLeaves = Math.min(
        Number(h.maxLeaves ?? 2 ** Math.min(depth, 16)),
        leafCap(Number(h.rounds ?? 100)),
      );
    }
    return planned;
  });
}
