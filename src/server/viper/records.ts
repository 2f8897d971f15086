// The records the VIPER face writes into topics, in the seed's keys: its clients read the trained
// model and the predictions back from the topics (viper-protocol.md §4). Registered with the core as
// its record shapers, so the core writes them without naming a key.
import { viperAlert, viperCluster, viperCorrelation, viperSearchAnomaly } from './analytics-records.js';
import type { ModelJSON } from '../../automl/index.js';
import { toViperOptimization } from './optimization.js';
import {
  MODEL_RECORD_KIND,
  PEER_GROUPS_KIND,
  type PeerGroupsRecord,
  type CallDetails,
  type ModelRecord,
  type PredictionRecord,
  type RecordShapers,
  type StatisticRecord,
  type VariableStats,
  type ModelControls,
} from '../../streams/index.js';
import { modelAlgo } from '../operations/model-alias.js';

/** VIPER's answer keys (seed), plus tml's model and leaderboard: the record a training writes. */
export interface ViperModelRecord {
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
  /** The device the model was trained for (`topicid`), when one was given. */
  Topicid?: number;
  /** The registry stage: "models" (trained) or "deploy" (promoted; usedeploy=1 predicts with it). */
  DeployedTo: 'models' | 'deploy';
  /** [constant, β...] of linear and logistic models, comma-joined; '' for models without them. */
  ParameterEstimates: string;
  HasConstantTerm: number;
  /** Each independent variable's min:max in the training window, comma-joined. */
  Minmax: string;
  Transformtype: string;
  Identifier: string;
  /** The training's fullpathtotrainingdata: a registry field, no files are written there. */
  Fullpathtomodels: string;
  /** The tuner the search ran with (the share of families searched; docs/viper-compatibility.md). */
  ModelSearchTuner: number;
  Processlogic?: string;
  AccuracyThreshold?: number;
  Modelruns: number;
  TrainingRows: number;
  SelectionMetric: string;
  Metrics: Record<string, number>;
  Leaderboard: Array<{ Algorithm: string; Metrics: Record<string, number>; FitMs: number; Error?: string }>;
  DescriptiveStats: VariableStats[];
  kafkakey: string;
  kind: typeof MODEL_RECORD_KIND;
  Model: ModelJSON;
  Controls?: ModelControls;
}

export interface ViperPrediction {
  Hyperprediction: number;
  Probability1?: number;
  Probability0?: number;
  AccuracyThreshold?: number;
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
  /** The device predicted for (`topicid`), when one was given. */
  Topicid?: number;
  Maintopic?: string;
  /** tml's additions: the conformal interval or prediction set and the feature contributions. */
  Lower?: number;
  Upper?: number;
  /** Classifiers: the classes of the conformal prediction set, e.g. [0, 1]. */
  PredictionSet?: number[];
  Coverage?: number;
  BaseValue?: number;
  Contributions?: Record<string, number>;
  /** viperhpdepredictprocess: which summary this is, over how many predictions, of which row. */
  Processtype?: string;
  Numberofpredictions?: number;
  Row?: number;
}

const algoOf = modelAlgo;

export function viperModelRecord(m: ModelRecord, call: CallDetails, key: string): ViperModelRecord {
  return {
    Algokey: m.alias,
    Algo: algoOf(m.alias, m.algorithm),
    MachineLearningAlgorithm: m.algorithm,
    DependentVariable: m.dependentVariable,
    IndependentVariables: m.independentVariables,
    Forecastaccuracy: m.forecastAccuracy,
    Fieldnames: ['Date', ...m.independentVariables].join(','),
    Created: m.createdAt,
    ConsumeridFrom: call.consumerId ?? '',
    Producerid: call.producerId ?? '',
    ConsumingFrom: m.lineage.trainingTopic,
    ProduceTo: call.produceTo ?? '',
    Companyname: call.companyName ?? '',
    Islogistic: m.task === 'classification' ? 1 : 0,
    Deployed: call.deploy ?? 0,
    ...(m.device !== undefined ? { Topicid: Number(m.device) } : {}),
    ...controlKeys(m),
    Modelruns: m.modelruns,
    TrainingRows: m.trainingRows,
    SelectionMetric: m.selectionMetric,
    Metrics: m.metrics,
    Leaderboard: m.leaderboard.map((e) => ({
      Algorithm: e.algorithm,
      Metrics: e.metrics,
      FitMs: e.fitMs,
      ...(e.error !== undefined ? { Error: e.error } : {}),
    })),
    DescriptiveStats: m.stats,
    kafkakey: key,
    kind: MODEL_RECORD_KIND,
    Model: m.model,
    ...(m.controls !== undefined ? { Controls: m.controls } : {}),
  };
}

function ruleText(rule: NonNullable<ModelControls['classificationRule']>): string {
  const side = (v: number | null, open: string) => (v === null ? open : String(v));
  return [
    `classification_name=${rule.name}`,
    ...rule.conditions.map((c) => `${c.stream}=${side(c.low, '-n')},${side(c.high, 'n')}`),
  ].join(':');
}

/** The 2024 answer keys (viper-protocol.md §4.1) from the training's controls. */
function controlKeys(m: ModelRecord) {
  const c = m.controls;
  return {
    DeployedTo: c?.stage ?? 'models',
    ParameterEstimates: (c?.parameterEstimates.estimates ?? []).join(','),
    HasConstantTerm: c?.parameterEstimates.hasConstantTerm === true ? 1 : 0,
    Minmax: m.stats.map((s) => `${s.min}:${s.max}`).join(','),
    Transformtype: c?.transform ?? 'lin-lin',
    Identifier: c?.identifier ?? '',
    Fullpathtomodels: c?.folder ?? '',
    ModelSearchTuner: c?.modelSearchTuner ?? 80,
    ...(c?.mainTopic !== undefined ? { Maintopic: c.mainTopic } : {}),
    ...(c?.classificationRule !== undefined ? { Processlogic: ruleText(c.classificationRule) } : {}),
    ...(c?.accuracyThreshold !== undefined ? { AccuracyThreshold: c.accuracyThreshold } : {}),
  };
}

function readViperModel(value: unknown): ModelRecord | undefined {
  const r = value as Partial<ViperModelRecord> | null;
  if (r === null || typeof r !== 'object' || r.kind !== MODEL_RECORD_KIND || r.Model === undefined)
    return undefined;
  const model = r.Model;
  return {
    alias: r.Algokey ?? '',
    algorithm: model.algorithm,
    task: model.task,
    dependentVariable: r.DependentVariable ?? '',
    independentVariables: r.IndependentVariables ?? model.featureNames,
    forecastAccuracy: r.Forecastaccuracy ?? 0,
    selectionMetric: r.SelectionMetric ?? '',
    metrics: r.Metrics ?? {},
    leaderboard: (r.Leaderboard ?? []).map((e) => ({
      algorithm: e.Algorithm,
      metrics: e.Metrics,
      fitMs: e.FitMs,
      ...(e.Error !== undefined ? { error: e.Error } : {}),
    })),
    trainingRows: r.TrainingRows ?? 0,
    modelruns: r.Modelruns ?? 0,
    stats: r.DescriptiveStats ?? [],
    lineage: { trainingTopic: r.ConsumingFrom ?? '', partition: -1, offset: -1, joined: undefined },
    createdAt: r.Created ?? '',
    model,
    ...(r.Controls !== undefined ? { controls: r.Controls } : {}),
  };
}

export function viperPrediction(p: PredictionRecord, call: CallDetails, key: string): ViperPrediction {
  const out: ViperPrediction = {
    Hyperprediction: p.prediction,
    Algokey: p.alias,
    Algo: algoOf(p.alias, p.algorithm),
    MachineLearningAlgorithm: p.algorithm,
    Usedeploy: call.deploy ?? 0,
    Created: p.createdAt,
    ConsumeridHPDE: call.consumerId ?? '',
    Producerid: call.producerId ?? '',
    Consumefrom: p.modelTopic,
    Produceto: p.produceTo,
    Fieldnames: p.featureNames.join(','),
    Islogistic: p.task === 'classification' ? 1 : 0,
    kafkakey: key,
    Inputdata: p.inputs.join(','),
    ...(p.device !== undefined ? { Topicid: Number(p.device) } : {}),
    // VIPER's maintopic: the topic holding the streams the inputs came from
    ...(p.stream !== undefined ? { Maintopic: p.stream } : {}),
  };
  if (p.probability1 !== undefined) {
    out.Probability1 = p.probability1;
    out.Probability0 = 1 - p.probability1;
  }
  if (p.accuracyThreshold !== undefined) out.AccuracyThreshold = p.accuracyThreshold;
  if (p.summary !== undefined) {
    out.Processtype = p.summary.statistic;
    out.Numberofpredictions = p.summary.rows;
    if (p.summary.row !== undefined) out.Row = p.summary.row;
  }
  if (p.interval !== undefined) {
    out.Lower = p.interval.lower;
    out.Upper = p.interval.upper;
    out.Coverage = p.interval.coverage;
  }
  if (p.predictionSet !== undefined) {
    out.PredictionSet = p.predictionSet;
    out.Coverage = p.coverage;
  }
  if (p.explanation !== undefined) {
    const { contributions } = p.explanation;
    out.BaseValue = p.explanation.baseValue;
    out.Contributions = Object.fromEntries(p.featureNames.map((name, f) => [name, contributions[f]]));
  }
  return out;
}

/** Peer groups as written to `producepeergroupto` (docs/viper-compatibility.md). */
export interface ViperPeerGroups {
  kind: typeof PEER_GROUPS_KIND;
  Created: string;
  Consumefrom: string;
  Streams: string[];
  PeerGroups: PeerGroupsRecord['peerGroups'];
  /** topictype=string streams' peer groups (absent: none). */
  TextPeerGroups?: PeerGroupsRecord['textPeerGroups'];
  Lineage: PeerGroupsRecord['lineage'];
  Maintopic?: string;
  /** The folder the peer groups were filed under (fullpathtotrainingdata). */
  Fullpathtotrainingdata?: string;
}

function readViperPeerGroups(value: unknown): PeerGroupsRecord | undefined {
  const r = value as Partial<ViperPeerGroups> | null;
  if (r === null || typeof r !== 'object' || r.kind !== PEER_GROUPS_KIND || !Array.isArray(r.PeerGroups)) {
    return undefined;
  }
  return {
    createdAt: r.Created ?? '',
    consumeFrom: r.Consumefrom ?? '',
    streams: r.Streams ?? [],
    peerGroups: r.PeerGroups,
    ...(Array.isArray(r.TextPeerGroups) ? { textPeerGroups: r.TextPeerGroups } : {}),
    lineage: r.Lineage ?? { partition: -1, offset: -1 },
    ...(typeof r.Maintopic === 'string' ? { mainTopic: r.Maintopic } : {}),
    ...(typeof r.Fullpathtotrainingdata === 'string' ? { folder: r.Fullpathtotrainingdata } : {}),
  };
}

export const viperShapers: RecordShapers = {
  peerGroups: (r): ViperPeerGroups => ({
    kind: PEER_GROUPS_KIND,
    Created: r.createdAt,
    Consumefrom: r.consumeFrom,
    Streams: r.streams,
    PeerGroups: r.peerGroups,
    ...(r.textPeerGroups ? { TextPeerGroups: r.textPeerGroups } : {}),
    Lineage: r.lineage,
    ...(r.mainTopic !== undefined ? { Maintopic: r.mainTopic } : {}),
    ...(r.folder !== undefined ? { Fullpathtotrainingdata: r.folder } : {}),
  }),
  readPeerGroups: readViperPeerGroups,
  statistic: (r, call, key) => viperStatistic(r, call, key),
  anomaly: ({ createdAt, scores, mainTopic, ...risk }, key) => ({
    ...risk,
    ...(mainTopic !== undefined ? { Maintopic: mainTopic } : {}),
    Created: createdAt,
    kafkakey: key,
    Scores: scores,
  }),
  model: viperModelRecord,
  coefficient: (c, call, key) => ({
    Subtopic: c.name,
    Index: c.index,
    Value: c.value,
    Algokey: c.alias,
    MachineLearningAlgorithm: c.algorithm,
    Producerid: call.producerId ?? '',
    Created: c.createdAt,
    kafkakey: key,
  }),
  readModel: readViperModel,
  correlation: viperCorrelation,
  cluster: viperCluster,
  alert: viperAlert,
  searchAnomaly: viperSearchAnomaly,
  prediction: viperPrediction,
  optimization: (o, call, key) =>
    toViperOptimization(o, {
      userDetails: {
        CreatedOn: o.createdAt,
        HPDEHOST: 'in-process',
        Usedeploy: call.deploy ?? 0,
        Algokey: o.alias,
        Algo: algoOf(o.alias, o.algorithm),
      },
      additionDetails: {
        Consumerid: call.consumerId ?? '',
        Producerid: call.producerId ?? '',
        Consumefrom: o.modelTopic,
        Produceto: o.produceTo,
        kafkakey: key,
      },
    }),
};

/** One preprocessed item as VIPER's DOC-BLD printed it (`hyperprediction` is a string there). */
export interface PreprocessedItem {
  hyperprediction: string;
  Maintopic: string;
  Topic: string;
  Type: 'External';
  ProducerId: string;
  TimeStamp: string;
  Unixtime: number;
  kafkakey: string;
  Preprocesstype: string;
  WindowStartTime: string;
  WindowEndTime: string;
  WindowStartUnixTime: number;
  WindowEndUnixTime: number;
  Conditions: string;
  Identifier: string;
  PreprocessIdentifier: string;
  Numberofmessages: number;
  Consumerid: 'StreamConsumer';
  Generated: string;
  /** rawdataoutput=1: the values computed over, and each one's record (`partition:offset`). */
  RawData?: Array<number | string>;
  MsgIdData?: string[];
  /** pathtotmlattrs: the device's (TMLID's) attributes, from its newest record. */
  Tmlattrs?: Record<string, string>;
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

export function viperStatistic(r: StatisticRecord, call: CallDetails, key: string): PreprocessedItem {
  return {
    hyperprediction: r.value === null ? '' : String(r.value),
    Maintopic: r.topic,
    Topic: r.name,
    Type: 'External',
    ProducerId: call.producerId ?? '',
    TimeStamp: r.createdAt.toISOString(),
    Unixtime: r.createdAt.getTime(),
    kafkakey: key,
    Preprocesstype: title(r.statistic),
    WindowStartTime: new Date(r.windowStart).toISOString(),
    WindowEndTime: new Date(r.windowEnd).toISOString(),
    WindowStartUnixTime: r.windowStart,
    WindowEndUnixTime: r.windowEnd,
    Conditions: r.conditions,
    // custom JSON: VIPER's `<subtopic>~<display>~<identifier>~mainuid=<device>`
    Identifier:
      r.device === undefined
        ? r.identifier
        : `${r.stream}~${r.label ?? ''}~${r.identifier}~mainuid=${r.device}`,
    // the field streamquery's wherecondition searches by default: custom JSON's device (its uid)
    PreprocessIdentifier: r.device ?? r.identifier,
    Numberofmessages: r.count,
    Consumerid: 'StreamConsumer',
    Generated: r.createdAt.toISOString(),
    ...(r.rawData ? { RawData: r.rawData, MsgIdData: r.msgIds } : {}),
    ...(r.attributes ? { Tmlattrs: r.attributes } : {}),
  };
}
