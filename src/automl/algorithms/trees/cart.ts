// A single CART regression tree (variance reduction; for classification, Gini via the 0/1 labels).
// Hand-written: ml-stack.md measured ml-cart as O(n²) per node (56 s for one depth-10 tree at 16k
// rows). Splits are searched over the histogram bins (≤ 255 quantile cuts per feature), which is
// exact whenever a feature has at most 255 distinct values in the window.

import type { Algorithm, Hyperparameters, SearchSpace } from '../../algorithm.js';
import { MAX_BINS } from './binning.js';
import { ensembleFromParameters } from './ensemble.js';
import { fitForest, type ForestSettings } from './forest.js';
import { HyperparameterReader } from './hyperparameters.js';
import { leafCap } from './limits.js';
import { predictEnsemble } from './predict.js';
import { leafSizeFor } from './window.js';

export function readCartHyperparameters(h: Hyperparameters): ForestSettings {
  const read = new HyperparameterReader('cart', h);
  const settings: ForestSettings = {
    trees: 1,
    maxDepth: read.integer('maxDepth', 8, 1, 64),
    maxLeaves: read.integer('maxLeaves', leafCap(1), 2, leafCap(1)),
    minSamplesLeaf: read.integer('minSamplesLeaf', 1, 1, 1e9),
    minSplitGain: read.number('minSplitGain', 0, 0, 1e18),
    maxFeatures: 1,
    bootstrap: false,
    randomThresholds: false,
    maxBins: read.integer('maxBins', MAX_BINS, 2, MAX_BINS),
    seed: 0,
  };
  read.rejectUnknown();
  return settings;
}

function cartDefaults(space: SearchSpace): Hyperparameters {
  return { maxDepth: space.rows < 200 ? 4 : 8, minSamplesLeaf: leafSizeFor(space.rows, 1 / 200) };
}

function cartCandidates(space: SearchSpace, count: number, random: () => number): Hyperparameters[] {
  const out: Hyperparameters[] = [cartDefaults(space)];
  const leafSizes = [1, 2, 5, 10, 20, 50].filter((k) => k <= Math.max(1, Math.floor(space.rows / 4)));
  // Depth and leaf size are the only knobs that matter for one tree: a small grid, shuffled.
  const grid: Hyperparameters[] = [];
  for (const maxDepth of [3, 4, 5, 6, 8, 10, 12]) {
    for (const minSamplesLeaf of leafSizes) grid.push({ maxDepth, minSamplesLeaf });
  }
  for (let i = grid.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [grid[i], grid[j]] = [grid[j], grid[i]];
  }
  for (const h of grid) {
    if (out.length >= count) break;
    if (h.maxDepth !== out[0].maxDepth || h.minSamplesLeaf !== out[0].minSamplesLeaf) out.push(h);
  }
  return out.slice(0, count);
}

export const cart: Algorithm = {
  name: 'cart',
  tasks: ['regression', 'classification'],
  defaults: cartDefaults,
  candidates: cartCandidates,
  fit: (data, hyperparameters, task) =>
    fitForest('cart', data, readCartHyperparameters(hyperparameters), task),
  predict(parameters, x, rows, features, out) {
    predictEnsemble(ensembleFromParameters(parameters), x, rows, features, out);
  },
};
