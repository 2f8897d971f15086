// Explanations checked against brute force: Shapley values from their definition (the average
// marginal contribution over every ordering of the features), with the value function written
// here from scratch — for trees the cover-weighted expectation with the node covers counted here
// from the training rows, for the others the model's output with the unknown features at the
// window's means — and additivity (contributions sum to the output minus the base value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensembleFromParameters } from '../../src/automl/algorithms/trees/ensemble.js';
import type { Dataset } from '../../src/automl/dataset.js';
import { ExplanationUnavailableError } from '../../src/automl/errors.js';
import { Model } from '../../src/automl/model.js';
import { classTarget, generate, linearTarget, sineTarget } from './core-data.js';

type ValueFunction = (known: ReadonlySet<number>) => number;

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((rest) =>
    Array.from({ length: n }, (_, i) => [...rest.slice(0, i), n - 1, ...rest.slice(i)]),
  );
}

function bruteForceShapley(p: number, value: ValueFunction): number[] {
  const phi = new Array<number>(p).fill(0);
  const orders = permutations(p);
  for (const order of orders) {
    const known = new Set<number>();
    let before = value(known);
    for (const f of order) {
      known.add(f);
      const after = value(known);
      phi[f] += (after - before) / orders.length;
      before = after;
    }
  }
  return phi;
}

function standardised(model: Model, row: ArrayLike<number>): number[] {
  const { mean, std } = model.toJSON().normalisation;
  return Array.from(row, (v, f) => (v - mean[f]) / std[f]);
}

/** The trees' path-dependent expectation given the known features, covers counted from `data`. */
function treeValueFunction(model: Model, data: Dataset, row: number[]): ValueFunction {
  const e = ensembleFromParameters(model.toJSON().parameters);
  const count = new Float64Array(e.feature.length);
  for (let r = 0; r < data.rows; r++) {
    const z = standardised(model, data.x.subarray(r * data.features, (r + 1) * data.features));
    for (const root of e.roots) {
      let n = root;
      count[n]++;
      while (e.feature[n] >= 0) {
        n = z[e.feature[n]] <= e.threshold[n] ? e.left[n] : e.right[n];
        count[n]++;
      }
    }
  }
  const expect = (n: number, known: ReadonlySet<number>): number => {
    const f = e.feature[n];
    if (f < 0) return e.value[n];
    if (known.has(f)) return expect(row[f] <= e.threshold[n] ? e.left[n] : e.right[n], known);
    const l = count[e.left[n]];
    const r = count[e.right[n]];
    return (l * expect(e.left[n], known) + r * expect(e.right[n], known)) / (l + r);
  };
  const divisor = e.aggregation === 'mean' ? e.roots.length : 1;
  return (known) => {
    let sum = 0;
    for (const root of e.roots) sum += expect(root, known);
    return e.baseScore + sum / divisor;
  };
}

/** The model's output with the unknown features at the window's means. */
function baselineValueFunction(
  model: Model,
  row: ArrayLike<number>,
  output: (x: number[]) => number,
): ValueFunction {
  const { mean } = model.toJSON().normalisation;
  return (known) => output(Array.from(row, (v, f) => (known.has(f) ? v : mean[f])));
}

function assertClose(
  actual: readonly number[],
  expected: readonly number[],
  tolerance: number,
  what: string,
) {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(
      Math.abs(a - expected[i]) <= tolerance * (1 + Math.abs(expected[i])),
      `${what}[${i}]: ${a} vs ${expected[i]}`,
    ),
  );
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const logit = (q: number) => Math.log(q / (1 - q));
const rowOf = (data: Dataset, r: number) =>
  Array.from(data.x.subarray(r * data.features, (r + 1) * data.features));

const treeCases: {
  name: string;
  algorithm: string;
  task: 'regression' | 'classification';
  h: Record<string, number>;
}[] = [
  { name: 'gbdt regression', algorithm: 'gbdt', task: 'regression', h: { rounds: 15, maxDepth: 4 } },
  { name: 'gbdt classification', algorithm: 'gbdt', task: 'classification', h: { rounds: 15, maxDepth: 3 } },
  {
    name: 'random forest regression',
    algorithm: 'random_forest',
    task: 'regression',
    h: { trees: 5, maxDepth: 5 },
  },
  {
    name: 'random forest classification',
    algorithm: 'random_forest',
    task: 'classification',
    h: { trees: 5, maxDepth: 4 },
  },
  {
    name: 'extra trees regression',
    algorithm: 'extra_trees',
    task: 'regression',
    h: { trees: 5, maxDepth: 5 },
  },
  {
    name: 'cart (a feature split twice on a path)',
    algorithm: 'cart',
    task: 'regression',
    h: { maxDepth: 6 },
  },
];

for (const c of treeCases) {
  test(`TreeSHAP, ${c.name}: equals brute-force Shapley values and adds up to the output`, () => {
    const data = generate(300, 4, c.task === 'regression' ? sineTarget : classTarget, 11);
    const model = Model.fit(c.algorithm, data, c.h, c.task);
    const probe = generate(6, 4, sineTarget, 12);
    for (let r = 0; r < probe.rows; r++) {
      const row = rowOf(probe, r);
      const explanation = model.explainRow(row);
      assert.equal(explanation.method, 'tree-shap');
      const value = treeValueFunction(model, data, standardised(model, row));
      assertClose(explanation.contributions, bruteForceShapley(4, value), 1e-6, `${c.name} row ${r}`);
      assert.ok(Math.abs(explanation.baseValue - value(new Set())) < 1e-6);
      const total = explanation.baseValue + sum(explanation.contributions);
      if (explanation.output === 'log-odds') {
        assert.ok(Math.abs(total - logit(model.predictRowProba(row))) < 1e-6, `${total}`);
      } else if (explanation.output === 'probability') {
        assert.ok(Math.abs(total - model.predictRowProba(row)) < 1e-6);
      } else {
        assert.ok(Math.abs(total - model.predictRow(row)) < 1e-6 * (1 + Math.abs(total)));
      }
    }
  });
}

test('TreeSHAP on a loaded model JSON gives the same contributions', () => {
  const data = generate(300, 4, sineTarget, 13);
  const model = Model.fit('gbdt', data, { rounds: 10 }, 'regression');
  const loaded = Model.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  const row = rowOf(data, 5);
  assert.deepEqual(loaded.explainRow(row), model.explainRow(row));
});

test('linear models: coefficient × centred value (hand-worked on y = 3·x1 − 2·x2 + 10)', () => {
  const data = generate(400, 3, linearTarget, 14);
  const model = Model.fit('ols', data, {}, 'regression');
  const { mean } = model.toJSON().normalisation;
  const row = [1.5, -0.5, 0.25];
  const explanation = model.explainRow(row);
  assert.equal(explanation.method, 'linear');
  // The fitted slopes are 3 and −2 up to the noise (±0.05 at 400 rows), x3's is ~0.
  assert.ok(Math.abs(explanation.contributions[0] - 3 * (1.5 - mean[0])) < 0.1);
  assert.ok(Math.abs(explanation.contributions[1] + 2 * (-0.5 - mean[1])) < 0.1);
  assert.ok(Math.abs(explanation.contributions[2]) < 0.05);
  assert.ok(Math.abs(explanation.baseValue - (10 + 3 * mean[0] - 2 * mean[1])) < 0.1);
  assert.ok(Math.abs(explanation.baseValue + sum(explanation.contributions) - model.predictRow(row)) < 1e-9);
  const value = baselineValueFunction(model, row, (x) => model.predictRow(x));
  assertClose(explanation.contributions, bruteForceShapley(3, value), 1e-9, 'ols');
});

test('logistic regression: contributions in log-odds add up to the logit of the probability', () => {
  const data = generate(400, 3, classTarget, 15);
  const model = Model.fit('logistic', data, {}, 'classification');
  const row = [0.3, 1.2, -0.7];
  const explanation = model.explainRow(row);
  assert.equal(explanation.output, 'log-odds');
  const total = explanation.baseValue + sum(explanation.contributions);
  assert.ok(Math.abs(total - logit(model.predictRowProba(row))) < 1e-9);
  const value = baselineValueFunction(model, row, (x) => logit(model.predictRowProba(x)));
  assertClose(explanation.contributions, bruteForceShapley(3, value), 1e-9, 'logistic');
});

for (const algorithm of ['knn', 'gp', 'poly2_ridge']) {
  test(`${algorithm}: exact Shapley values against the window's means equal brute force`, () => {
    const data = generate(300, 4, sineTarget, 16);
    const model = Model.fit(algorithm, data, {}, 'regression');
    const row = [0.9, -1.1, 0.4, 1.7];
    const explanation = model.explainRow(row);
    assert.equal(explanation.method, 'baseline-shapley');
    const value = baselineValueFunction(model, row, (x) => model.predictRow(x));
    assertClose(explanation.contributions, bruteForceShapley(4, value), 1e-9, algorithm);
    assert.ok(Math.abs(explanation.baseValue - value(new Set())) < 1e-12);
    assert.ok(
      Math.abs(explanation.baseValue + sum(explanation.contributions) - model.predictRow(row)) < 1e-9,
    );
  });
}

test(`svm: exact Shapley values of the probability against the window's means equal brute force`, () => {
  const data = generate(300, 4, classTarget, 19);
  const model = Model.fit('svm', data, {}, 'classification');
  const row = [0.9, -1.1, 0.4, 1.7];
  const explanation = model.explainRow(row);
  assert.equal(explanation.method, 'baseline-shapley');
  assert.equal(explanation.output, 'probability');
  const value = baselineValueFunction(model, row, (x) => model.predictRowProba(x));
  assertClose(explanation.contributions, bruteForceShapley(4, value), 1e-9, 'svm');
  assert.ok(
    Math.abs(explanation.baseValue + sum(explanation.contributions) - model.predictRowProba(row)) < 1e-9,
  );
});

test('k-NN classification with 12 features: sampled Shapley values still add up exactly', () => {
  const data = generate(300, 12, classTarget, 17);
  const model = Model.fit('knn', data, { k: 7 }, 'classification');
  const row = rowOf(data, 3);
  const explanation = model.explainRow(row);
  assert.equal(explanation.method, 'sampled-shapley');
  assert.equal(explanation.output, 'probability');
  assert.ok(
    Math.abs(explanation.baseValue + sum(explanation.contributions) - model.predictRowProba(row)) < 1e-9,
  );
});

test('global importances are the mean |contribution| over the newest 100 rows', () => {
  const data = generate(500, 3, linearTarget, 18);
  const model = Model.fit('ridge', data, { lambda: 0.01 }, 'regression');
  const importances = model.importances(data.x, data.rows);
  const { mean } = model.toJSON().normalisation;
  let expected = 0;
  for (let r = 400; r < 500; r++) expected += Math.abs(model.explainRow(rowOf(data, r)).contributions[0]);
  assert.ok(Math.abs(importances.x1 - expected / 100) < 1e-12);
  // Hand-worked magnitude: slope 3 times the mean |x1 − mean| of U(−2, 2) (= 1) within the noise.
  let spread = 0;
  for (let r = 400; r < 500; r++) spread += Math.abs(data.x[r * 3] - mean[0]);
  assert.ok(Math.abs(importances.x1 - (3 * spread) / 100) < 0.1);
  assert.ok(importances.x1 > importances.x2 && importances.x2 > importances.x3);
});

test('a tree model JSON without covers answers a typed error naming the setting', () => {
  const data = generate(200, 3, sineTarget, 19);
  const json = Model.fit('gbdt', data, { rounds: 5 }, 'regression').toJSON();
  const { explanation: _dropped, ...withoutCovers } = json;
  const old = Model.fromJSON(withoutCovers);
  assert.equal(old.predictRow([0, 0, 0]), Model.fromJSON(json).predictRow([0, 0, 0]));
  assert.throws(
    () => old.explainRow([0, 0, 0]),
    (error: unknown) =>
      error instanceof ExplanationUnavailableError &&
      error.setting === 'explain' &&
      /no node covers/.test(error.message),
  );
});

test('a forest at the node cap, with covers and 2,000 held-out residuals, stays under Kafka’s 1 MB', () => {
  const data = generate(3000, 3, sineTarget, 20);
  const json = Model.fit(
    'random_forest',
    data,
    { trees: 120, maxDepth: 64, minSamplesLeaf: 1 },
    'regression',
  ).toJSON();
  assert.ok((json.parameters.nodes as number) > 20_000, `${String(json.parameters.nodes)} nodes`);
  // Residuals of a 4-digit target: ~18 characters each, as real ones.
  json.calibration = { absoluteResiduals: Array.from({ length: 2000 }, (_, i) => 1234.5678901234567 + i) };
  const bytes = JSON.stringify(json).length;
  assert.ok(bytes < 900_000, `${bytes} bytes`);
});
