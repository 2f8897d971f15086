// viperhpdetraining: AutoML over the latest training set of `consumefrom` (selectModel on the
// server's worker pool, so the event loop keeps serving), the champion written with its lineage and
// leaderboard into `produceto`, and registered under its algokey for viperhpdepredict/optimize.
import { randomBytes } from 'node:crypto';
import {
  datasetFromColumns,
  describeColumns,
  selectModel,
  type ModelJSON,
  type SelectionResult,
} from '../../automl/index.js';
import { MIN_TRAINING_ROWS } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { ModelRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { latestRecord, parseJsonRecord } from './latest-record.js';
import { checkProducer } from './produce.js';
import { parseTrainingSet } from './training-data.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export interface TrainInput {
  consumeFrom: string;
  produceTo: string;
  consumerId: string;
  producerId: string;
  partition: number;
  /** Candidate configurations to try (VIPER `modelruns`). */
  modelruns: number;
  /** Binary classification (VIPER `islogistic=1`): the dependent variable must hold 0 and 1. */
  islogistic: boolean;
  /** No new candidate starts after this many seconds (VIPER `timeout`). */
  timeoutSeconds: number;
  deploy?: number;
  companyname?: string;
}

export interface TrainResult {
  registration: ModelRegistration;
  selection: SelectionResult;
  record: TrainedModelRecord;
  bytesWritten: number;
}

export const MODEL_RECORD_KIND = 'tml-model';

/** VIPER's answer keys (seed), plus tml's model and leaderboard: the record written to `produceto`. */
export interface TrainedModelRecord {
  Algokey: string;
  Algo: string;
  MachineLearningAlgorithm: string;
  DependentVariable: string;
  IndependentVariables: string[];
  Forecastaccuracy: number;
  Fieldnames: string;
  Created: string;
  ConsumeridFrom: string;
  Producerid: string;
  ConsumingFrom: string;
  ProduceTo: string;
  Companyname: string;
  Islogistic: number;
  Deployed: number;
  Modelruns: number;
  TrainingRows: number;
  SelectionMetric: string;
  Metrics: Record<string, number>;
  Leaderboard: Array<{ Algorithm: string; Metrics: Record<string, number>; FitMs: number; Error?: string }>;
  DescriptiveStats: ModelRegistration['stats'];
  kafkakey: string;
  kind: typeof MODEL_RECORD_KIND;
  Model: ModelJSON;
}

/** VIPER's `Algo` suffixes (seed: `rdg` ridge, `gp`, `lgt` logistic); tml's own names otherwise. */
const ALGO_SUFFIX: Record<string, string> = { ridge: 'rdg', gp: 'gp', logistic: 'lgt' };

export const MAX_MODELRUNS = 10_000;

export async function train(context: OperationContext, input: TrainInput): Promise<TrainResult> {
  if (!Number.isInteger(input.modelruns) || input.modelruns < 1 || input.modelruns > MAX_MODELRUNS) {
    throw new ParameterError(
      'modelruns',
      `must be an integer from 1 to ${MAX_MODELRUNS}, got ${input.modelruns}`,
    );
  }
  if (!(input.timeoutSeconds > 0 && input.timeoutSeconds <= 86_400)) {
    throw new ParameterError('timeout', `must be from 1 to 86400 seconds, got ${input.timeoutSeconds}`);
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
    'training set',
  );
  const set = parseTrainingSet(
    parseJsonRecord(source, input.consumeFrom, 'consumefrom', 'a training set'),
    input.consumeFrom,
    'consumefrom',
  );
  const names = set.independentVariables;
  const built = datasetFromColumns({
    featureNames: names,
    targetName: set.dependentVariable,
    features: names.map((n) => set.columns[n] ?? []),
    target: set.columns[set.dependentVariable] ?? [],
  });
  if (built.dataset.rows < MIN_TRAINING_ROWS) {
    throw new ParameterError(
      'consumefrom',
      `holds a training set of ${built.dataset.rows} usable rows; training needs at least ${MIN_TRAINING_ROWS}`,
    );
  }
  const selection = await selectModel(built.dataset, {
    task: input.islogistic ? 'classification' : 'regression',
    modelruns: input.modelruns,
    timeBudgetMs: input.timeoutSeconds * 1000,
    pool: context.trainingPool?.(),
    lineage: {
      trainingTopic: input.consumeFrom,
      partition: source.partition,
      offset: source.offset,
      joined: set.lineage,
    },
  });
  context.metrics.trainings.inc();
  const stats = describeColumns(built.dataset.x, built.dataset.rows, names).map((s) => ({
    variable: s.variable,
    min: s.min,
    max: s.max,
    mean: s.mean,
    std: s.std,
  }));
  const algokey = `${input.consumerId}_json`;
  const algorithm = selection.champion.algorithm;
  const record: TrainedModelRecord = {
    Algokey: algokey,
    Algo: `${algokey}${ALGO_SUFFIX[algorithm] ?? algorithm}`,
    MachineLearningAlgorithm: algorithm,
    DependentVariable: set.dependentVariable,
    IndependentVariables: names,
    Forecastaccuracy: selection.forecastAccuracy,
    Fieldnames: ['Date', ...names].join(','),
    Created: new Date().toISOString(),
    ConsumeridFrom: input.consumerId,
    Producerid: input.producerId,
    ConsumingFrom: input.consumeFrom,
    ProduceTo: input.produceTo,
    Companyname: input.companyname ?? '',
    Islogistic: input.islogistic ? 1 : 0,
    Deployed: input.deploy ?? 0,
    Modelruns: input.modelruns,
    TrainingRows: built.dataset.rows,
    SelectionMetric: selection.selectionMetric,
    Metrics: selection.leaderboard[0]?.metrics ?? {},
    Leaderboard: selection.leaderboard.map((e) => ({
      Algorithm: e.algorithm,
      Metrics: e.metrics,
      FitMs: Math.round(e.fitMs * 100) / 100,
      ...(e.error !== undefined ? { Error: e.error } : {}),
    })),
    DescriptiveStats: stats,
    kafkakey: randomBytes(24).toString('base64url').slice(0, 30),
    kind: MODEL_RECORD_KIND,
    Model: selection.champion,
  };
  const value = JSON.stringify(record);
  const [written] = await context.backbone.produce(input.produceTo, [{ key: record.kafkakey, value }]);
  context.metrics.recordsProduced.inc(1);
  const registration: ModelRegistration = {
    algokey,
    algo: record.Algo,
    consumerId: input.consumerId,
    topic: input.produceTo,
    partition: written.partition,
    offset: written.offset,
    createdAt: record.Created,
    model: selection.champion,
    stats,
  };
  await context.store.models.put(algokey, registration);
  return { registration, selection, record, bytesWritten: Buffer.byteLength(value) };
}
