import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Algorithm, Hyperparameters, ModelParameters } from '../../src/automl/algorithm.js';
import type { Dataset } from '../../src/automl/dataset.js';
import { cart, extraTrees, gbdt, randomForest } from '../../src/automl/algorithms/trees/index.js';
import { InvalidHyperparameterError, InvalidInputError } from '../../src/automl/errors.js';
import { Model } from '../../src/automl/model.js';
import { ringWindow, sineWindow } from './trees-data.js';

const learners = [gbdt, randomForest, extraTrees, cart];

function windowOf(x: number[][], y: number[]): Dataset {
  const features = x[0]?.length ?? 0;
  return {
    rows: y.length,
    features,
    x: Float64Array.from(x.flat()),
    y: Float64Array.from(y),
    featureNames: Array.from({ length: features }, (_, f) => `x${f}`),
    targetName: 'y',
  };
}

function predict(algorithm: Algorithm, parameters: ModelParameters, x: number[][]): Float64Array {
  const out = new Float64Array(x.length);
  algorithm.predict(parameters, Float64Array.from(x.flat()), x.length, x[0].length, out);
  return out;
}

test('constant features never split: the model is the mean, and a constant column is ignored', () => {
  const constant = windowOf(
    [
      [1, 5],
      [1, 5],
      [1, 5],
      [1, 5],
    ],
    [1, 2, 3, 6],
  );
  // Without the bootstrap (a random forest averages bootstrap means, which only approximate it).
  const exact: Array<[Algorithm, Hyperparameters]> = [
    [gbdt, {}],
    [cart, {}],
    [randomForest, { bootstrap: false, trees: 3 }],
    [extraTrees, { trees: 3 }],
  ];
  for (const [algorithm, h] of exact) {
    const parameters = algorithm.fit(constant, h, 'regression');
    assert.equal(parameters.nodes, parameters.trees, `${algorithm.name}: every tree is a single leaf`);
    for (const v of predict(algorithm, parameters, [
      [1, 5],
      [-3, 9],
    ]))
      assert.ok(Math.abs(v - 3) < 1e-6, `${v}`);
  }
  const data = sineWindow(500, 3, 1);
  for (let r = 0; r < data.rows; r++) data.x[r * 3 + 2] = 7;
  for (const algorithm of learners) {
    assert.equal((algorithm.fit(data, {}, 'regression').importance as number[])[2], 0, algorithm.name);
  }
});

test('a single row gives its target everywhere', () => {
  const one = windowOf([[0.5, -1]], [4.25]);
  for (const algorithm of learners) {
    const p = predict(algorithm, algorithm.fit(one, {}, 'regression'), [
      [0, 0],
      [9, 9],
    ]);
    assert.deepEqual([...p], [4.25, 4.25], algorithm.name);
  }
});

test('an all-equal target predicts that value, never NaN', () => {
  const data = sineWindow(300, 3, 2);
  data.y.fill(0.1);
  for (const algorithm of learners) {
    const parameters = algorithm.fit(data, {}, 'regression');
    assert.equal(parameters.nodes, parameters.trees, `${algorithm.name} split a constant target`);
    for (const v of predict(algorithm, parameters, [[0, 1, 2]])) assert.ok(Math.abs(v - 0.1) < 1e-12, `${v}`);
  }
});

test('a one-class window gives finite probabilities of that class', () => {
  const data = ringWindow(200, 2, 3);
  for (const label of [0, 1]) {
    data.y.fill(label);
    for (const algorithm of learners) {
      const [p] = predict(algorithm, algorithm.fit(data, {}, 'classification'), [[0.3, 0.3]]);
      assert.ok(Number.isFinite(p) && Math.abs(p - label) < 1e-3, `${algorithm.name} label ${label}: ${p}`);
    }
  }
});

test('absurd hyperparameters are refused with their name', () => {
  const data = sineWindow(100, 2, 4);
  const cases: Array<[Algorithm, Hyperparameters, string]> = [
    [gbdt, { maxDepth: 0 }, 'maxDepth'],
    [gbdt, { learningRate: -0.1 }, 'learningRate'],
    [gbdt, { learningRate: 0 }, 'learningRate'],
    [gbdt, { rounds: 0 }, 'rounds'],
    [gbdt, { rounds: 2.5 }, 'rounds'],
    [gbdt, { subsample: 1.5 }, 'subsample'],
    [gbdt, { l2: -1 }, 'l2'],
    [gbdt, { l2: Number.NaN }, 'l2'],
    [gbdt, { maxBins: 1000 }, 'maxBins'],
    [gbdt, { learningRate: '0.1' }, 'learningRate'],
    [gbdt, { nEstimators: 100 }, 'nEstimators'],
    [randomForest, { trees: 0 }, 'trees'],
    [randomForest, { trees: 1e6 }, 'trees'],
    [randomForest, { maxFeatures: 0 }, 'maxFeatures'],
    [randomForest, { bootstrap: 1 }, 'bootstrap'],
    [extraTrees, { trees: 0 }, 'trees'],
    [extraTrees, { maxFeatures: 0 }, 'maxFeatures'],
    [extraTrees, { maxFeatures: 1.5 }, 'maxFeatures'],
    [extraTrees, { minSamplesLeaf: 0 }, 'minSamplesLeaf'],
    [extraTrees, { bootstrap: 'no' }, 'bootstrap'],
    [extraTrees, { seed: -1 }, 'seed'],
    [extraTrees, { randomThresholds: true }, 'randomThresholds'],
    [cart, { maxDepth: -3 }, 'maxDepth'],
    [cart, { minSamplesLeaf: 0 }, 'minSamplesLeaf'],
    [cart, { seed: 1 }, 'seed'],
  ];
  for (const [algorithm, h, name] of cases) {
    assert.throws(
      () => algorithm.fit(data, h, 'regression'),
      (e: unknown) =>
        e instanceof InvalidHyperparameterError && e.hyperparameter === name && e.message.includes(name),
      `${algorithm.name} ${JSON.stringify(h)}`,
    );
  }
});

test('oversized trees fall back to the node budget instead of failing, and say so', () => {
  const data = sineWindow(2000, 2, 5);
  const parameters = gbdt.fit(data, { rounds: 3000, maxDepth: 32, learningRate: 0.01 }, 'regression');
  assert.equal(parameters.leafCap, 4);
  assert.ok((parameters.nodes as number) <= 3000 * 7);
  assert.match((parameters.fallbacks as string[])[0], /stopped at 4 leaves/);
  const model = Model.fit('random_forest', data, { trees: 100 }, 'regression');
  assert.ok(
    model.fallbacks.some((f) => f.includes('stopped at 123 leaves')),
    JSON.stringify(model.fallbacks),
  );
  const small = gbdt.fit(sineWindow(3, 2, 5), { validationFraction: 0.2 }, 'regression');
  assert.match((small.fallbacks as string[])[0], /early stopping off/);
  assert.equal(gbdt.fit(data, {}, 'regression').fallbacks, undefined);
});

test('unusable windows are refused with the problem named', () => {
  const good = sineWindow(20, 2, 6);
  const withX = (i: number, v: number) => {
    const x = good.x.slice();
    x[i] = v;
    return { ...good, x };
  };
  const withY = (i: number, v: number) => {
    const y = good.y.slice();
    y[i] = v;
    return { ...good, y };
  };
  const cases: Array<[Dataset, string, RegExp]> = [
    [withX(5, Number.NaN), 'regression', /non-finite/],
    [withX(5, Infinity), 'regression', /non-finite/],
    [withY(3, Number.NaN), 'regression', /non-finite/],
    [withY(3, 0.5), 'classification', /0 or 1/],
    [{ ...good, rows: 0, x: new Float64Array(0), y: new Float64Array(0) }, 'regression', /at least 1/],
    [{ ...good, x: good.x.subarray(1) }, 'regression', /rows × features/],
    [{ ...good, y: good.y.map((_, i) => (i % 2 === 0 ? 1e40 : -1e40)) }, 'regression', /Float32/],
  ];
  for (const algorithm of learners) {
    for (const [data, task, message] of cases) {
      assert.throws(
        () => algorithm.fit(data, {}, task as 'regression' | 'classification'),
        (e: unknown) => e instanceof InvalidInputError && message.test(e.message),
        `${algorithm.name} ${message}`,
      );
    }
  }
});

test('prediction checks the input width and never answers NaN', () => {
  const data = sineWindow(200, 3, 7);
  for (const algorithm of learners) {
    const parameters = algorithm.fit(data, {}, 'regression');
    assert.throws(() => predict(algorithm, parameters, [[1, 2]]), /expects 3 features, got 2/);
    const out = new Float64Array(2);
    algorithm.predict(
      parameters,
      Float64Array.from([Number.NaN, 1, 2, Infinity, -Infinity, Number.NaN]),
      2,
      3,
      out,
    );
    assert.ok(out.every(Number.isFinite), `${algorithm.name} ${[...out]}`);
  }
});

test('corrupted model parameters are refused rather than looping or reading out of bounds', () => {
  const parameters = gbdt.fit(sineWindow(200, 2, 8), { rounds: 3 }, 'regression');
  const left = new Int32Array(Buffer.from(parameters.left as string, 'base64').buffer.slice(0));
  left[0] = 0; // the root pointing at itself would loop forever
  const cycle = { ...parameters, left: Buffer.from(left.buffer).toString('base64') };
  const cases: ModelParameters[] = [
    cycle,
    { ...parameters, encoding: 'something-else' },
    { ...parameters, value: 'AAAA' },
    { ...parameters, feature: 42 },
    { ...parameters, features: 1 },
  ];
  for (const broken of cases) {
    assert.throws(
      () => gbdt.predict(broken, new Float64Array(2), 1, 2, new Float64Array(1)),
      (e: unknown) => e instanceof InvalidInputError,
    );
  }
});
