// Random forest (Breiman): bootstrap samples, a random subset of features at each split, trees
// averaged. Hand-written: ml-stack.md measured ml-random-forest at 149 s for 50 trees on 4k rows
// (O(n²) splits) with a 32 MB JSON. Tree size is bounded by limits.ts so the model fits a Kafka record.

import type { Algorithm, Hyperparameters, SearchSpace } from '../../algorithm.js';
import type { Task } from '../../dataset.js';
import { MAX_BINS } from './binning.js';
import { ensembleFromParameters } from './ensemble.js';
import { fitForest, type ForestSettings } from './forest.js';
import { HyperparameterReader } from './hyperparameters.js';
import { MAX_TREES, leafCap } from './limits.js';
import { predictEnsemble } from './predict.js';

/**
 * The hyperparameters of the random forest, or with `extraTrees` those of extremely randomized
 * trees: the same knobs, but random thresholds and, as in scikit-learn, no bootstrap by default.
 */
export function readForestHyperparameters(
  h: Hyperparameters,
  task: Task,
  features: number,
  extraTrees = false,
): ForestSettings {
  const read = new HyperparameterReader(extraTrees ? 'extra_trees' : 'random_forest', h);
  const trees = read.integer('trees', 50, 1, MAX_TREES);
  const settings: ForestSettings = {
    trees,
    maxDepth: read.integer('maxDepth', 64, 1, 64),
    maxLeaves: read.integer('maxLeaves', leafCap(trees), 2, 2 ** 30),
    minSamplesLeaf: read.integer('minSamplesLeaf', 1, 1, 1e9),
    minSplitGain: read.number('minSplitGain', 0, 0, 1e18),
    // scikit-learn's defaults: every feature for regression, √features for classification.
    maxFeatures: read.number(
      'maxFeatures',
      task === 'classification' ? Math.sqrt(Math.max(1, features)) / Math.max(1, features) : 1,
      0,
      1,
      true,
    ),
    bootstrap: read.boolean('bootstrap', !extraTrees),
    randomThresholds: extraTrees,
    maxBins: read.integer('maxBins', MAX_BINS, 2, MAX_BINS),
    seed: read.integer('seed', 0, 0, 2 ** 32 - 1),
  };
  read.rejectUnknown();
  return settings;
}

function forestDefaults(_space: SearchSpace): Hyperparameters {
  return { trees: 50, minSamplesLeaf: 1 };
}

function forestCandidates(space: SearchSpace, count: number, random: () => number): Hyperparameters[] {
  return drawForestCandidates(
    space,
    count,
    random,
    [
      forestDefaults(space),
      { trees: 50, maxFeatures: 0.5, minSamplesLeaf: 2 },
      { trees: 100, maxFeatures: 0.33, minSamplesLeaf: 5 },
    ],
    [1, 2, 3, 5, 10, 20],
  );
}

/**
 * A forest family's candidates (random forest, extra trees): its fixed configurations first, then
 * random draws of trees, feature share and leaf size (leaf sizes above a quarter of the rows left
 * out), each with its own seed.
 */
export function drawForestCandidates(
  space: SearchSpace,
  count: number,
  random: () => number,
  fixed: Hyperparameters[],
  leafSizeChoices: number[],
): Hyperparameters[] {
  const out = fixed.slice(0, count);
  const leafSizes = leafSizeChoices.filter((k) => k <= Math.max(1, Math.floor(space.rows / 4)));
  while (out.length < count) {
    out.push({
      trees: [30, 50, 100][Math.floor(random() * 3)],
      maxFeatures: Math.round((0.2 + 0.8 * random()) * 100) / 100,
      minSamplesLeaf: leafSizes[Math.floor(random() * leafSizes.length)],
      seed: Math.floor(random() * 1e9),
    });
  }
  return out;
}

export const randomForest: Algorithm = {
  name: 'random_forest',
  tasks: ['regression', 'classification'],
  defaults: forestDefaults,
  candidates: forestCandidates,
  fit: (data, hyperparameters, task) =>
    fitForest('random_forest', data, readForestHyperparameters(hyperparameters, task, data.features), task),
  predict(parameters, x, rows, features, out) {
    predictEnsemble(ensembleFromParameters(parameters), x, rows, features, out);
  },
};
