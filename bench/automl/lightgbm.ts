// tml's GBDT training against LightGBM's on one thread, with the same trees: 100 rounds, 31
// leaves grown leaf-wise without a depth limit, 255 bins, at least 20 rows per leaf, L2 1, learning
// rate 0.1, squared error, no row or feature sampling. Both times include binning the window (tml's
// fit bins it; LightGBM's Dataset construction). tml fits on the calling thread.
import { getAlgorithm } from '../../src/automl/algorithms/index.js';
import type { Dataset } from '../../src/automl/dataset.js';
import { Model } from '../../src/automl/model.js';
import type { FlamlSide } from './flaml.js';

export interface GbdtSpeedRow {
  window: string;
  rows: number;
  features: number;
  tmlMs: number;
  tmlMsRuns: number[];
  lightgbmMs: number;
  lightgbmMsRuns: number[];
  /** tml ÷ LightGBM training time (goal ≤ 2). */
  ratio: number;
  /** Training RMSE of both (same trees should fit the training rows about equally well). */
  tmlTrainRmse: number;
  lightgbmTrainRmse: number;
}

const ROUNDS = 100;
const LEAVES = 31;
const BINS = 255;
const MIN_LEAF = 20;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function gbdtAgainstLightgbm(
  side: FlamlSide,
  window: { id: string; file: string; data: Dataset },
  repeats: number,
): Promise<GbdtSpeedRow> {
  const { data } = window;
  const gbdt = getAlgorithm('gbdt', 'regression');
  const hyperparameters = {
    rounds: ROUNDS,
    learningRate: 0.1,
    maxDepth: 32,
    maxLeaves: LEAVES,
    minSamplesLeaf: MIN_LEAF,
    minChildWeight: 1e-3,
    l2: 1,
    maxBins: BINS,
  };
  // The algorithm's fit: what a candidate or a refit costs (tree models ignore standardisation).
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const started = performance.now();
    gbdt.fit(data, hyperparameters, 'regression');
    if (i > 0) times.push(performance.now() - started);
  }
  const model = Model.fit('gbdt', data, hyperparameters, 'regression');
  const predicted = model.predict(data.x, data.rows);
  let sum = 0;
  for (let r = 0; r < data.rows; r++) sum += (predicted[r] - data.y[r]) ** 2;
  const lgb = await side.lightgbm(window.file, data.rows, data.features, [
    ROUNDS,
    LEAVES,
    BINS,
    MIN_LEAF,
    repeats,
  ]);
  const tmlMs = median(times);
  return {
    window: window.id,
    rows: data.rows,
    features: data.features,
    tmlMs,
    tmlMsRuns: times,
    lightgbmMs: lgb.trainMs,
    lightgbmMsRuns: lgb.trainMsRuns,
    ratio: tmlMs / lgb.trainMs,
    tmlTrainRmse: Math.sqrt(sum / data.rows),
    lightgbmTrainRmse: lgb.trainRmse,
  };
}
