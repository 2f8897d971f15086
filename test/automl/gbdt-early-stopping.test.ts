// Early stopping of the GBDT on the selection's holdout: the kept round is checked against the
// holdout losses computed here by walking a full fit's trees on the raw holdout values (not the
// learner's own bin-code updates), with scikit-learn's stopping rule applied by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hyperparameters } from '../../src/automl/algorithm.js';
import type { Dataset } from '../../src/automl/dataset.js';
import { gbdt } from '../../src/automl/algorithms/trees/index.js';
import {
  coversFromFit,
  ensembleFromParameters,
  type TreeEnsemble,
} from '../../src/automl/algorithms/trees/ensemble.js';
import { decodeFloat32 } from '../../src/automl/algorithms/trees/encoding.js';
import { fitNormalisation, standardise } from '../../src/automl/data/normalisation.js';
import { treeCovers } from '../../src/automl/explain/index.js';
import { Model } from '../../src/automl/model.js';
import { mulberry32 } from '../../src/automl/random.js';
import { selectModel } from '../../src/automl/selection/select.js';
import { sineWindow } from './trees-data.js';

/** A drifting stream like a solution's: y = (2 + sin(2πi/600))·a + 3b² + noise, rows from `from`. */
function driftingWindow(rows: number, from: number, seed: number): Dataset {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * 2);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const i = from + r;
    const a = Math.sin(i / 15) + 0.3 * (random() - 0.5);
    const b = random();
    x[r * 2] = a;
    x[r * 2 + 1] = b;
    y[r] = (2 + Math.sin((2 * Math.PI * i) / 600)) * a + 3 * b * b + 0.2 * (random() + random() - 1);
  }
  return { rows, features: 2, x, y, featureNames: ['a', 'b'], targetName: 'y' };
}

/** Mean squared error on `data` of the first k trees, for every k (walking raw values). */
function prefixLosses(e: TreeEnsemble, data: Dataset): number[] {
  const scores = new Float64Array(data.rows).fill(e.baseScore);
  const losses: number[] = [];
  for (let t = 0; t < e.roots.length; t++) {
    let sum = 0;
    for (let r = 0; r < data.rows; r++) {
      let n = e.roots[t];
      while (e.feature[n] >= 0) {
        n = data.x[r * data.features + e.feature[n]] <= e.threshold[n] ? e.left[n] : e.right[n];
      }
      scores[r] += e.value[n];
      sum += (scores[r] - data.y[r]) ** 2;
    }
    losses.push(sum / data.rows);
  }
  return losses;
}

/**
 * scikit-learn's rule (n_iter_no_change = patience): stop after the first round whose last
 * `patience` losses do not beat the one `patience + 1` back; keep the first best round seen so far.
 */
function keptRound(losses: number[], patience: number): number {
  let best = 0;
  for (let i = 0; i < losses.length; i++) {
    if (losses[i] < losses[best]) best = i;
    if (i >= patience) {
      const reference = losses[i - patience];
      let improved = false;
      for (let j = i - patience + 1; j <= i; j++) {
        if (losses[j] < reference - 1e-7 * Math.abs(reference)) improved = true;
      }
      if (!improved) return best + 1;
    }
  }
  return best + 1;
}

test('GBDT early stopping on given validation rows keeps the round the rule picks on their losses, and the first trees of the full fit', () => {
  const train = driftingWindow(400, 0, 3);
  const validation = driftingWindow(100, 400, 4);
  const h = { rounds: 100, learningRate: 0.3, maxDepth: 4 };
  const full = gbdt.fit(train, h, 'regression');
  const fullTrees = ensembleFromParameters(full);
  const expected = keptRound(prefixLosses(fullTrees, validation), 10);
  assert.ok(expected < 60, `the drifting holdout should stop early (kept ${expected})`);

  const stopped = gbdt.fit(train, h, 'regression', { validation });
  assert.equal(stopped.validationRows, 100);
  assert.equal(stopped.rounds, expected);
  const trees = ensembleFromParameters(stopped);
  const nodes = expected < fullTrees.roots.length ? fullTrees.roots[expected] : fullTrees.feature.length;
  assert.equal(trees.feature.length, nodes);
  assert.deepEqual([...trees.feature], [...fullTrees.feature.subarray(0, nodes)]);
  assert.deepEqual([...trees.threshold], [...fullTrees.threshold.subarray(0, nodes)]);
  assert.deepEqual([...trees.value], [...fullTrees.value.subarray(0, nodes)]);

  // The refit takes the kept rounds and no validation; a configuration with its own validation
  // slice, or a fit without one, refits as it is.
  assert.deepEqual(gbdt.refitHyperparameters?.(h, stopped), { ...h, rounds: expected });
  assert.equal(gbdt.refitHyperparameters?.(h, full), h);
  const own = { ...h, validationFraction: 0.2 };
  assert.equal(gbdt.refitHyperparameters?.(own, gbdt.fit(train, own, 'regression', { validation })), own);
  // 2,000 rounds of depth 8 are capped at 6 leaves a tree (limits.ts); a refit of fewer rounds keeps
  // that cap rather than growing larger trees than the ones the holdout scored.
  const deep = { rounds: 2000, maxDepth: 8 };
  assert.deepEqual(gbdt.refitHyperparameters?.(deep, { rounds: 37, validationRows: 100 }), {
    ...deep,
    rounds: 37,
    maxLeaves: 6,
  });
});

test('a configuration with its own validation fraction ignores the given validation rows', () => {
  const train = sineWindow(400, 2, 5, 0.3);
  const h = { rounds: 60, validationFraction: 0.2, earlyStoppingRounds: 5 };
  const own = gbdt.fit(train, h, 'regression');
  const withGiven = gbdt.fit(train, h, 'regression', { validation: sineWindow(100, 2, 6, 0.3) });
  assert.deepEqual(withGiven, own);
});

test('the selection stops its GBDT on the holdout, scores the kept rounds and refits them on the whole window', async () => {
  const data = driftingWindow(500, 1000, 7);
  const options = {
    task: 'regression' as const,
    modelruns: 1,
    algorithms: ['gbdt'],
    timeBudgetMs: 60_000,
    ensemble: false,
    crossCheck: false,
  };
  const stopped = await selectModel(data, { ...options, earlyStopping: true });
  const entry = stopped.leaderboard[0];
  const kept = entry.hyperparameters.rounds as number;
  assert.ok(kept < 100, `stopped at ${kept} of 100 rounds`);
  // The holdout metric is the kept model's: the same configuration fitted here on the oldest 400
  // rows and scored by hand on the newest 100.
  const train = { ...data, rows: 400, x: data.x.subarray(0, 800), y: data.y.subarray(0, 400) };
  const holdout = Model.fit('gbdt', train, entry.hyperparameters, 'regression').predict(
    data.x.subarray(800),
    100,
  );
  let squared = 0;
  for (let r = 0; r < 100; r++) squared += (holdout[r] - data.y[400 + r]) ** 2;
  assert.ok(Math.abs(entry.metrics.rmse - Math.sqrt(squared / 100)) < 1e-9 * entry.metrics.rmse);
  // The champion: every row of the window, exactly the kept rounds.
  assert.equal(stopped.champion.rows, 500);
  assert.equal(stopped.champion.parameters.trees, kept);
  assert.deepEqual(
    stopped.champion.parameters,
    Model.fit('gbdt', data, entry.hyperparameters, 'regression').toJSON().parameters,
  );

  const all = await selectModel(data, options); // off by default
  assert.equal(all.leaderboard[0].hyperparameters.rounds, 100);
  assert.equal(all.champion.parameters.trees, 100);
  // Stopping where the holdout stopped improving scores better on it than all 100 rounds.
  assert.ok(entry.metrics.rmse < all.leaderboard[0].metrics.rmse);
});

test('GBDT node covers counted while growing equal the rows routed through each tree afterwards', () => {
  const data = driftingWindow(500, 0, 11);
  const normalisation = fitNormalisation(data.x, data.rows, data.features);
  const x = standardise(data.x, data.rows, data.features, normalisation, new Float64Array(data.x.length));
  const settings: Hyperparameters[] = [
    { rounds: 30 },
    { rounds: 30, minSamplesLeaf: 1, maxDepth: 7 },
    { rounds: 30, subsample: 0.8 },
  ];
  for (const h of settings) {
    const model = Model.fit('gbdt', data, h, 'regression').toJSON();
    const parameters = gbdt.fit({ ...data, x }, h, 'regression');
    // counted while growing only when every row is in every tree
    assert.equal(coversFromFit(parameters) !== undefined, h.subsample === undefined);
    const walked = treeCovers(ensembleFromParameters(model.parameters), x, data.rows);
    const stored = decodeFloat32(model.explanation?.covers, 'covers');
    assert.deepEqual([...stored], [...walked]);
  }
});

test('the selection does not stop its GBDT on a holdout of fewer than 100 rows', async () => {
  // 495 rows: a holdout of 99 rows
  const data = driftingWindow(495, 1000, 7);
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 1,
    algorithms: ['gbdt'],
    timeBudgetMs: 60_000,
    ensemble: false,
    crossCheck: false,
    earlyStopping: true,
  });
  assert.equal(result.leaderboard[0].hyperparameters.rounds, 100);
  assert.equal(result.champion.parameters.trees, 100);
});
