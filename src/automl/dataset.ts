// A training window as numbers. Row-major on purpose: records arrive from streams one row at a
// time, predictions read one row at a time, and the linear models build XᵀX row by row; the tree
// learners bin each column once into their own column-major codes, so they pay the transpose once.

export interface Dataset {
  /** Number of rows (observations), oldest first: the newest rows are the holdout. */
  readonly rows: number;
  /** Number of independent variables. */
  readonly features: number;
  /** rows × features, row-major: x[r * features + f]. */
  readonly x: Float64Array;
  /** The dependent variable; for classification 0 or 1. */
  readonly y: Float64Array;
  readonly featureNames: readonly string[];
  readonly targetName: string;
}

export type Task = 'regression' | 'classification';
