// Averaged regression trees: the random forest, extremely randomized trees, and CART as a forest of one tree grown on every row
// with every feature. For classification the trees fit the 0/1 labels by variance reduction, which
// is Gini impurity up to a factor of 2, so a leaf's value is the share of class 1 among its rows:
// a probability with no link function.

import type { ModelParameters } from '../../algorithm.js';
import type { Dataset, Task } from '../../dataset.js';
import { throwIfCancelled } from '../../cancellation.js';
import { mulberry32 } from '../../random.js';
import { binWindow } from './binning.js';
import { EnsembleBuilder, ensembleToParameters } from './ensemble.js';
import { releaseLargeArena } from '../../simd/histogram-kernels.js';
import { TreeGrower } from './grow.js';
import { leafCap, leafCapFallback } from './limits.js';
import { allRows, bootstrap, checkWindow, importanceShares, mean } from './window.js';

export interface ForestSettings {
  trees: number;
  maxDepth: number;
  maxLeaves: number;
  minSamplesLeaf: number;
  minSplitGain: number;
  /** Share of the features drawn at each split (mtry / features). */
  maxFeatures: number;
  bootstrap: boolean;
  /** Extremely randomized trees: one random threshold per drawn feature (random-split.ts). */
  randomThresholds: boolean;
  maxBins: number;
  seed: number;
}

export function fitForest(name: string, data: Dataset, s: ForestSettings, task: Task): ModelParameters {
  checkWindow(data, task);
  const { rows, features, y } = data;
  const binned = binWindow(data, s.maxBins);
  const random = mulberry32(s.seed);
  // Regression trees fit residuals from the mean (so split gains are not lost to rounding next to a
  // large offset); classification trees fit the labels themselves so leaves are plain proportions.
  const baseScore = task === 'classification' ? 0 : mean(y, rows);
  const gradient = new Float64Array(rows);
  for (let r = 0; r < rows; r++) gradient[r] = baseScore - y[r];
  const cap = leafCap(s.trees);
  const grower = new TreeGrower(binned, {
    maxDepth: s.maxDepth,
    maxLeaves: Math.min(s.maxLeaves, cap),
    minSamplesLeaf: s.minSamplesLeaf,
    minChildWeight: 0,
    l2: 0,
    minSplitGain: s.minSplitGain,
    shrinkage: 1,
    featuresPerSplit: Math.max(1, Math.round(s.maxFeatures * features)),
    random,
    randomThresholds: s.randomThresholds,
  });
  const builder = new EnsembleBuilder();
  const importance = new Float64Array(features);
  const everyRow = allRows(rows);
  let mostLeaves = 0;
  for (let t = 0; t < s.trees; t++) {
    throwIfCancelled();
    const sample = s.bootstrap ? bootstrap(rows, random) : everyRow;
    mostLeaves = Math.max(mostLeaves, grower.grow(builder, gradient, null, sample, importance));
  }
  releaseLargeArena();
  const ensemble = builder.build(features, baseScore, 'mean', 'identity');
  return ensembleToParameters(ensemble, {
    leafCap: cap,
    importance: importanceShares(importance),
    // A documented fallback, reported by the model wrapper: the node budget (the default leaf
    // limit of a forest) rather than the data or a smaller maxLeaves stopped a tree.
    ...(mostLeaves >= cap && s.maxLeaves >= cap ? { fallbacks: [leafCapFallback(name, s.trees)] } : {}),
  });
}
