// The predict step: one prediction from values in the model's input order, or one per row of a
// joined stream's latest joined record (rows aligned to the shortest stream). Every prediction is
// written to the target topic in one append.
import {
  DEFAULT_COVERAGE,
  ExplanationUnavailableError,
  conformalQuantile,
  InvalidInputError,
  setAtQuantile,
  splitConformalWidth,
  type Explanation,
  type Model,
  type ModelJSON,
  type PredictionInterval,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError, StreamsError } from '../errors.js';
import { alignedRows } from '../align.js';
import { arrayColumns } from '../array-rows.js';
import { parseJoinedRecord } from '../join.js';
import { latestRecord } from '../latest-record.js';
import { trainingSetRecord as recordAt } from './controls/training-source.js';
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
  /** Classifiers with held-out class scores: the classes of the split-conformal prediction set. */
  predictionSet?: number[];
  /** The nominal coverage of `predictionSet` (an interval carries its own). */
  coverage?: number;
  /** When asked: the inputs' contributions (in featureNames order) to the prediction. */
  explanation?: Explanation;
  alias: string;
  /** The device predicted for (its outputs are keyed with it). */
  device?: string;
  algorithm: string;
  task: 'regression' | 'classification';
  featureNames: string[];
  /** The topic the model came from. */
  modelTopic: string;
  /** The topic the inputs were read from (a joined topic, or rows with array), when not values. */
  stream?: string;
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
  /** With a stream: -1 (default) its newest joined record (the device's, with a device); n >= 0 the one at offset n. */
  streamOffset?: number;
  /**
   * With a stream: the joined record's streams that feed the model's inputs, in the model's order
   * (default: the streams named like the model's inputs).
   */
  streams?: string[];
  /**
   * Nominal coverage of the interval or prediction set, in (0, 1); default 0.9 when the model has
   * held-out residuals or class scores.
   */
  coverage?: number;
  /** Add each prediction's feature contributions. */
  explain?: boolean;
  /** Write one summary of the predictions instead of each (default: each, as `all`). */
  summary?: PredictionSummaryKind;
  /** With a stream: it holds rows `{"A":1,...}` whose fields are the inputs (VIPER's array=1). */
  array?: boolean;
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
    rows = await streamRows(services.backbone, input.stream ?? '', names, input.maxRows, {
      offset: input.streamOffset ?? -1,
      ...(input.streams !== undefined && input.streams.length > 0 ? { streams: input.streams } : {}),
      ...(resolved.device !== undefined ? { device: resolved.device } : {}),
      ...(input.array === true ? { array: true } : {}),
    });
  }
  if (input.explain === true && rows.length > MAX_EXPLAINED_ROWS) {
    throw new StepInputError(
      'explain',
      `explains at most ${MAX_EXPLAINED_ROWS} rows per call; the stream gives ${rows.length} (set maxRows)`,
    );
  }
  const classification = resolved.json.task === 'classification';
  const coverage = input.coverage ?? DEFAULT_COVERAGE;
  const width = classification ? undefined : intervalWidth(resolved.json, input.coverage);
  const setQuantile = classification ? classQuantile(resolved.json, input.coverage) : undefined;
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
      ...(setQuantile !== undefined && predicted.probability1 !== undefined
        ? { predictionSet: setAtQuantile(predicted.probability1, setQuantile.q), coverage }
        : {}),
      ...(input.explain === true ? { explanation: explainRow(resolved.model, x) } : {}),
      alias: resolved.alias,
      ...(resolved.device !== undefined ? { device: resolved.device } : {}),
      algorithm: resolved.json.algorithm,
      task: classification ? 'classification' : 'regression',
      featureNames: names,
      modelTopic: resolved.topic,
      ...(input.inputs === undefined && input.stream !== undefined ? { stream: input.stream } : {}),
      produceTo: input.produceTo,
      createdAt,
    };
  });
  const records = input.summary === undefined ? each : summarizePredictions(each, input.summary);
  const keys = records.map(() => recordKey());
  const shaped = records.map((p, i) => services.shapers.prediction(p, call, keys[i]));
  const written = await services.backbone.produce(
    input.produceTo,
    shaped.map((value, i) => ({ key: resolved.device ?? keys[i], value: JSON.stringify(value) })),
  );
  return records.map((p, i) => ({
    ...p,
    shaped: shaped[i],
    partition: written[i].partition,
    offset: written[i].offset,
  }));
}

/**
 * The half-width of a regression model's split-conformal interval from its held-out residuals. A
 * coverage asked for explicitly must be met: a model without residuals (trained before calibration)
 * is then an error; by default such a model's predictions carry no interval.
 */
function intervalWidth(json: ModelJSON, coverage: number | undefined): number | undefined {
  checkCoverage(coverage);
  const residuals = json.calibration?.absoluteResiduals;
  if (residuals === undefined) {
    if (coverage === undefined) return undefined;
    throw new StepInputError(
      'coverage',
      `the ${json.task} model (${json.algorithm}) has no held-out residuals to calibrate an interval with: retrain it`,
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

/**
 * The conformal quantile of a classifier's held-out class scores at the coverage (undefined `q`:
 * too few scores for the level, every class is in the set). A coverage asked for explicitly needs
 * scores (a model trained before they were kept is an error); by default such a model gives no set.
 */
function classQuantile(json: ModelJSON, coverage: number | undefined): { q: number | undefined } | undefined {
  checkCoverage(coverage);
  const scores = json.calibration?.classScores;
  if (scores === undefined) {
    if (coverage === undefined) return undefined;
    throw new StepInputError(
      'coverage',
      `the classification model (${json.algorithm}) has no held-out class scores to calibrate a prediction set with: retrain it`,
    );
  }
  return { q: conformalQuantile(scores, 1 - (coverage ?? DEFAULT_COVERAGE)) };
}

function checkCoverage(coverage: number | undefined): void {
  if (coverage !== undefined && !(typeof coverage === 'number' && coverage > 0 && coverage < 1)) {
    throw new StepInputError(
      'coverage',
      `must be a number strictly between 0 and 1, got ${String(coverage)}`,
    );
  }
}

function explainRow(model: Model, row: number[]): Explanation {
  try {
    return model.explainRow(row);
  } catch (error) {
    if (error instanceof ExplanationUnavailableError) throw new StepInputError('explain', error.message);
    throw error;
  }
}

export interface StreamSelection {
  /** -1: the newest joined record; n >= 0: the one at offset n. */
  offset?: number;
  /** The streams feeding the model's inputs, in their order (default: `names`). */
  streams?: string[];
  /** The device's joined records only (record key). */
  device?: string;
  /** VIPER's array=1: `topic` holds rows `{"A":1,...}`, the inputs being their fields (newest rows). */
  array?: boolean;
}

/** The model's inputs from the newest (or chosen) joined record of `topic`, newest rows aligned. */
export async function streamRows(
  backbone: Backbone,
  topic: string,
  modelNames: readonly string[],
  maxRows: number,
  selection: StreamSelection = {},
): Promise<number[][]> {
  const names = selection.streams ?? modelNames;
  if (names.length !== modelNames.length) {
    throw new StepInputError(
      'streams',
      `names ${names.length} streams; the model takes ${modelNames.length} inputs (${modelNames.join(', ')})`,
    );
  }
  const offset = selection.offset ?? -1;
  if (selection.array === true) {
    const read = await arrayColumns(backbone, topic, names, {
      field: 'stream',
      maxRows: maxRows > 0 ? maxRows : MAX_STREAM_PREDICTIONS,
      fromOffset: offset,
      ...(selection.device !== undefined ? { device: selection.device } : {}),
    });
    if (read.rows > MAX_STREAM_PREDICTIONS) {
      throw new StepInputError(
        'maxRows',
        `the stream has ${read.rows} rows; at most ${MAX_STREAM_PREDICTIONS} are predicted per call (set maxrows)`,
      );
    }
    return Array.from({ length: read.rows }, (_, r) => names.map((name) => read.columns[name][r]));
  }
  const source =
    offset === -1
      ? await latestRecord(backbone, topic, -1, 'stream', 'joined record', selection.device)
      : await recordAt(backbone, topic, -1, offset, selection.device);
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
        selection.streams !== undefined ? 'streams' : 'stream',
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
