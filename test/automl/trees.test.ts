import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Algorithm, Hyperparameters, ModelParameters } from '../../src/automl/algorithm.js';
import type { Task } from '../../src/automl/dataset.js';
import { algorithms } from '../../src/automl/algorithms/index.js';
import { cart, extraTrees, gbdt, randomForest } from '../../src/automl/algorithms/trees/index.js';
import { MAX_TREE_NODES } from '../../src/automl/algorithms/trees/limits.js';
import { Model } from '../../src/automl/model.js';
import { mulberry32 } from '../../src/automl/random.js';
import { accuracy, bayesAccuracy, type Generated, r2, ringWindow, sineWindow } from './trees-data.js';

function predict(algorithm: Algorithm, parameters: ModelParameters, data: Generated): Float64Array {
  const out = new Float64Array(data.rows);
  algorithm.predict(parameters, data.x, data.rows, data.features, out);
  return out;
}

test('the tree learners are registered under their names', () => {
  assert.equal(algorithms.cart, cart);
  assert.equal(algorithms.random_forest, randomForest);
  assert.equal(algorithms.gbdt, gbdt);
  assert.equal(algorithms.extra_trees, extraTrees);
  for (const a of [cart, randomForest, extraTrees, gbdt])
    assert.deepEqual([...a.tasks], ['regression', 'classification']);
});

// Noise ceiling of sineWindow(·, ·, ·, 0.1): 1 − 0.01 / Var(sin(x₁)·x₂) ≈ 0.987.
test('GBDT, the random forest and extra trees fit y = sin(x₁)·x₂ + noise near the noise ceiling, CART close', () => {
  const train = sineWindow(4000, 3, 1);
  const hold = sineWindow(2000, 3, 2);
  const scores = {
    gbdt: r2(hold.y, predict(gbdt, gbdt.fit(train, { rounds: 150, maxDepth: 5 }, 'regression'), hold)),
    // Row subsampling updates the left-out rows by walking the tree on their bin codes.
    gbdt_subsample: r2(
      hold.y,
      predict(
        gbdt,
        gbdt.fit(train, { rounds: 150, subsample: 0.6, featureFraction: 0.7 }, 'regression'),
        hold,
      ),
    ),
    random_forest: r2(
      hold.y,
      predict(randomForest, randomForest.fit(train, { trees: 40 }, 'regression'), hold),
    ),
    extra_trees: r2(hold.y, predict(extraTrees, extraTrees.fit(train, { trees: 40 }, 'regression'), hold)),
    cart: r2(hold.y, predict(cart, cart.fit(train, { maxDepth: 10, minSamplesLeaf: 5 }, 'regression'), hold)),
  };
  assert.ok(scores.gbdt > 0.98, `gbdt R² ${scores.gbdt}`);
  assert.ok(scores.gbdt_subsample > 0.98, `gbdt (subsample) R² ${scores.gbdt_subsample}`);
  assert.ok(scores.random_forest > 0.98, `random forest R² ${scores.random_forest}`);
  assert.ok(scores.extra_trees > 0.98, `extra trees R² ${scores.extra_trees}`);
  assert.ok(scores.cart > 0.95, `cart R² ${scores.cart}`);
});

test('classifiers reach near-Bayes accuracy on a nonlinear boundary and answer probabilities', () => {
  const train = ringWindow(4000, 3, 3);
  const hold = ringWindow(4000, 3, 4);
  const bayes = bayesAccuracy(hold.probability);
  const cases: Array<[Algorithm, Hyperparameters, number]> = [
    [gbdt, {}, 0.02],
    [randomForest, { trees: 40, minSamplesLeaf: 5 }, 0.02],
    [extraTrees, { trees: 40, minSamplesLeaf: 5 }, 0.02],
    [cart, { maxDepth: 6, minSamplesLeaf: 20 }, 0.04],
  ];
  for (const [algorithm, h, slack] of cases) {
    const p = predict(algorithm, algorithm.fit(train, h, 'classification'), hold);
    for (const v of p) assert.ok(v >= 0 && v <= 1, `${algorithm.name} probability ${v}`);
    const acc = accuracy(hold.y, p);
    assert.ok(acc > bayes - slack, `${algorithm.name} accuracy ${acc} vs Bayes ${bayes}`);
  }
});

test('predictions after a JSON round trip are bit-identical, for every learner and task', () => {
  const windows: Record<Task, Generated> = {
    regression: sineWindow(600, 4, 5),
    classification: ringWindow(600, 4, 6),
  };
  const hyperparameters: Record<string, Hyperparameters> = {
    gbdt: { rounds: 40, subsample: 0.7, featureFraction: 0.8 },
    random_forest: { trees: 15 },
    extra_trees: { trees: 15 },
    cart: { maxDepth: 20 },
  };
  const probe = sineWindow(500, 4, 7);
  for (const algorithm of [gbdt, randomForest, extraTrees, cart]) {
    for (const task of ['regression', 'classification'] as const) {
      const parameters = algorithm.fit(windows[task], hyperparameters[algorithm.name], task);
      const loaded = JSON.parse(JSON.stringify(parameters)) as ModelParameters;
      const before = predict(algorithm, parameters, probe);
      const after = predict(algorithm, loaded, probe);
      assert.deepEqual(Buffer.from(after.buffer), Buffer.from(before.buffer), `${algorithm.name} ${task}`);
    }
  }
});

test('through the Model wrapper too: fit, toJSON, fromJSON, predict agree to the bit', () => {
  const data = sineWindow(500, 3, 8);
  const model = Model.fit('gbdt', data, { rounds: 30 }, 'regression');
  const loaded = Model.fromJSON(JSON.stringify(model.toJSON()));
  const probe = sineWindow(300, 3, 9);
  assert.deepEqual(
    Buffer.from(loaded.predict(probe.x, probe.rows).buffer),
    Buffer.from(model.predict(probe.x, probe.rows).buffer),
  );
  assert.equal(loaded.predictRow([0.5, -1, 0.25]), model.predictRow([0.5, -1, 0.25]));
});

test('a 100-tree depth-5 GBDT stays far below Kafka’s 1 MB message limit', () => {
  const data = sineWindow(5000, 5, 10);
  const parameters = gbdt.fit(data, { rounds: 100, maxDepth: 5, minSamplesLeaf: 1 }, 'regression');
  const bytes = JSON.stringify(parameters).length;
  assert.ok(
    (parameters.nodes as number) > 100 * 50,
    `trees should be nearly full, got ${parameters.nodes} nodes`,
  );
  assert.ok(bytes < 250_000, `${bytes} bytes`);
});

test('forests are capped by the node budget, so their JSON stays under 1 MB', () => {
  const data = sineWindow(3000, 3, 11);
  for (const trees of [20, 120]) {
    const parameters = randomForest.fit(data, { trees, maxDepth: 64, minSamplesLeaf: 1 }, 'regression');
    assert.ok((parameters.nodes as number) <= MAX_TREE_NODES, `${trees} trees: ${parameters.nodes} nodes`);
    assert.ok(JSON.stringify(parameters).length < 900_000);
  }
});

test('a seed reproduces a model exactly; another seed gives another forest', () => {
  const data = sineWindow(800, 4, 12);
  const h = { rounds: 30, subsample: 0.6, featureFraction: 0.5, seed: 42 };
  assert.equal(
    JSON.stringify(gbdt.fit(data, h, 'regression')),
    JSON.stringify(gbdt.fit(data, h, 'regression')),
  );
  const a = JSON.stringify(randomForest.fit(data, { trees: 10, seed: 1 }, 'regression'));
  assert.equal(a, JSON.stringify(randomForest.fit(data, { trees: 10, seed: 1 }, 'regression')));
  assert.notEqual(a, JSON.stringify(randomForest.fit(data, { trees: 10, seed: 2 }, 'regression')));
});

test('early stopping on the newest rows keeps the best round and says how many', () => {
  const data = sineWindow(1500, 3, 13, 0.5);
  const parameters = gbdt.fit(
    data,
    { rounds: 2000, learningRate: 0.5, validationFraction: 0.2, earlyStoppingRounds: 5 },
    'regression',
  );
  assert.equal(parameters.validationRows, 300);
  assert.ok((parameters.rounds as number) < 200, `stopped after ${parameters.rounds} rounds`);
  assert.equal(parameters.trees, parameters.rounds);
  // On a clean target the validation loss falls in trend for all 150 rounds, but not monotonically:
  // a depth-5 tree at learning rate 0.1 is a coarse step, and 10 rounds in a row can fail to beat
  // an earlier round. The rule (scikit-learn's) then stops, as it should. The test used to demand
  // more than 140 rounds on seed 13; that held only for tml's former greedy bin cuts. With
  // scikit-learn's percentile cuts, rounds 110–119 of this window stay above round 109's loss, so
  // boosting stops there (seeds 1–16: 11 run all 150 rounds, the others stop at 109, 123, 145,
  // 146 and 148). What early stopping must guarantee on a clean target is checked instead: it stops
  // only after a genuine flat stretch, and what it gives up is small (here 1.04× the holdout MSE of
  // all 150 rounds; stopping at round 50, 80 or 100 would cost 1.48×, 1.19× or 1.09×).
  const clean = sineWindow(1500, 3, 13, 0.01);
  const stopped = gbdt.fit(clean, { rounds: 150, validationFraction: 0.2 }, 'regression');
  const kept = stopped.rounds as number;
  const noStop = { validationFraction: 0.2, earlyStoppingRounds: 150 };
  const all = gbdt.fit(clean, { ...noStop, rounds: 150 }, 'regression');
  if (kept < 150) {
    // Boosting 10 (the patience) rounds past the kept one without the rule: none of them is better.
    const past = gbdt.fit(clean, { ...noStop, rounds: Math.min(150, kept + 10) }, 'regression');
    assert.equal(past.rounds, kept, 'stopped although the loss was still improving');
  }
  const newest = (p: ModelParameters) => {
    const out = predict(gbdt, p, clean);
    let sum = 0;
    for (let r = 1200; r < 1500; r++) sum += (out[r] - clean.y[r]) ** 2;
    return sum / 300;
  };
  const ratio = newest(stopped) / newest(all);
  assert.ok(ratio < 1.06, `early stopping after ${kept} rounds costs ${ratio.toFixed(3)}× the holdout MSE`);
});

test('candidates: the defaults first, then as many valid distinct configurations as asked', () => {
  for (const algorithm of [gbdt, randomForest, extraTrees, cart]) {
    for (const rows of [40, 1000]) {
      const space = { rows, features: 3, task: 'regression' as const };
      const list = algorithm.candidates(space, 8, mulberry32(1));
      assert.equal(list.length, 8);
      assert.equal(
        new Set(list.map((h) => JSON.stringify(h))).size,
        8,
        `${algorithm.name} repeats a candidate`,
      );
      assert.deepEqual(list[0], algorithm.defaults(space));
      const data = sineWindow(rows, 3, 14);
      for (const h of list) {
        const p = predict(algorithm, algorithm.fit(data, h, 'regression'), data);
        assert.ok(p.every(Number.isFinite), `${algorithm.name} ${JSON.stringify(h)}`);
      }
    }
  }
});

test('feature importance credits the informative features', () => {
  const data = sineWindow(2000, 4, 15);
  const importance = gbdt.fit(data, {}, 'regression').importance as number[];
  assert.equal(importance.length, 4);
  assert.ok(importance[0] + importance[1] > 0.9, JSON.stringify(importance));
});

// Its speed is measured in bench/automl-speed.ts (npm run bench:automl-speed).
test('batch prediction of a 100-tree depth-5 GBDT equals row-by-row prediction', () => {
  const parameters = gbdt.fit(
    sineWindow(4000, 5, 16),
    { rounds: 100, maxDepth: 5, minSamplesLeaf: 1 },
    'regression',
  );
  const probe = sineWindow(100_000, 5, 17);
  const out = new Float64Array(probe.rows);
  gbdt.predict(parameters, probe.x, probe.rows, probe.features, out);
  const one = new Float64Array(1);
  for (let r = 0; r < probe.rows; r += 4999) {
    gbdt.predict(parameters, probe.x.subarray(r * 5, r * 5 + 5), 1, probe.features, one);
    assert.equal(out[r], one[0]);
  }
});
