// Time-ordered validation splits. Rows are oldest first, so validation always uses rows newer than
// the ones the candidate learnt from — as the model will be used: trained on the past, predicting
// what comes next. Splits are plain row ranges, cheap to send to a worker thread.

import { InsufficientDataError, InvalidInputError } from '../errors.js';

export interface Split {
  trainStart: number;
  trainEnd: number;
  testStart: number;
  testEnd: number;
}

/** Train on the oldest rows, test on the newest `fraction` (at least one row of each). */
export function holdoutSplit(rows: number, fraction = 0.2): Split {
  if (!(fraction > 0 && fraction < 1)) {
    throw new InvalidInputError(`holdout fraction must be in (0, 1), got ${fraction}`);
  }
  if (rows < 2) throw new InsufficientDataError(`a holdout needs at least 2 rows, got ${rows}`);
  const test = Math.min(rows - 1, Math.max(1, Math.round(rows * fraction)));
  return { trainStart: 0, trainEnd: rows - test, testStart: rows - test, testEnd: rows };
}

/**
 * Rolling-origin (expanding window) cross-validation over the first `rows` rows: `folds` consecutive
 * test blocks of equal size at the end, each trained on every row before it. Folds that would leave
 * fewer than `minTrain` training rows are not produced, so the result may hold fewer than `folds`.
 */
export function rollingOriginSplits(rows: number, folds: number, fraction = 0.2, minTrain = 2): Split[] {
  if (!Number.isInteger(folds) || folds < 1) {
    throw new InvalidInputError(`cross-validation folds must be a positive integer, got ${folds}`);
  }
  const testRows = Math.max(1, Math.floor((rows * fraction) / folds));
  const splits: Split[] = [];
  for (let k = folds - 1; k >= 0; k--) {
    const testStart = rows - (k + 1) * testRows;
    if (testStart < minTrain) continue;
    splits.push({ trainStart: 0, trainEnd: testStart, testStart, testEnd: testStart + testRows });
  }
  return splits;
}
