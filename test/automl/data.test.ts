import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFromColumns, datasetFromRows } from '../../src/automl/data/build.js';
import { fitNormalisation, standardise } from '../../src/automl/data/normalisation.js';
import { dropNonFiniteRows, sliceRows } from '../../src/automl/data/rows.js';
import { holdoutSplit, rollingOriginSplits } from '../../src/automl/data/splits.js';
import { InsufficientDataError, InvalidInputError } from '../../src/automl/errors.js';

test('datasets build from rows and from columns, dropping and counting unusable rows', () => {
  const built = datasetFromRows({
    featureNames: ['a', 'b'],
    targetName: 't',
    rows: [
      [1, 2, 3],
      [NaN, 2, 3],
      ['4', ' 5 ', '6'],
      [1, null, 3],
      [1, 2, Infinity],
      [7, 8, ''],
      [9, 10, 11],
    ],
  });
  assert.equal(built.droppedRows, 4);
  assert.equal(built.dataset.rows, 3);
  assert.deepEqual(Array.from(built.dataset.x), [1, 2, 4, 5, 9, 10]);
  assert.deepEqual(Array.from(built.dataset.y), [3, 6, 11]);

  const fromColumns = datasetFromColumns({
    featureNames: ['a', 'b'],
    targetName: 't',
    features: [
      [1, 4, 9, undefined],
      [2, 5, 10, 1],
    ],
    target: [3, 6, 11, 1],
  });
  assert.equal(fromColumns.droppedRows, 1);
  assert.deepEqual(Array.from(fromColumns.dataset.x), [1, 2, 4, 5, 9, 10]);
  assert.throws(
    () => datasetFromColumns({ featureNames: ['a'], targetName: 't', features: [[1, 2]], target: [1] }),
    InvalidInputError,
  );
  assert.throws(
    () => datasetFromRows({ featureNames: ['a', 'a'], targetName: 't', rows: [] }),
    InvalidInputError,
  );
  assert.throws(
    () => datasetFromRows({ featureNames: ['a'], targetName: 't', rows: [[1]] }),
    InvalidInputError,
  );
});

test('dropNonFiniteRows removes rows with NaN or Infinity anywhere', () => {
  const data = {
    rows: 3,
    features: 2,
    x: Float64Array.from([1, 2, NaN, 4, 5, 6]),
    y: Float64Array.from([1, 2, -Infinity]),
    featureNames: ['a', 'b'],
    targetName: 't',
  };
  const { data: clean, droppedRows } = dropNonFiniteRows(data);
  assert.equal(droppedRows, 2);
  assert.deepEqual(Array.from(clean.x), [1, 2]);
  assert.deepEqual(Array.from(sliceRows(data, 1, 3).y), [2, -Infinity]);
});

test('standardisation: zero mean, unit std; constant columns get std 1 and are reported', () => {
  const x = Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]);
  const n = fitNormalisation(x, 4, 2);
  assert.deepEqual(n.constantFeatures, [1]);
  assert.equal(n.std[1], 1);
  const z = standardise(x, 4, 2, n, new Float64Array(8));
  let mean = 0;
  let sq = 0;
  for (let r = 0; r < 4; r++) {
    mean += z[r * 2];
    sq += z[r * 2] ** 2;
    assert.equal(z[r * 2 + 1], 0);
  }
  assert.ok(Math.abs(mean) < 1e-15 && Math.abs(sq / 4 - 1) < 1e-15);
});

test('the holdout is the newest rows; rolling-origin folds move forward in time', () => {
  assert.deepEqual(holdoutSplit(10, 0.2), { trainStart: 0, trainEnd: 8, testStart: 8, testEnd: 10 });
  assert.deepEqual(holdoutSplit(2, 0.2), { trainStart: 0, trainEnd: 1, testStart: 1, testEnd: 2 });
  assert.throws(() => holdoutSplit(1), InsufficientDataError);
  assert.throws(() => holdoutSplit(10, 1.5), InvalidInputError);
  const folds = rollingOriginSplits(100, 4, 0.2);
  assert.equal(folds.length, 4);
  assert.deepEqual(folds[0], { trainStart: 0, trainEnd: 80, testStart: 80, testEnd: 85 });
  assert.deepEqual(folds[3], { trainStart: 0, trainEnd: 95, testStart: 95, testEnd: 100 });
  assert.throws(() => rollingOriginSplits(100, 0), InvalidInputError);
});
