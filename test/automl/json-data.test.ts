import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asJsonData, isJsonData } from '../../src/automl/data/json-data.js';
import { ensembleHyperparameters, type EnsembleMember } from '../../src/automl/algorithms/ensemble.js';
import { Model } from '../../src/automl/model.js';
import { generate, sineTarget } from './core-data.js';

/** The reference: what a JSON round trip gives back. */
const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

test('asJsonData keeps plain JSON data as it is (no copy), equal to its round trip', () => {
  const values = [
    { coefficients: [1.5, -2, 0, 1e-300], intercept: 3, kind: 'ridge', flags: [true, false, null] },
    { members: [{ algorithm: 'cart', weight: 0.5, parameters: { roots: 'AAAA', nodes: 1 } }] },
    [],
    {},
    'text',
    7,
  ];
  for (const value of values) {
    assert.equal(isJsonData(value), true, JSON.stringify(value));
    assert.equal(asJsonData(value), value);
    assert.deepEqual(asJsonData(value), roundTrip(value));
  }
});

test('asJsonData gives the round trip of anything the round trip changes', () => {
  class Box {
    constructor(readonly v: number) {}
  }
  const sparse: number[] = [1];
  sparse[2] = 3; // a hole at 1
  const nonEnumerable = { a: 1 };
  Object.defineProperty(nonEnumerable, 'hidden', { value: 2, enumerable: false });
  const values: unknown[] = [
    { zero: -0, rest: [1, -0] },
    { nan: Number.NaN, inf: [Number.POSITIVE_INFINITY, 1] },
    { gone: undefined, kept: 1 },
    [undefined, 1],
    { typed: new Float64Array([1, 2]) },
    { box: new Box(1) },
    { date: new Date(0) },
    { custom: { toJSON: () => 'custom' } },
    sparse,
    nonEnumerable,
    { [Symbol('s')]: 1, a: 2 },
  ];
  for (const value of values) {
    assert.equal(isJsonData(value), false);
    const out = asJsonData(value);
    assert.notEqual(out, value);
    assert.deepEqual(out, roundTrip(value));
  }
  // −0 is turned into 0 exactly as the round trip does
  assert.ok(Object.is((asJsonData({ z: -0 }) as { z: number }).z, 0));
});

test('a model fitted without the copy predicts bit-identically to its JSON round trip (ensemble with a tree)', () => {
  const train = generate(30, 6, sineTarget, 3);
  const query = generate(50, 6, sineTarget, 4);
  const hyperparameters = ensembleHyperparameters([
    { algorithm: 'cart', hyperparameters: { maxDepth: 4, minSamplesLeaf: 1 }, weight: 0.5 },
    { algorithm: 'poly2_ridge', hyperparameters: {}, weight: 0.3 },
    { algorithm: 'knn', hyperparameters: {}, weight: 0.2 },
  ]);
  for (const [name, h] of [
    ['ensemble', hyperparameters],
    ['cart', { maxDepth: 4, minSamplesLeaf: 1 }],
    ['ridge', {}],
  ] as const) {
    const model = Model.fit(name, train, h, 'regression');
    const loaded = Model.fromJSON(JSON.stringify(model.toJSON()));
    const a = model.predict(query.x, query.rows);
    const b = loaded.predict(query.x, query.rows);
    assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer), name);
    // and row by row (the row path of a solution)
    for (let r = 0; r < query.rows; r++) {
      const row = query.x.subarray(r * 6, (r + 1) * 6);
      assert.ok(Object.is(model.predictRow(row), b[r]), `${name} row ${r}`);
    }
  }
});

test('an ensemble fitted again, after another ensemble, predicts the weighted mean of its own members', () => {
  const train = generate(30, 6, sineTarget, 5);
  const query = generate(40, 6, sineTarget, 6);
  const members = (weights: number[]): EnsembleMember[] => [
    { algorithm: 'cart', hyperparameters: { maxDepth: 3, minSamplesLeaf: 2 }, weight: weights[0] },
    { algorithm: 'ridge', hyperparameters: {}, weight: weights[1] },
  ];
  const a = ensembleHyperparameters(members([3, 1]));
  const b = ensembleHyperparameters(members([1, 3]));
  const cart = Model.fit('cart', train, { maxDepth: 3, minSamplesLeaf: 2 }, 'regression').predict(
    query.x,
    query.rows,
  );
  const ridge = Model.fit('ridge', train, {}, 'regression').predict(query.x, query.rows);
  for (const [h, wc] of [
    [a, 0.75],
    [b, 0.25],
    [a, 0.75],
  ] as const) {
    const out = Model.fit('ensemble', train, h, 'regression').predict(query.x, query.rows);
    for (let r = 0; r < query.rows; r++) {
      assert.ok(Math.abs(out[r] - (wc * cart[r] + (1 - wc) * ridge[r])) < 1e-9, `row ${r}`);
    }
  }
});
