// The predict step: one prediction from values in the model's input order, or one per row of a
// joined stream's latest joined record (rows aligned to the shortest stream). Every prediction is
// written to the target topic in one append.
import {
  DEFAULT_COVERAGE,
  ExplanationUnavailableError,
  InvalidInputError,
  splitConformalWidth,
  type Explanation,
  type Model,
  type ModelJSON,
  type PredictionInterval,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError, StreamsError } from '../errors.js';
import { alignedRows } from '../align.js';
import { parseJoinedRecord } from '../join.js';
import { latestRecord } from '../latest-record.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import type { ResolvedModel } from './model-source.js';
import { predictInOriginalUnits } from './controls/predict-controls.js';
import { transformInputs, untransformPrediction } from './controls/transform.js';
import {
  isPredictionSummary,
  summarizePredictions,
  type PredictionSummary,
  type PredictionSummaryKind,
} from './predict-summary.js';

/** The most rows one stream prediction takes (each becomes a record). */
export const MAX_STREAM_PREDICTIONS = 10_000;
/**
 * The most rows one call explains: an explanation costs up to milliseconds (TreeSHAP of a deep
 * forest ~10 ms), and the call runs on the event loop.
 */
export const MAX_EXPLAINED_ROWS = 100;

export interface PredictionRecord {
  prediction: number;
  /** Classifiers: the probability of class 1. */
  probability1?: number;
  /** Classifiers: the probability of class 1 at or above which the prediction is 1. */
  accuracyThreshold?: number;
  inputs: number[];
  /** Regression models with held-out residuals: the split-conformal interval. */
  interval?: PredictionInterval;
  /** When asked: the inputs' contributions (in featureNames order) to the prediction. */
  explanation?: Explanation;
  alias: string;
  algorithm: string;
  task: 'regression' | 'classification';
  featureNames: string[];
  /** The topic the model came from. */
  modelTopic: string;
  produceTo: string;
  createdAt: string;
  /** A summary of several predictions (predict-summary.ts) rather than one row's. */
  summary?: PredictionSummary;
}

export interface PredictInput {
  produceTo: string;
  /** One row of inputs, or the name of a joined topic (`stream`). */
  inputs?: number[];
  stream?: string;
  /** With a stream: predict only its newest `maxRows` rows (0 = every row). */
  maxRows: number;
  /** Nominal coverage of the interval, in (0, 1); default 0.9 when the model has held-out residuals. */
  coverage?: number;
  /** Add each prediction's feature contributions. */
  explain?: boolean;
  /** Write one summary of the predictions instead of each (default: each, as `all`). */
  summary?: PredictionSummaryKind;
}

export interface WrittenPrediction extends PredictionRecord {
  /** The value written (the shaped record). */
  shaped: unknown;
  partition: number;
  offset: number;
}

export async function predict(
  services: { backbone: Backbone; shapers: RecordShapers },
  resolved: ResolvedModel,
  input: PredictInput,
  call: CallDetails = {},
): Promise<WrittenPrediction[]> {
  const names = resolved.json.featureNames;
  if (input.summary !== undefined && !isPredictionSummary(input.summary)) {
    throw new StepInputError(
      'summary',
      `must be max, min, avg, median, trend or all, got '${String(input.summary)}'`,
    );
  }
  let rows: number[][];
  if (input.inputs !== undefined) {
    if (input.inputs.length !== names.length) {
      throw new StepInputError(
        'inputs',
        `has ${input.inputs.length} values; the model takes ${names.length} (${names.join(', ')})`,
      );
    }
    rows = [input.inputs];
  } else {
    rows = await streamRows(services.backbone, input.stream ?? '', names, input.maxRows);
  }
  if (input.explain === true && rows.length > MAX_EXPLAINED_ROWS) {
    throw new StepInputError(
      'explain',
      `explains at most ${MAX_EXPLAINED_ROWS} rows per call; the stream gives ${rows.length} (set maxRows)`,
    );
  }
  const classification = resolved.json.task === 'classification';
  const width = intervalWidth(resolved.json, input.coverage);
  const coverage = input.coverage ?? DEFAULT_COVERAGE;
  const createdAt = new Date().toISOString();
  const transform = resolved.controls?.transform ?? 'lin-lin';
  const each = rows.map((row): PredictionRecord => {
    const predicted = predictInOriginalUnits(resolved, row);
    // the model's own inputs and output (logs for a transformed model): the interval is cut there
    // and carried back through the (monotone) transform, the contributions are the model's own
    const x = transformInputs(transform, row, names);
    const fitted = classification ? predicted.prediction : resolved.model.predictRow(x);
    return {
      ...predicted,
      inputs: row,
      ...(width !== undefined
        ? {
            interval: {
              lower: untransformPrediction(transform, fitted - width),
              upper: untransformPrediction(transform, fitted + width),
              coverage,
            },
          }
        : {}),
      ...(input.explain === true ? { explanation: explainRow(resolved.model, x) } : {}),
      alias: resolved.alias,
      algorithm: resolved.json.algorithm,
      task: classification ? 'classification' : 'regression',
      featureNames: names,
      modelTopic: resolved.topic,
      produceTo: input.produceTo,
      createdAt,
    };
  });
  const records = input.summary === undefined ? each : summarizePredictions(each, input.summary);
  const keys = records.map(() => recordKey());
  const shaped = records.map((p, i) => services.shapers.prediction(p, call, keys[i]));
  const written = await services.backbone.produce(
    input.produceTo,
    shaped.map((value, i) => ({ key: keys[i], value: JSON.stringify(value) })),
  );
  return records.map((p, i) => ({
    ...p,
    shaped: shaped[i],
    partition: written[i].partition,
    offset: written[i].offset,
  }));
}

/**
 * The half-width of the split-conformal interval from the model's held-out residuals. A coverage
 * asked for explicitly must be met: a model without residuals (a classifier, or one trained before
 * calibration) is then an error; by default such a model's predictions carry no interval.
 */
function intervalWidth(json: ModelJSON, coverage: number | undefined): number | undefined {
  if (coverage !== undefined && !(typeof coverage === 'number' && coverage > 0 && coverage < 1)) {
    throw new StepInputError(
      'coverage',
      `must be a number strictly between 0 and 1, got ${String(coverage)}`,
    );
  }
  const residuals = json.calibration?.absoluteResiduals;
  if (residuals === undefined) {
    if (coverage === undefined) return undefined;
    throw new StepInputError(
      'coverage',
      `the ${json.task} model (${json.algorithm}) has no held-out residuals to calibrate an interval with: retrain it (regression models only)`,
    );
  }
  let width: number | undefined;
  try {
    width = splitConformalWidth(residuals, coverage ?? DEFAULT_COVERAGE);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError('coverage', error.message);
    throw error;
  }
  if (width === undefined && coverage !== undefined) {
    throw new StepInputError(
      'coverage',
      `${coverage} needs at least ${Math.ceil(1 / (1 - coverage)) - 1} held-out residuals; the model has ${residuals.length}`,
    );
  }
  return width;
}

function explainRow(model: Model, row: number[]): Explanation {
  try {
    return model.explainRow(row);
  } catch (error) {
    if (error instanceof ExplanationUnavailableError) throw new StepInputError('explain', error.message);
    throw error;
  }
}

/** The model's inputs from the newest joined record of `topic`, newest rows aligned. */
export async function streamRows(
  backbone: Backbone,
  topic: string,
  names: readonly string[],
  maxRows: number,
): Promise<number[][]> {
  const source = await latestRecord(backbone, topic, -1, 'stream', 'joined record');
  let joined;
  try {
    joined = parseJoinedRecord(source.value);
  } catch (error) {
    if (error instanceof StreamsError)
      throw new StepInputError('stream', `names topic '${topic}': ${error.message}`);
    throw error;
  }
  for (const name of names) {
    if (!joined.values[name]) {
      throw new StepInputError(
        'stream',
        `names topic '${topic}', whose joined record has no stream '${name}' (it joins: ${joined.streams.join(', ')})`,
      );
    }
  }
  const aligned = alignedRows(joined, names);
  const total = aligned[0]?.length ?? 0;
  let n = total;
  if (maxRows > 0) n = Math.min(n, maxRows);
  if (n === 0) throw new StepInputError('stream', `names topic '${topic}', whose joined record has no rows`);
  if (n > MAX_STREAM_PREDICTIONS) {
    throw new StepInputError(
      'maxRows',
      `the stream has ${n} rows; at most ${MAX_STREAM_PREDICTIONS} are predicted per call (set maxrows)`,
    );
  }
  const rows: number[][] = [];
  // the newest n aligned rows (same partition, same position from the end)
  for (let r = total - n; r < total; r++) {
    rows.push(names.map((s, k) => joined.values[s][aligned[k][r]]));
  }
  return rows;
}
