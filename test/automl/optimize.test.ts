import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boxBounds,
  describeColumns,
  InvalidBoundsError,
  InvalidConstraintsError,
  NonFiniteObjectiveError,
  optimize,
  optimizeModel,
  resolveBounds,
  UnknownVariableError,
  type Bounds,
  type RowModel,
} from '../../src/automl/optimize/index.js';
import { AutoMLError, InvalidInputError } from '../../src/automl/errors.js';
import { NonFiniteValueError } from '../../src/automl/statistics/errors.js';
import { Model } from '../../src/automl/model.js';
import { getAlgorithm } from '../../src/automl/algorithms/index.js';
import { mulberry32, normal } from '../../src/automl/random.js';
import type { Dataset } from '../../src/automl/dataset.js';

const cube = (d: number, lo: number, hi: number): Bounds =>
  boxBounds(Array.from({ length: d }, () => [lo, hi] as const));

const sphere = (x: Float64Array): number => {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += (x[j] - 0.5) ** 2;
  return s;
};

const rosenbrock = (x: Float64Array): number => {
  let s = 0;
  for (let j = 0; j < x.length - 1; j++) s += 100 * (x[j + 1] - x[j] ** 2) ** 2 + (1 - x[j]) ** 2;
  return s;
};

const rastrigin = (x: Float64Array): number => {
  let s = 10 * x.length;
  for (let j = 0; j < x.length; j++) s += x[j] ** 2 - 10 * Math.cos(2 * Math.PI * x[j]);
  return s;
};

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let j = 0; j < expected.length; j++) {
    assert.ok(
      Math.abs(actual[j] - expected[j]) <= tolerance,
      `coordinate ${j}: expected ${expected[j]}, got ${actual[j]} (±${tolerance})`,
    );
  }
}

/** A window of `rows` rows where y = Σ coefficients·x + N(0, noise²), x ~ U(lo, hi). */
function linearWindow(
  coefficients: number[],
  rows: number,
  lo: number,
  hi: number,
  noise: number,
  seed = 7,
): Dataset {
  const random = mulberry32(seed);
  const p = coefficients.length;
  const x = new Float64Array(rows * p);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let v = 0;
    for (let f = 0; f < p; f++) {
      x[r * p + f] = lo + random() * (hi - lo);
      v += coefficients[f] * x[r * p + f];
    }
    y[r] = v + noise * normal(random);
  }
  const featureNames = coefficients.map((_, f) => `x${f + 1}`);
  return { rows, features: p, x, y, featureNames, targetName: 'y' };
}

describe('bounded optimization of functions', () => {
  it('finds the minimum of a 5-D sphere inside the box', () => {
    const r = optimize(sphere, cube(5, -2, 2));
    assertNear(r.x, [0.5, 0.5, 0.5, 0.5, 0.5], 1e-6);
    assert.ok(r.value < 1e-10, `value ${r.value}`);
    assert.equal(r.direction, 'minimize');
    assert.ok(r.local !== null && r.evaluations === r.global.evaluations + r.local.evaluations);
  });

  it('finds the global minimum of the 5-D Rosenbrock function, not its local one at (−1, 1, 1, 1, 1)', () => {
    const r = optimize(rosenbrock, cube(5, -2, 2));
    assertNear(r.x, [1, 1, 1, 1, 1], 1e-4);
    assert.ok(r.value < 1e-8, `value ${r.value}`);
  });

  it('finds a constrained optimum on the boundary (Rosenbrock with x1 ≤ 0.5)', () => {
    // With x1 capped at 0.5 the minimum is at x1 = 0.5, x2 = x1² = 0.25: value (1 − 0.5)² = 0.25.
    const r = optimize(
      rosenbrock,
      boxBounds([
        [-2, 0.5],
        [-1, 3],
      ]),
    );
    assertNear(r.x, [0.5, 0.25], 1e-5);
    assert.ok(Math.abs(r.value - 0.25) < 1e-9, `value ${r.value}`);
  });

  it('lands exactly on the corner where a linear function is optimal', () => {
    const f = (x: Float64Array) => 3 * x[0] - 2 * x[1] + 0.5 * x[2] - x[3] + 0.1 * x[4] + 1;
    const max = optimize(f, cube(5, -2, 2), { direction: 'maximize' });
    assert.deepEqual(Array.from(max.x), [2, -2, 2, -2, 2]);
    assert.equal(max.value, 1 + 2 * (3 + 2 + 0.5 + 1 + 0.1));
    const min = optimize(f, cube(5, -2, 2), { direction: 'minimize' });
    assert.deepEqual(Array.from(min.x), [-2, 2, -2, 2, -2]);
    assert.equal(min.value, 1 - 2 * (3 + 2 + 0.5 + 1 + 0.1));
  });

  it('lands on the corner in 50 dimensions too (the compass search walks each variable to its bound)', () => {
    const c = Array.from({ length: 50 }, (_, j) => (j % 2 === 0 ? 1 : -1) * (j + 1));
    const f = (x: Float64Array) => {
      let s = 0;
      for (let j = 0; j < 50; j++) s += c[j] * x[j];
      return s;
    };
    const r = optimize(f, cube(50, -1, 1), { direction: 'maximize' });
    assert.deepEqual(
      Array.from(r.x),
      c.map((v) => Math.sign(v)),
    );
  });

  it('maximises sin(x1)·x2 with three irrelevant inputs (maximum 2 at ±(π/2, 2))', () => {
    const r = optimize((x) => Math.sin(x[0]) * x[1], cube(5, -2, 2), { direction: 'maximize' });
    assert.ok(Math.abs(r.value - 2) < 1e-9, `value ${r.value}`);
    const [x1, x2] = r.x;
    assert.ok(
      Math.abs(Math.abs(x1) - Math.PI / 2) < 1e-4 && Math.abs(x2) === 2 && x1 * x2 > 0,
      `x ${Array.from(r.x)}`,
    );
  });

  it('escapes the local minima of the Rastrigin function in 5 dimensions', () => {
    const r = optimize(rastrigin, cube(5, -5.12, 5.12));
    assertNear(r.x, [0, 0, 0, 0, 0], 1e-5);
    assert.ok(r.value < 1e-8, `value ${r.value}`);
  });

  it('is reproducible for a seed and keeps fixed variables fixed', () => {
    const bounds = boxBounds([
      [-2, 2],
      [0.7, 0.7],
      [-2, 2],
    ]);
    const a = optimize(sphere, bounds, { seed: 42 });
    const b = optimize(sphere, bounds, { seed: 42 });
    assert.deepEqual(Array.from(a.x), Array.from(b.x));
    assert.equal(a.x[1], 0.7);
    assertNear(a.x, [0.5, 0.7, 0.5], 1e-6);
  });

  it('skips the local phase when epsilon is 0 and still gets close', () => {
    const r = optimize(sphere, cube(3, -2, 2), { epsilon: 0 });
    assert.equal(r.local, null);
    assert.ok(r.value < 1e-3, `value ${r.value}`);
  });

  it('treats non-finite objective values as the worst and avoids them', () => {
    const r = optimize((x) => (x[0] < 0 ? NaN : (x[0] - 1) ** 2), boxBounds([[-5, 5]]));
    assert.ok(Math.abs(r.x[0] - 1) < 1e-6);
  });

  it('stops within a time budget with a point inside the box', () => {
    const bounds = cube(5, -2, 2);
    const r = optimize(rosenbrock, bounds, { timeBudgetMs: 0 });
    for (let j = 0; j < 5; j++) assert.ok(r.x[j] >= -2 && r.x[j] <= 2);
    assert.ok(Number.isFinite(r.value));
  });

  describe('bad input', () => {
    it('refuses min > max and non-finite bounds', () => {
      assert.throws(
        () => boxBounds([[3, 1]], ['speed']),
        (e: unknown) =>
          e instanceof InvalidBoundsError && /'speed': min 3 is greater than max 1/.test(e.message),
      );
      assert.throws(
        () => optimize(sphere, { lower: new Float64Array([0, NaN]), upper: new Float64Array([1, 1]) }),
        InvalidBoundsError,
      );
      assert.throws(
        () => optimize(sphere, { lower: new Float64Array([0, -Infinity]), upper: new Float64Array([1, 1]) }),
        InvalidBoundsError,
      );
      assert.throws(
        () => optimize(sphere, { lower: new Float64Array([0]), upper: new Float64Array([1, 1]) }),
        InvalidInputError,
      );
      assert.throws(
        () => optimize(sphere, { lower: new Float64Array(0), upper: new Float64Array(0) }),
        InvalidInputError,
      );
    });

    it('refuses bad options', () => {
      assert.throws(() => optimize(sphere, cube(2, 0, 1), { epsilon: -1 }), /epsilon must be a number ≥ 0/);
      assert.throws(() => optimize(sphere, cube(2, 0, 1), { globalRuns: 0 }), /globalRuns/);
      assert.throws(() => optimize(sphere, cube(2, 0, 1), { timeBudgetMs: -1 }), /timeBudgetMs/);
      assert.throws(() => optimize(sphere, cube(2, 0, 1), { maxEvaluations: NaN }), /maxEvaluations/);
      // @ts-expect-error: a wrong direction from untyped callers
      assert.throws(() => optimize(sphere, cube(2, 0, 1), { direction: 'up' }), /direction/);
    });

    it('reports an objective that is nowhere finite', () => {
      assert.throws(() => optimize(() => NaN, cube(2, 0, 1)), NonFiniteObjectiveError);
    });
  });
});

describe('optimization of a trained model (VIPER viperhpdeoptimize)', () => {
  // y = 3·x1 − 2·x2 on x ∈ [0, 10]²: an OLS model's maximum is at the corner (max x1, min x2).
  const data = linearWindow([3, -2], 200, 0, 10, 0.01);
  const model = Model.fit('ols', data, {}, 'regression');
  const stats = describeColumns(data.x, data.rows, data.featureNames);
  const [s1, s2] = stats;

  it('describes the window as VIPER DescriptiveStats', () => {
    assert.ok(s1.min >= 0 && s1.max <= 10 && s1.max - s1.min > 9);
    let sum = 0;
    for (let r = 0; r < data.rows; r++) sum += data.x[r * 2];
    assert.ok(Math.abs(s1.mean - sum / data.rows) < 1e-12);
    assert.ok(Math.abs(s1.std - 10 / Math.sqrt(12)) < 0.4, `std ${s1.std}`);
  });

  it('maximises at the corner (max x1, min x2) with constrainttype 1', () => {
    const r = optimizeModel(model, { stats, ismin: 0 });
    assert.equal(r.objective, 'Maximization');
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [s1.max, s2.min],
    );
    assert.ok(Math.abs(r.value - (3 * s1.max - 2 * s2.min)) < 0.05, `value ${r.value}`);
    assert.equal(r.value, model.predictRow([s1.max, s2.min]));
  });

  it('minimises at the opposite corner', () => {
    const r = optimizeModel(model, { stats, ismin: 1 });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [s1.min, s2.max],
    );
  });

  it('stretches the bounds by stretchbounds percent with constrainttype 3', () => {
    const r = optimizeModel(model, { stats, ismin: 0, constraintType: 3, stretchBounds: 10 });
    const w1 = s1.max - s1.min;
    const w2 = s2.max - s2.min;
    assert.deepEqual(r.bounds[0], { variable: 'x1', min: s1.min - 0.1 * w1, max: s1.max + 0.1 * w1 });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [s1.max + 0.1 * w1, s2.min - 0.1 * w2],
    );
  });

  it('narrows the bounds to mean ± 2 std within min/max with constrainttype 2', () => {
    const skewed = [{ variable: 'a', min: 0, max: 100, mean: 10, std: 5 }];
    assert.deepEqual(Array.from(resolveBounds({ stats: skewed, constraintType: 2 }).bounds.lower), [0]);
    assert.deepEqual(Array.from(resolveBounds({ stats: skewed, constraintType: 2 }).bounds.upper), [20]);
    const r = optimizeModel(model, { stats, ismin: 0, constraintType: 2 });
    assert.ok(r.bounds[0].max <= s1.max && r.bounds[0].max === Math.min(s1.max, s1.mean + 2 * s1.std));
  });

  it('applies user constraints to the variables they name, the constraint type to the rest', () => {
    const r = optimizeModel(model, { stats, ismin: 0, constraints: ' x1:2:3 ', constraintType: 1 });
    assert.deepEqual(r.bounds[0], { variable: 'x1', min: 2, max: 3 });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [3, s2.min],
    );
    assert.deepEqual(r.userConstrained, ['x1']);
    // names match case-insensitively when unambiguous; 'best' means no user constraints
    assert.deepEqual(optimizeModel(model, { stats, constraints: 'X2:1:2' }).bounds[1].max, 2);
    assert.deepEqual(optimizeModel(model, { stats, constraints: 'BEST' }).userConstrained, []);
  });

  it('optimises a classifier on its probability of class 1', () => {
    // A fake logistic model p = σ(2·a − b): the label is flat, the probability is not.
    const sigmoid = (x: ArrayLike<number>) => 1 / (1 + Math.exp(-(2 * x[0] - x[1])));
    const classifier: RowModel = {
      task: 'classification',
      featureNames: ['a', 'b'],
      predictRow: (x) => (sigmoid(x) >= 0.5 ? 1 : 0),
      predictRowProba: sigmoid,
    };
    const r = optimizeModel(classifier, {
      stats: [
        { variable: 'a', min: -1, max: 1, mean: 0, std: 0.5 },
        { variable: 'b', min: -1, max: 1, mean: 0, std: 0.5 },
      ],
      ismin: 0,
    });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [1, -1],
    );
    assert.ok(Math.abs(r.value - 1 / (1 + Math.exp(-3))) < 1e-12);
  });

  it('maximises a trained logistic classifier’s probability at the corner of its box', () => {
    // class 1 when 3·x1 − 2·x2 + noise > 0: the probability of class 1 peaks at (max x1, min x2)
    const w = linearWindow([3, -2], 400, -1, 1, 0, 5);
    const random = mulberry32(6);
    const y = w.y.map((v) => (v + 0.5 * normal(random) > 0 ? 1 : 0));
    const classifier = Model.fit('logistic', { ...w, y }, {}, 'classification');
    const st = describeColumns(w.x, w.rows, w.featureNames);
    const r = optimizeModel(classifier, { stats: st, ismin: 0 });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      [st[0].max, st[1].min],
    );
    assert.equal(r.value, classifier.predictRowProba([st[0].max, st[1].min]));
    assert.ok(r.value > 0.99);
  });

  it('finds the best plateau of a gradient-boosted tree model (piecewise constant)', () => {
    // y = sin(x1)·x2 on [−2, 2]²: the true maximum is 2, at (π/2, 2) and at (−π/2, −2); trees are
    // flat between splits, where gradient methods stall (reference/ml-stack.md §5).
    const random = mulberry32(8);
    const rows = 1000;
    const x = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      x[2 * r] = -2 + 4 * random();
      x[2 * r + 1] = -2 + 4 * random();
      y[r] = Math.sin(x[2 * r]) * x[2 * r + 1];
    }
    const data: Dataset = { rows, features: 2, x, y, featureNames: ['x1', 'x2'], targetName: 'y' };
    const space = { rows, features: 2, task: 'regression' as const };
    const gbdt = Model.fit('gbdt', data, getAlgorithm('gbdt').defaults(space), 'regression');
    const st = describeColumns(x, rows, data.featureNames);
    const r = optimizeModel(gbdt, { stats: st, ismin: 0 });
    // No point of a fine grid predicts more than what the optimizer found.
    let gridBest = -Infinity;
    for (let i = 0; i <= 60; i++) {
      for (let j = 0; j <= 60; j++) {
        const p = gbdt.predictRow([
          st[0].min + (i / 60) * (st[0].max - st[0].min),
          st[1].min + (j / 60) * (st[1].max - st[1].min),
        ]);
        if (p > gridBest) gridBest = p;
      }
    }
    assert.ok(r.value >= gridBest - 1e-12, `optimizer ${r.value} < grid ${gridBest}`);
    assert.ok(Math.abs(r.value - 2) < 0.3, `value ${r.value}`);
    const [x1, x2] = r.optimalValues.map((v) => v.value);
    assert.ok(
      Math.abs(Math.abs(x1) - Math.PI / 2) < 0.4 && Math.abs(x2) > 1.6 && x1 * x2 > 0,
      `at (${x1}, ${x2})`,
    );
  });

  // Its speed is measured in bench/automl-speed.ts (npm run bench:automl-speed).
  it('optimises a 5-variable linear model to the corner its signs point to, in a bounded search', () => {
    const five = linearWindow([1, -2, 3, -4, 5], 1000, -1, 1, 0.1, 11);
    const m = Model.fit('ols', five, {}, 'regression');
    const st = describeColumns(five.x, five.rows, five.featureNames);
    const r = optimizeModel(m, { stats: st, ismin: 0 });
    assert.deepEqual(
      r.optimalValues.map((v) => v.value),
      st.map((s, j) => ([1, -2, 3, -4, 5][j] > 0 ? s.max : s.min)),
    );
    // the same search again finds the same point with the same work
    const again = optimizeModel(m, { stats: st, ismin: 0 });
    assert.deepEqual(again.optimalValues, r.optimalValues);
    assert.equal(again.search.evaluations, r.search.evaluations);
  });

  it('avoids the region where a model cannot predict, and passes bad input on', () => {
    const fragile: RowModel = {
      task: 'regression',
      featureNames: ['a'],
      predictRow: (x) => {
        if (x[0] > 0.5) throw new AutoMLError('produced a non-finite prediction');
        return x[0];
      },
      predictRowProba: () => 0,
    };
    const stats = [{ variable: 'a', min: 0, max: 1, mean: 0.5, std: 0.3 }];
    const r = optimizeModel(fragile, { stats, ismin: 0 });
    assert.ok(r.value <= 0.5 && r.value > 0.5 - 1e-6, `value ${r.value}`);
    const strict: RowModel = {
      ...fragile,
      predictRow: () => {
        throw new InvalidInputError('expected 2 values');
      },
    };
    assert.throws(() => optimizeModel(strict, { stats }), /expected 2 values/);
  });

  describe('bad input', () => {
    it('names an unknown variable in constraints', () => {
      assert.throws(
        () => optimizeModel(model, { stats, constraints: 'x1:0:1,pressure:0:5' }),
        (e: unknown) =>
          e instanceof UnknownVariableError &&
          e.variable === 'pressure' &&
          /unknown variable 'pressure'.*x1, x2/.test(e.message),
      );
    });

    it('refuses constraints with min > max', () => {
      assert.throws(() => optimizeModel(model, { stats, constraints: 'x1:5:1' }), InvalidBoundsError);
    });

    it('refuses unreadable constraints', () => {
      for (const c of ['x1:a:b', 'x1:1', 'x1', ':1:2', 'x1:1:2,x1:2:3', 'x1::2']) {
        assert.throws(() => optimizeModel(model, { stats, constraints: c }), InvalidConstraintsError, c);
      }
    });

    it('refuses bad VIPER parameters', () => {
      assert.throws(
        () => optimizeModel(model, { stats, constraintType: 4 }),
        /constrainttype must be 1, 2 or 3/,
      );
      assert.throws(() => optimizeModel(model, { stats, ismin: 2 }), /ismin must be 1/);
      assert.throws(
        () => optimizeModel(model, { stats, constraintType: 3, stretchBounds: -5 }),
        /stretchbounds/,
      );
      assert.throws(
        () => optimizeModel(model, { stats: [s2, s1] }),
        /stats must describe the model's variables/,
      );
    });

    it('refuses NaN/Infinity in the data and in the stats', () => {
      const x = Float64Array.from(data.x);
      x[7] = NaN;
      assert.throws(() => describeColumns(x, data.rows, data.featureNames), NonFiniteValueError);
      x[7] = Infinity;
      assert.throws(() => describeColumns(x, data.rows, data.featureNames), NonFiniteValueError);
      assert.throws(() => optimizeModel(model, { stats: [{ ...s1, max: NaN }, s2] }), NonFiniteValueError);
      assert.throws(
        () => optimizeModel(model, { stats: [{ ...s1, min: 20, max: 10 }, s2] }),
        InvalidBoundsError,
      );
    });

    it('refuses an empty window and a wrong-length one; a single row fixes every variable', () => {
      assert.throws(() => describeColumns(new Float64Array(0), 0, ['a']), /at least one is needed/);
      assert.throws(() => describeColumns(new Float64Array(3), 2, ['a', 'b']), /must hold 2 × 2 values/);
      const one = describeColumns(new Float64Array([4, 6]), 1, ['x1', 'x2']);
      assert.deepEqual(one[0], { variable: 'x1', min: 4, max: 4, mean: 4, std: 0 });
      const r = optimizeModel(model, { stats: one, ismin: 0 });
      assert.deepEqual(
        r.optimalValues.map((v) => v.value),
        [4, 6],
      );
    });
  });
});
