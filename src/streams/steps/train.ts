// The train step: AutoML over the latest training set of a topic (on the worker pool when one is
// given, so the event loop keeps serving), the champion written with its lineage and leaderboard
// into the target topic, and registered in the model registry under an alias.
import type { SelectionResult, TrainingPool } from '../../automl/index.js';
import { calibrate, datasetFromColumns, describeColumns, Model, selectModel } from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { MIN_TRAINING_ROWS } from '../align.js';
import { StepInputError } from '../errors.js';
import { parseJsonRecord } from '../latest-record.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/types.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import type { ModelRecord } from './model-record.js';
import { buildTarget, checkTrainingControls, type TrainingControls } from './controls/training-columns.js';
import { parameterEstimates } from './controls/parameter-estimates.js';
import {
  arrayTrainingSet,
  checkTrainingSource,
  newestShare,
  trainingSetRecord,
} from './controls/training-source.js';
import {
  checkCoefficientIndexes,
  checkCoefficientSelection,
  coefficientRecords,
} from './controls/coefficients.js';
import { CLASSIFICATION_THRESHOLD } from '../../automl/index.js';
import { parseTrainingSet, type TrainingSetRecord } from './training-set.js';

/**
 * The most candidate configurations one training may ask for (VIPER's `modelruns`, /v1's, a
 * solution spec's). Beyond about a thousand a window has nothing left to choose from: k-NN and CART
 * run out of distinct configurations after 16–43, and the other families already get over a
 * hundred draws each, which a holdout of tens to hundreds of rows cannot tell apart; what grows is
 * only the chance of picking a candidate that fits the holdout's noise, and the time spent.
 */
export const MAX_MODELRUNS = 1_000;

export interface TrainInput {
  /** The topic holding the training set. */
  consumeFrom: string;
  /** Where the model record is written. */
  produceTo: string;
  /** -1: the newest training set over all partitions. */
  partition: number;
  /** -1 (default): the newest training set; n >= 0: the one at offset n of `partition`. */
  offset?: number;
  /** 1–100: train on the newest share of the training set's rows; 0 (default) = all. */
  rollbackPercent?: number;
  /** Candidate configurations to try. */
  modelruns: number;
  /** Binary classification: the dependent variable must hold 0 and 1. */
  islogistic: boolean;
  /**
   * No new candidate starts after this many seconds, counted from `startedAt`: reading the
   * training set and planning the candidates use the same budget as the fits.
   */
  timeoutSeconds: number;
  /** When the request arrived (`performance.now()`); default: when the step starts. */
  startedAt?: number;
  /** The registry alias the model is registered under. */
  alias: string;
  /**
   * A device: its newest training set (record key) is read, and the model is registered as the
   * alias's model of that device and written keyed with it.
   */
  device?: string;
  /**
   * VIPER's array=1: `consumeFrom` holds rows `{"A":1,"B":2}` (not a training set), the dependent
   * and independent variables being the rows' fields (both then required).
   */
  array?: boolean;
  /** The main (joined) topic the data came from, recorded with the model (VIPER's Maintopic). */
  mainTopic?: string;
}

export type TrainStepInput = TrainInput & TrainingControls;

export interface TrainServices {
  backbone: Backbone;
  registry: ModelRegistry;
  shapers: RecordShapers;
  pool?: TrainingPool;
}

export interface TrainResult {
  record: ModelRecord;
  version: ModelVersion;
  selection: SelectionResult;
  /** The value written (the shaped record). */
  shaped: unknown;
  bytesWritten: number;
}

export function checkTrainInput(input: Pick<TrainInput, 'modelruns' | 'timeoutSeconds'>): void {
  if (!Number.isInteger(input.modelruns) || input.modelruns < 1 || input.modelruns > MAX_MODELRUNS) {
    throw new StepInputError(
      'modelruns',
      `must be an integer from 1 to ${MAX_MODELRUNS}, got ${input.modelruns}`,
    );
  }
  if (!(input.timeoutSeconds > 0 && input.timeoutSeconds <= 86_400)) {
    throw new StepInputError(
      'timeoutSeconds',
      `must be from 1 to 86400 seconds, got ${input.timeoutSeconds}`,
    );
  }
}

export async function trainModel(
  services: TrainServices,
  input: TrainStepInput,
  call: CallDetails = {},
): Promise<TrainResult> {
  const startedAt = input.startedAt ?? performance.now();
  checkTrainInput(input);
  const controls = checkTrainingControls(input);
  checkTrainingSource(input.offset ?? -1, input.rollbackPercent ?? 0);
  const { backbone } = services;
  const { source, set: whole } =
    input.array === true
      ? await arrayTrainingSet(backbone, input, controls)
      : await storedTrainingSet(backbone, input);
  const set = newestShare(whole, input.rollbackPercent ?? 0);
  const target = buildTarget(set, controls, input.islogistic);
  const names = target.independentVariables;
  if (controls.coefficients !== undefined) checkCoefficientIndexes(controls.coefficients, names.length);
  const built = datasetFromColumns({
    featureNames: names,
    targetName: target.dependentVariable,
    features: target.features,
    target: target.target,
  });
  if (built.dataset.rows < MIN_TRAINING_ROWS) {
    throw new StepInputError(
      'consumeFrom',
      `holds a training set of ${built.dataset.rows} usable rows; training needs at least ${MIN_TRAINING_ROWS}`,
    );
  }
  const lineage = {
    trainingTopic: input.consumeFrom,
    partition: source.partition,
    offset: source.offset,
    joined: set.lineage,
  };
  const selection = await selectModel(built.dataset, {
    task: input.islogistic ? 'classification' : 'regression',
    modelruns: input.modelruns,
    ...(target.algorithms !== undefined ? { algorithms: target.algorithms } : {}),
    // a coefficient stream needs a champion with parameter estimates: a blend of models has none
    ...(controls.coefficients !== undefined ? { ensemble: false } : {}),
    timeBudgetMs: input.timeoutSeconds * 1000,
    startedAt,
    pool: services.pool,
    lineage,
  });
  // Held-out residuals for the one-shot predictions' split-conformal intervals.
  const champion = await calibrate(selection.champion, built.dataset, { pool: services.pool });
  // The window's statistics in the variables' own units (optimize searches there, Minmax shows them).
  const original =
    target.originalFeatures === target.features
      ? built.dataset
      : datasetFromColumns({
          featureNames: names,
          targetName: target.dependentVariable,
          features: target.originalFeatures,
          target: target.target,
        }).dataset;
  const stats = describeColumns(original.x, original.rows, names).map((s) => ({
    variable: s.variable,
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
  }));
  const estimates = parameterEstimates(selection.champion);
  if (controls.coefficients !== undefined) {
    checkCoefficientSelection(estimates, selection.champion.algorithm);
  }
  const record: ModelRecord = {
    alias: input.alias,
    ...(input.device !== undefined ? { device: input.device } : {}),
    algorithm: selection.champion.algorithm,
    task: input.islogistic ? 'classification' : 'regression',
    dependentVariable: target.dependentVariable,
    independentVariables: names,
    forecastAccuracy: selection.forecastAccuracy,
    selectionMetric: selection.selectionMetric,
    metrics: selection.leaderboard[0]?.metrics ?? {},
    leaderboard: selection.leaderboard.map((e) => ({
      algorithm: e.algorithm,
      metrics: e.metrics,
      fitMs: Math.round(e.fitMs * 100) / 100,
      ...(e.error !== undefined ? { error: e.error } : {}),
    })),
    trainingRows: built.dataset.rows,
    modelruns: input.modelruns,
    stats,
    lineage,
    createdAt: new Date().toISOString(),
    model: champion,
    controls: {
      ...(controls.classificationRule !== undefined && input.islogistic
        ? { classificationRule: controls.classificationRule }
        : {}),
      ...(input.islogistic ? { accuracyThreshold: CLASSIFICATION_THRESHOLD } : {}),
      transform: controls.transform,
      parameterEstimates: estimates,
      stage: controls.deploy ? 'deploy' : 'models',
      identifier: controls.identifier,
      ...(controls.folder !== '' ? { folder: controls.folder } : {}),
      modelSearchTuner: controls.modelSearchTuner,
      ...(input.mainTopic ? { mainTopic: input.mainTopic } : {}),
    },
  };
  const key = recordKey();
  const shaped = services.shapers.model(record, call, key);
  const value = JSON.stringify(shaped);
  const [written] = await backbone.produce(input.produceTo, [{ key: input.device ?? key, value }]);
  if (controls.coefficients !== undefined) {
    const coefficients = coefficientRecords(controls.coefficients, estimates, record);
    await backbone.produce(
      controls.coefficients.topic,
      coefficients.map((c) => {
        const k = recordKey();
        return { key: k, value: JSON.stringify(services.shapers.coefficient(c, call, k)) };
      }),
    );
  }
  const version = await services.registry.register({
    entity: input.alias,
    alias: input.alias,
    ...(input.device !== undefined ? { device: input.device } : {}),
    deploy: controls.deploy,
    trigger: 'request',
    algorithm: record.algorithm,
    forecastAccuracy: record.forecastAccuracy,
    metrics: record.metrics,
    lineage: { ...lineage },
    model: record.model,
    importances: Model.fromJSON(champion).importances(built.dataset.x, built.dataset.rows),
    stats,
    record: { topic: input.produceTo, partition: written.partition, offset: written.offset },
    controls: record.controls,
  });
  return { record, version, selection, shaped, bytesWritten: Buffer.byteLength(value) };
}

/** The newest (or chosen) training-set record the training-set step wrote into `consumeFrom`. */
async function storedTrainingSet(
  backbone: Backbone,
  input: TrainInput,
): Promise<{ source: { partition: number; offset: number }; set: TrainingSetRecord }> {
  const source = await trainingSetRecord(
    backbone,
    input.consumeFrom,
    input.partition,
    input.offset ?? -1,
    input.device,
  );
  const set = parseTrainingSet(
    parseJsonRecord(source, input.consumeFrom, 'consumeFrom', 'a training set'),
    input.consumeFrom,
    'consumeFrom',
  );
  return { source, set };
}
