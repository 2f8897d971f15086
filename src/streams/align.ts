// A training set from joined streams: VIPER "re-aligns the rows in the streams … using the shortest
// stream as the nrows for the other streams". The newest values are aligned (row i of every stream
// is its i-th newest value counted back from the end), so the newest observations always pair up.
// Streams with several partitions are co-partitioned: the alignment runs within each partition
// (partition p of one stream pairs with partition p of the others), and the rows of all
// partitions are ordered by time, as the record-by-record join of solutions pairs them.
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

/**
 * The aligned rows: for each stream, the index of its value in each row (row order: oldest first).
 * One partition per stream: the newest values of each, as many as the shortest stream has.
 */
export function alignedRows(joined: JoinedRecord, streams: readonly string[]): number[][] {
  const partitionsOf = joined.partitions;
  if (streams.length === 0) return [];
  if (partitionsOf === undefined || !streams.some((s) => partitionsOf[s] !== undefined)) {
    let n = Infinity;
    for (const s of streams) n = Math.min(n, joined.values[s].length);
    return streams.map((s) => {
      const length = joined.values[s].length;
      return Array.from({ length: n }, (_, i) => length - n + i);
    });
  }
  // each stream's value indices per partition, oldest first
  const byPartition = streams.map((s) => {
    const map = new Map<number, number[]>();
    const parts = partitionsOf[s];
    joined.values[s].forEach((_, i) => {
      const p = parts?.[i] ?? 0;
      let list = map.get(p);
      if (list === undefined) map.set(p, (list = []));
      list.push(i);
    });
    return map;
  });
  const rows: Array<{ at: number; indices: number[] }> = [];
  for (const p of new Set(byPartition.flatMap((m) => [...m.keys()]))) {
    const lists = byPartition.map((m) => m.get(p) ?? []);
    const n = Math.min(...lists.map((l) => l.length));
    for (let r = 0; r < n; r++) {
      const indices = lists.map((l) => l[l.length - n + r]);
      const at = Math.max(...indices.map((i, k) => joined.timestamps[streams[k]]?.[i] ?? 0));
      rows.push({ at, indices });
    }
  }
  rows.sort((a, b) => a.at - b.at);
  return streams.map((_, k) => rows.map((row) => row.indices[k]));
}

export function alignedLength(joined: JoinedRecord, streams: readonly string[]): number {
  return alignedRows(joined, streams)[0]?.length ?? 0;
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
  const rows = alignedRows(joined, streams);
  const n = rows[0]?.length ?? 0;
  const minRows = spec.minRows ?? MIN_TRAINING_ROWS;
  if (n < minRows) {
    const lengths = streams.map((s) => `${s}: ${joined.values[s].length}`).join(', ');
    throw new InsufficientRowsError(
      `training needs at least ${minRows} aligned rows, the shortest stream has ${n} (${lengths})`,
    );
  }
  const newest = (s: string) => rows[streams.indexOf(s)].map((i) => joined.values[s][i]);
  const built = datasetFromColumns({
    featureNames: independentVariables,
    targetName: dependentVariable,
    features: independentVariables.map(newest),
    target: newest(dependentVariable),
  });
  return { ...built, alignedRows: n };
}
