// createtrainingdata: from the joined topic's latest joined record, the rows of the dependent and
// independent variables aligned to the shortest stream (src/streams trainingSetFromJoined), written
// as ONE training-set record into `produceto`.
import { MIN_TRAINING_ROWS, parseJoinedRecord, trainingSetFromJoined } from '../../streams/index.js';
import { StreamsError } from '../../streams/errors.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { latestRecord } from './latest-record.js';
import { checkProducer } from './produce.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export const TRAINING_SET_KIND = 'tml-training-set';

/** The record createtrainingdata writes (documented in docs/viper-compatibility.md). */
export interface TrainingSetRecord {
  kind: typeof TRAINING_SET_KIND;
  version: 1;
  dependentVariable: string;
  independentVariables: string[];
  rows: number;
  droppedRows: number;
  /** Column-major values, oldest row first; aligned (row i of each column is the same moment). */
  columns: Record<string, number[]>;
  lineage: {
    joinedTopic: string;
    partition: number;
    offset: number;
    offsets: Record<string, unknown>;
  };
  createdAt: string;
}

export interface CreateTrainingDataInput {
  consumeFrom: string;
  produceTo: string;
  dependentVariable: string;
  independentVariables: string[];
  consumerId: string;
  producerId: string;
  partition: number;
}

export interface CreateTrainingDataResult {
  topic: string;
  partition: number;
  offset: number;
  bytesWritten: number;
  record: TrainingSetRecord;
}

export async function createTrainingData(
  context: OperationContext,
  input: CreateTrainingDataInput,
): Promise<CreateTrainingDataResult> {
  if (input.independentVariables.length === 0) {
    throw new ParameterError('independentvariables', 'must name at least one stream');
  }
  await describeExisting(context.backbone, input.consumeFrom, 'consumefrom');
  await describeExisting(context.backbone, input.produceTo, 'produceto');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  const source = await latestRecord(
    context.backbone,
    input.consumeFrom,
    input.partition,
    'consumefrom',
    'joined record',
  );
  try {
    const joined = parseJoinedRecord(source.value);
    for (const [parameter, names] of [
      ['dependentvariable', [input.dependentVariable]],
      ['independentvariables', input.independentVariables],
    ] as const) {
      for (const name of names) {
        if (!joined.values[name]) {
          throw new ParameterError(
            parameter,
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
      throw new ParameterError(
        'consumefrom',
        `holds ${set.dataset.rows} usable aligned rows after dropping ${set.droppedRows} non-finite ones; training needs at least ${MIN_TRAINING_ROWS}`,
      );
    }
    const columns: Record<string, number[]> = { [input.dependentVariable]: Array.from(set.dataset.y) };
    input.independentVariables.forEach((name, f) => {
      const column = new Array<number>(set.dataset.rows);
      for (let r = 0; r < set.dataset.rows; r++) column[r] = set.dataset.x[r * set.dataset.features + f];
      columns[name] = column;
    });
    const record: TrainingSetRecord = {
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
      createdAt: new Date().toISOString(),
    };
    const value = JSON.stringify(record);
    const [written] = await context.backbone.produce(input.produceTo, [{ value }]);
    context.metrics.recordsProduced.inc(1);
    return {
      topic: input.produceTo,
      partition: written.partition,
      offset: written.offset,
      bytesWritten: Buffer.byteLength(value),
      record,
    };
  } catch (error) {
    if (error instanceof StreamsError) throw new ParameterError('consumefrom', error.message);
    throw error;
  }
}

/** Reads a training-set record back, with an error naming `parameter` when it is not one. */
export function parseTrainingSet(value: unknown, topic: string, parameter: string): TrainingSetRecord {
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
    throw new ParameterError(
      parameter,
      `names topic '${topic}', whose latest record is not a training set (createtrainingdata writes one)`,
    );
  }
  return r as TrainingSetRecord;
}
