// The aligned training set step: from the joined topic's latest joined record, the rows of the
// dependent and independent variables aligned to the shortest stream (trainingSetFromJoined),
// written as ONE training-set record into the target topic.
import type { Backbone } from '../../backbone/types.js';
import { MIN_TRAINING_ROWS, trainingSetFromJoined } from '../align.js';
import { StepInputError, StreamsError } from '../errors.js';
import { parseJoinedRecord } from '../join.js';
import { latestRecord } from '../latest-record.js';

export const TRAINING_SET_KIND = 'tml-training-set';

/** The record the training-set step writes (documented in docs/viper-compatibility.md). */
export interface TrainingSetRecord {
  kind: typeof TRAINING_SET_KIND;
  version: 1;
  dependentVariable: string;
  independentVariables: string[];
  rows: number;
  droppedRows: number;
  /** Column-major values, oldest row first; aligned (row i of each column is the same moment). */
  columns: Record<string, number[]>;
  lineage: { joinedTopic: string; partition: number; offset: number; offsets: Record<string, unknown> };
  /** The device whose joined record it was made from (its record key), when one was given. */
  device?: string;
  createdAt: string;
}

export interface TrainingSetInput {
  /** The joined topic (field `consumeFrom`). */
  consumeFrom: string;
  /** Where the training set is written (field `produceTo`). */
  produceTo: string;
  dependentVariable: string;
  independentVariables: string[];
  /** -1: the newest record over all partitions. */
  partition: number;
  /** The device's newest joined record (record key); the training set is keyed with it. */
  device?: string;
}

export interface WrittenRecord<T> {
  topic: string;
  partition: number;
  offset: number;
  bytesWritten: number;
  record: T;
}

export async function createTrainingSet(
  backbone: Backbone,
  input: TrainingSetInput,
): Promise<WrittenRecord<TrainingSetRecord>> {
  if (input.independentVariables.length === 0) {
    throw new StepInputError('independentVariables', 'must name at least one stream');
  }
  const source = await latestRecord(
    backbone,
    input.consumeFrom,
    input.partition,
    'consumeFrom',
    'joined record',
    input.device,
  );
  let record: TrainingSetRecord;
  try {
    const joined = parseJoinedRecord(source.value);
    for (const [field, names] of [
      ['dependentVariable', [input.dependentVariable]],
      ['independentVariables', input.independentVariables],
    ] as const) {
      for (const name of names) {
        if (!joined.values[name]) {
          throw new StepInputError(
            field,
            `names '${name}', which is not a stream of the joined record in '${input.consumeFrom}' (it joins: ${joined.streams.join(', ')})`,
          );
        }
      }
    }
    const set = trainingSetFromJoined(joined, {
      dependentVariable: input.dependentVariable,
      independentVariables: input.independentVariables,
    });
    if (set.dataset.rows < MIN_TRAINING_ROWS) {
      throw new StepInputError(
        'consumeFrom',
        `holds ${set.dataset.rows} usable aligned rows after dropping ${set.droppedRows} non-finite ones; training needs at least ${MIN_TRAINING_ROWS}`,
      );
    }
    const columns: Record<string, number[]> = { [input.dependentVariable]: Array.from(set.dataset.y) };
    input.independentVariables.forEach((name, f) => {
      const column = new Array<number>(set.dataset.rows);
      for (let r = 0; r < set.dataset.rows; r++) column[r] = set.dataset.x[r * set.dataset.features + f];
      columns[name] = column;
    });
    record = {
      kind: TRAINING_SET_KIND,
      version: 1,
      dependentVariable: input.dependentVariable,
      independentVariables: input.independentVariables,
      rows: set.dataset.rows,
      droppedRows: set.droppedRows,
      columns,
      lineage: {
        joinedTopic: input.consumeFrom,
        partition: source.partition,
        offset: source.offset,
        offsets: joined.offsets,
      },
      ...(input.device !== undefined ? { device: input.device } : {}),
      createdAt: new Date().toISOString(),
    };
  } catch (error) {
    if (error instanceof StreamsError && !(error instanceof StepInputError)) {
      throw new StepInputError('consumeFrom', error.message);
    }
    throw error;
  }
  const value = JSON.stringify(record);
  const [written] = await backbone.produce(input.produceTo, [
    input.device !== undefined ? { key: input.device, value } : { value },
  ]);
  return {
    topic: input.produceTo,
    partition: written.partition,
    offset: written.offset,
    bytesWritten: Buffer.byteLength(value),
    record,
  };
}

/** Reads a training-set record back, with an error naming `field` when it is not one. */
export function parseTrainingSet(value: unknown, topic: string, field: string): TrainingSetRecord {
  const r = value as Partial<TrainingSetRecord> | null;
  if (
    r === null ||
    typeof r !== 'object' ||
    r.kind !== TRAINING_SET_KIND ||
    typeof r.dependentVariable !== 'string' ||
    !Array.isArray(r.independentVariables) ||
    typeof r.columns !== 'object' ||
    r.columns === null
  ) {
    throw new StepInputError(
      field,
      `names topic '${topic}', whose latest record is not a training set (the training-set step writes one)`,
    );
  }
  return r as TrainingSetRecord;
}
