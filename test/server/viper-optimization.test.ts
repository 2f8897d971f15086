// VIPER's optimization body (src/server/viper/optimization.ts) built from a model optimization:
// y = 3·x1 − 2·x2 on x ∈ [0, 10]², whose maximum is at the corner (max x1, min x2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeColumns, optimizeModel } from '../../src/automl/optimize/index.js';
import { Model } from '../../src/automl/model.js';
import { mulberry32 } from '../../src/automl/random.js';
import { toViperOptimization } from '../../src/server/viper/optimization.js';

const rows = 200;
const random = mulberry32(7);
const x = new Float64Array(rows * 2);
const y = new Float64Array(rows);
for (let r = 0; r < rows; r++) {
  x[r * 2] = random() * 10;
  x[r * 2 + 1] = random() * 10;
  y[r] = 3 * x[r * 2] - 2 * x[r * 2 + 1];
}
const data = { rows, features: 2, x, y, featureNames: ['x1', 'x2'], targetName: 'y' };
const model = Model.fit('ols', data, {}, 'regression');
const stats = describeColumns(data.x, data.rows, data.featureNames);
const [s1, s2] = stats;

test('an optimization answers in VIPER shape: its keys, labels and each number from the result', () => {
  const r = optimizeModel(model, { stats, ismin: 0, epsilon: 20, stretchBounds: 10 });
  const viper = toViperOptimization(r, {
    userDetails: { CreatedOn: 'now', Usedeploy: 0 },
    additionDetails: { Partition: 2 },
  });
  assert.deepEqual(Object.keys(viper), [
    'UserDetails',
    'OptimizedValues',
    'Constraints',
    'DescriptiveStats',
    'AdditionDetails',
  ]);
  assert.deepEqual(viper.UserDetails, {
    CreatedOn: 'now',
    Usedeploy: 0,
    ConstraintType: 'USE min/max for bounds',
    Epsilon: 20,
    StretchBounds: 10,
  });
  assert.equal(viper.OptimizedValues.Objective, 'Maximization');
  assert.equal(viper.OptimizedValues.ObjectiveFunctionValue, r.value);
  assert.deepEqual(viper.OptimizedValues.OptimalValues, [{ x1: s1.max }, { x2: s2.min }]);
  assert.deepEqual(viper.Constraints[1], { Max: s2.max, Min: s2.min, Variable: 'x2' });
  assert.deepEqual(viper.DescriptiveStats[0], {
    Max: s1.max,
    Mean: s1.mean,
    Min: s1.min,
    STD: s1.std,
    Variable: 'x1',
  });
  assert.deepEqual(viper.AdditionDetails, { Partition: 2 });
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(viper)));
});
