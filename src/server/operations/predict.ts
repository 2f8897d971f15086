// viperhpdepredict: one prediction from comma values in the model's input order, or one per row of
// a joined stream's latest joined record (rows aligned to the shortest stream). Every prediction is
// written to `produceto` in the seed's shape, in one append; several predictions answer one array.
import { randomBytes } from 'node:crypto';
import { parseJoinedRecord } from '../../streams/index.js';
import { StreamsError } from '../../streams/errors.js';
import { ParameterError, showValue } from '../errors.js';
import type { OperationContext } from './context.js';
import { latestRecord } from './latest-record.js';
import { resolveModel, type ModelSourceInput } from './model-source.js';
import { checkProducer } from './produce.js';
import { checkTopicName, describeExisting } from './validate.js';

export interface PredictInput extends ModelSourceInput {
  produceTo: string;
  producerId: string;
  /** Comma values in the model's input order, or the name of a joined-stream topic. */
  inputData: string;
  /** With a stream: predict only its newest `maxRows` rows (0 = every row). */
  maxRows: number;
  usedeploy?: number;
}

export interface Prediction {
  Hyperprediction: number;
  Probability1?: number;
  Probability0?: number;
  Algokey: string;
  Algo: string;
  MachineLearningAlgorithm: string;
  Usedeploy: number;
  Created: string;
  ConsumeridHPDE: string;
  Producerid: string;
  Consumefrom: string;
  Produceto: string;
  Fieldnames: string;
  Islogistic: number;
  kafkakey: string;
  Inputdata: string;
}

export interface PredictResult {
  predictions: Array<Prediction & { Partition: number; Offset: number }>;
  /** True when `inputdata` named a stream (the VIPER face then answers an array). */
  fromStream: boolean;
}

/** The most rows one stream prediction takes (each becomes a record). */
export const MAX_STREAM_PREDICTIONS = 10_000;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Comma values → numbers, or undefined when `text` is not a list of numbers (then a topic name). */
function parseValues(text: string, parameter: string): number[] | undefined {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => NON_FINITE.test(s))) {
    throw new ParameterError(parameter, `must hold finite numbers, got '${showValue(text)}'`);
  }
  if (items.every((s) => DECIMAL.test(s))) return items.map(Number);
  if (items.length > 1) {
    const bad = items.find((s) => !DECIMAL.test(s)) ?? '';
    throw new ParameterError(
      parameter,
      `must be comma-separated numbers or the name of a joined topic; '${showValue(bad)}' is not a number`,
    );
  }
  return undefined;
}

export async function predict(context: OperationContext, input: PredictInput): Promise<PredictResult> {
  if (input.maxRows < 0) throw new ParameterError('maxrows', `must be >= 0, got ${input.maxRows}`);
  const inputData = input.inputData.trim();
  if (inputData === '') throw new ParameterError('inputdata', 'is required');
  const values = parseValues(inputData, 'inputdata');
  if (values === undefined) checkTopicName(inputData, 'inputdata');
  await describeExisting(context.backbone, input.produceTo, 'produceto');
  await checkProducer(context, input.produceTo, input.producerId);
  const resolved = await resolveModel(context, input);
  const names = resolved.json.featureNames;
  let rows: number[][];
  if (values !== undefined) {
    if (values.length !== names.length) {
      throw new ParameterError(
        'inputdata',
        `has ${values.length} values; the model takes ${names.length} (${names.join(', ')})`,
      );
    }
    rows = [values];
  } else {
    rows = await streamRows(context, inputData, names, input.maxRows);
  }
  const classification = resolved.json.task === 'classification';
  const created = new Date().toISOString();
  const predictions: Prediction[] = rows.map((row) => {
    const p: Prediction = {
      Hyperprediction: resolved.model.predictRow(row),
      Algokey: resolved.algokey,
      Algo: resolved.algo,
      MachineLearningAlgorithm: resolved.json.algorithm,
      Usedeploy: input.usedeploy ?? 0,
      Created: created,
      ConsumeridHPDE: input.consumerId ?? '',
      Producerid: input.producerId,
      Consumefrom: resolved.topic,
      Produceto: input.produceTo,
      Fieldnames: names.join(','),
      Islogistic: classification ? 1 : 0,
      kafkakey: randomBytes(24).toString('base64url').slice(0, 30),
      Inputdata: row.join(','),
    };
    if (classification) {
      const p1 = resolved.model.predictRowProba(row);
      p.Probability1 = p1;
      p.Probability0 = 1 - p1;
    }
    return p;
  });
  const written = await context.backbone.produce(
    input.produceTo,
    predictions.map((p) => ({ key: p.kafkakey, value: JSON.stringify(p) })),
  );
  context.metrics.recordsProduced.inc(written.length);
  context.metrics.predictions.inc(predictions.length);
  return {
    predictions: predictions.map((p, i) => ({
      ...p,
      Partition: written[i].partition,
      Offset: written[i].offset,
    })),
    fromStream: values === undefined,
  };
}

/** The model's inputs from the newest joined record of `topic`, newest rows aligned. */
async function streamRows(
  context: OperationContext,
  topic: string,
  names: readonly string[],
  maxRows: number,
): Promise<number[][]> {
  await describeExisting(context.backbone, topic, 'inputdata');
  const source = await latestRecord(context.backbone, topic, -1, 'inputdata', 'joined record');
  let joined;
  try {
    joined = parseJoinedRecord(source.value);
  } catch (error) {
    if (error instanceof StreamsError) {
      throw new ParameterError('inputdata', `names topic '${topic}': ${error.message}`);
    }
    throw error;
  }
  for (const name of names) {
    if (!joined.values[name]) {
      throw new ParameterError(
        'inputdata',
        `names topic '${topic}', whose joined record has no stream '${name}' (it joins: ${joined.streams.join(', ')})`,
      );
    }
  }
  let n = Math.min(...names.map((s) => joined.values[s].length));
  if (maxRows > 0) n = Math.min(n, maxRows);
  if (n === 0)
    throw new ParameterError('inputdata', `names topic '${topic}', whose joined record has no rows`);
  if (n > MAX_STREAM_PREDICTIONS) {
    throw new ParameterError(
      'maxrows',
      `the stream has ${n} rows; at most ${MAX_STREAM_PREDICTIONS} are predicted per call (set maxrows)`,
    );
  }
  const rows: number[][] = [];
  for (let r = 0; r < n; r++) {
    rows.push(names.map((s) => joined.values[s][joined.values[s].length - n + r]));
  }
  return rows;
}
