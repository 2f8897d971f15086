// Extremely randomized trees (Geurts, Ernst & Wehenkel 2006): the random forest's averaged trees,
// but each split takes the best of one random threshold per drawn feature, and every tree sees
// every row (no bootstrap). The extra randomness lowers variance where a forest's best-threshold
// splits overfit small or noisy windows (scikit-learn's ExtraTrees beats its RandomForest on
// digits, for instance). Same model JSON and prediction as the other tree ensembles.

import type { Algorithm, Hyperparameters, SearchSpace } from '../../algorithm.js';
import { ensembleFromParameters } from './ensemble.js';
import { fitForest } from './forest.js';
import { predictEnsemble } from './predict.js';
import { drawForestCandidates, readForestHyperparameters } from './random-forest.js';

function extraTreesDefaults(_space: SearchSpace): Hyperparameters {
  return { trees: 50, minSamplesLeaf: 1 };
}

function extraTreesCandidates(space: SearchSpace, count: number, random: () => number): Hyperparameters[] {
  return drawForestCandidates(
    space,
    count,
    random,
    [
      extraTreesDefaults(space),
      { trees: 100, maxFeatures: 0.5, minSamplesLeaf: 1 },
      { trees: 50, maxFeatures: 0.33, minSamplesLeaf: 3 },
    ],
    [1, 2, 3, 5, 10],
  );
}

export const extraTrees: Algorithm = {
  name: 'extra_trees',
  tasks: ['regression', 'classification'],
  defaults: extraTreesDefaults,
  candidates: extraTreesCandidates,
  fit: (data, hyperparameters, task) =>
    fitForest(
      'extra_trees',
      data,
      readForestHyperparameters(hyperparameters, task, data.features, true),
      task,
    ),
  predict(parameters, x, rows, features, out) {
    predictEnsemble(ensembleFromParameters(parameters), x, rows, features, out);
  },
};
