import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BruteForce,
  KdTree,
  neighbourBuffer,
  neighbourSearch,
} from '../../src/automl/algorithms/knn-search.js';
import { BlockedBruteForce } from '../../src/automl/algorithms/knn-blocked.js';
import { Model } from '../../src/automl/model.js';
import { mulberry32 } from '../../src/automl/random.js';
import { generate, sineTarget } from './core-data.js';

function randomRows(rows: number, features: number, seed: number, levels = 0): Float64Array {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  // levels > 0: values on a coarse grid, so many rows tie in distance (and some are duplicates).
  for (let i = 0; i < x.length; i++) x[i] = levels > 0 ? Math.floor(random() * levels) : 4 * random() - 2;
  return x;
}

function assertSameNeighbours(
  train: Float64Array,
  rows: number,
  p: number,
  k: number,
  queries: Float64Array,
) {
  const tree = new KdTree(train, rows, p, k);
  const brute = new BruteForce(train, rows, p, k);
  const a = neighbourBuffer(k);
  const b = neighbourBuffer(k);
  let visited = 0;
  for (let q = 0; q < queries.length / p; q++) {
    tree.search(queries, q * p, a);
    brute.search(queries, q * p, b);
    assert.equal(a.found, b.found);
    assert.deepEqual(a.index, b.index, `query ${q}: neighbours differ`);
    assert.deepEqual(a.distance, b.distance);
    visited++;
  }
  assert.ok(visited > 0);
}

test('the k-d tree finds exactly the neighbours of brute force, in the same order', () => {
  for (const [rows, p, k] of [
    [2000, 2, 1],
    [3000, 5, 5],
    [1000, 8, 20],
    [300, 15, 50],
  ]) {
    assertSameNeighbours(randomRows(rows, p, rows + p), rows, p, k, randomRows(200, p, 7 * p));
  }
});

test('ties in distance (grid values, duplicate rows) resolve to the older row on both searches', () => {
  const rows = 1500;
  const p = 3;
  const train = randomRows(rows, p, 3, 4); // 64 distinct points: every neighbour list is full of ties
  assertSameNeighbours(train, rows, p, 10, randomRows(300, p, 4, 4));
  // queries exactly on stored rows
  assertSameNeighbours(train, rows, p, 3, train.slice(0, 300 * p));
});

/** The blocked scan of many queries against brute force, query by query, neighbours and distances. */
function assertBlockedSame(train: Float64Array, rows: number, p: number, k: number, queries: Float64Array) {
  const brute = new BruteForce(train, rows, p, k);
  const expected = neighbourBuffer(k);
  const got = neighbourBuffer(k);
  let visited = 0;
  new BlockedBruteForce(train, rows, p, k).searchAll(queries, queries.length / p, got, (q) => {
    assert.equal(q, visited++, 'queries are visited in order');
    brute.search(queries, q * p, expected);
    assert.equal(got.found, expected.found);
    assert.deepEqual(got.index, expected.index, `query ${q}: neighbours differ`);
    assert.deepEqual(got.distance, expected.distance);
  });
  assert.equal(visited, queries.length / p);
}

test('the blocked scan (estimate by dot products, exact re-rank) finds exactly the brute-force neighbours', () => {
  // odd row and query counts exercise the one-row and one-query tails
  assertBlockedSame(randomRows(2001, 50, 1), 2001, 50, 5, randomRows(203, 50, 2));
  assertBlockedSame(randomRows(777, 23, 3), 777, 23, 30, randomRows(101, 23, 4));
  // k larger than the stored rows
  assertBlockedSame(randomRows(9, 20, 5), 9, 20, 12, randomRows(8, 20, 6));
  // grid values: ties and duplicate rows everywhere, large values (rounding bound at its widest)
  const grid = randomRows(1500, 20, 7, 3);
  assertBlockedSame(grid, 1500, 20, 10, randomRows(300, 20, 8, 3));
  assertBlockedSame(grid, 1500, 20, 3, grid.slice(0, 300 * 20));
  const large = randomRows(1000, 30, 9).map((v) => 1e6 + v);
  assertBlockedSame(
    large,
    1000,
    30,
    5,
    randomRows(120, 30, 10).map((v) => 1e6 + v),
  );
});

test('low-dimensional windows use the tree, high-dimensional ones brute force', () => {
  const x = randomRows(1000, 5, 1);
  assert.ok(neighbourSearch(x, 1000, 5, 5) instanceof KdTree);
  assert.ok(neighbourSearch(randomRows(1000, 40, 1), 1000, 40, 5) instanceof BruteForce);
  assert.ok(neighbourSearch(randomRows(100, 5, 1), 100, 5, 5) instanceof BruteForce);
});

test('k-NN predictions through the tree equal a plain brute-force reference, and survive JSON', () => {
  const train = generate(3000, 4, sineTarget, 21);
  const hold = generate(400, 4, sineTarget, 22);
  for (const weights of ['uniform', 'distance']) {
    const model = Model.fit('knn', train, { k: 7, weights }, 'regression');
    const predicted = model.predict(hold.x, hold.rows);
    // the reference: the model's standardised rows searched by brute force, averaged the same way
    const json = model.toJSON();
    const { mean, std } = json.normalisation;
    const z = (v: Float64Array) => v.map((value, i) => (value - mean[i % 4]) / std[i % 4]);
    const stored = z(train.x);
    const queries = z(hold.x);
    const brute = new BruteForce(stored, train.rows, 4, 7);
    const found = neighbourBuffer(7);
    for (let r = 0; r < hold.rows; r++) {
      brute.search(queries, r * 4, found);
      let s = 0;
      let w = 0;
      for (let j = 0; j < 7; j++) {
        const wj = weights === 'uniform' ? 1 : 1 / Math.sqrt(found.distance[j]);
        s += wj * train.y[found.index[j]];
        w += wj;
      }
      const expected = weights === 'uniform' ? s / 7 : s / w;
      assert.ok(Math.abs(predicted[r] - expected) < 1e-12, `row ${r}: ${predicted[r]} vs ${expected}`);
    }
    const reloaded = Model.fromJSON(JSON.parse(JSON.stringify(json)));
    assert.deepEqual(reloaded.predict(hold.x, hold.rows), predicted);
  }
});
