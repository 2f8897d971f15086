// A training set from joined streams: VIPER "re-aligns the rows in the streams … using the shortest
// stream as the nrows for the other streams". The newest values are aligned (row i of every stream
// is its i-th newest value counted back from the end), so the newest observations always pair up.
import { datasetFromColumns, type BuiltDataset } from '../automl/data/build.js';
import { InsufficientRowsError, InvalidJoinError } from './errors.js';
import type { JoinedRecord } from './join.js';

/** The seed: "for machine learning a minimum of 30 rows of data are needed". */
export const MIN_TRAINING_ROWS = 30;

export interface TrainingSetSpec {
  dependentVariable: string;
  independentVariables: readonly string[];
  /** Fewer aligned rows than this is an error (default MIN_TRAINING_ROWS). */
  minRows?: number;
}

export interface TrainingSet extends BuiltDataset {
  /** Rows after alignment, before non-finite rows were dropped. */
  alignedRows: number;
}

export function alignedLength(joined: JoinedRecord, streams: readonly string[]): number {
  let n = Infinity;
  for (const s of streams) n = Math.min(n, joined.values[s].length);
  return n === Infinity ? 0 : n;
}

export function trainingSetFromJoined(joined: JoinedRecord, spec: TrainingSetSpec): TrainingSet {
  const { dependentVariable, independentVariables } = spec;
  if (independentVariables.length === 0) {
    throw new InvalidJoinError('name at least one independent variable');
  }
  const streams = [dependentVariable, ...independentVariables];
  for (const s of streams) {
    if (!joined.values[s]) {
      throw new InvalidJoinError(
        `'${s}' is not a stream of the joined record (it joins: ${joined.streams.join(', ')})`,
      );
    }
  }
  if (independentVariables.includes(dependentVariable)) {
    throw new InvalidJoinError(
      `'${dependentVariable}' cannot be both the dependent and an independent variable`,
    );
  }
  const n = alignedLength(joined, streams);
  const minRows = spec.minRows ?? MIN_TRAINING_ROWS;
  if (n < minRows) {
    const lengths = streams.map((s) => `${s}: ${joined.values[s].length}`).join(', ');
    throw new InsufficientRowsError(
      `training needs at least ${minRows} aligned rows, the shortest stream has ${n} (${lengths})`,
    );
  }
  const newest = (s: string) => joined.values[s].slice(joined.values[s].length - n);
  const built = datasetFromColumns({
    featureNames: independentVariables,
    targetName: dependentVariable,
    features: independentVariables.map(newest),
    target: newest(dependentVariable),
  });
  return { ...built, alignedRows: n };
}
