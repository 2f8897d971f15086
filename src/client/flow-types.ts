// /v1 shapes of the TML flow: joins, training sets, models, predictions, optimisation, anomalies.
// Re-exported by types.ts, which the SDK's users import.
import type { ContactDetails, CreateTopicResponse } from './types.js';

export interface CreateJoinRequest extends ContactDetails {
  topic: string;
  streams: string[];
  partitions?: number;
  replicationFactor?: number;
}
export interface CreateJoinResponse extends CreateTopicResponse {
  streams: string[];
}

export interface ProduceJoinedRequest {
  producerId: string;
  /** Roll each stream back this many records (VIPER `maxrows`). */
  maxRows?: number;
  /** -1 (default): the newest maxRows records; >= 0: from this offset on. */
  offset?: number;
  /** Overrides the joined topic's registered streams. */
  streams?: string[];
}
export interface ProduceJoinedResponse {
  topic: string;
  partition: number;
  offset: number;
  bytesWritten: number;
  rows: number;
  streams: Array<{ topic: string; rows: number; skipped: number }>;
}

export interface TrainingSetRequest {
  consumeFrom: string;
  produceTo: string;
  dependentVariable: string;
  independentVariables: string[];
  consumerId: string;
  producerId: string;
  partition?: number;
}
export interface TrainingSetResponse {
  topic: string;
  partition: number;
  offset: number;
  rows: number;
  droppedRows: number;
  bytesWritten: number;
}

export interface TrainRequest {
  consumeFrom: string;
  produceTo: string;
  consumerId: string;
  producerId: string;
  modelruns?: number;
  islogistic?: boolean;
  timeoutSeconds?: number;
  partition?: number;
  /** With islogistic: `classification_name=<name>:<stream>=<low>,<high>:...` (ANDed; -n/n open). */
  classificationRule?: string;
  transform?: 'log-log' | 'log-lin' | 'lin-log';
  /** Stream these parameter estimates (0 = constant) into `coefficientTopic`. */
  coefficientTopic?: string;
  coefficientIndexes?: number[];
  coefficientNames?: string[];
  /** Promote the model to its algokey's deployed model. */
  deploy?: boolean;
  identifier?: string;
  /** 0–100 (default 80): the share of the algorithm families searched, best-first. */
  modelSearchTuner?: number;
  /** The training set at this offset (-1: the newest); train on its newest rollbackPercent % of rows. */
  offset?: number;
  rollbackPercent?: number;
  dependentVariable?: string;
  independentVariables?: string[];
  /** `consumeFrom` holds rows `{"A":1,...}` (VIPER's array=1); the variables name their fields. */
  array?: boolean;
  /** Must exist; recorded with the model. */
  mainTopic?: string;
}
export interface TrainResponse {
  algokey: string;
  algo: string;
  algorithm: string;
  dependentVariable: string;
  independentVariables: string[];
  forecastAccuracy: number;
  metrics: Record<string, number>;
  leaderboard: Array<Record<string, unknown>>;
  rows: number;
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
  /** The training's model controls (rule, transform, parameter estimates, stage, ...). */
  controls?: Record<string, unknown>;
}

/** The model: by `algokey`, or the latest of `consumeFrom` read with `consumerId`. */
export interface ModelSource {
  algokey?: string;
  consumeFrom?: string;
  consumerId?: string;
  partition?: number;
  /** The algokey's model promoted with `deploy` instead of its latest. */
  useDeployed?: boolean;
}

export interface PredictRequest extends ModelSource {
  produceTo: string;
  producerId: string;
  /** One row in the model's input order; or give `stream`. */
  inputs?: number[];
  /** A joined topic: one prediction per row of its latest joined record. */
  stream?: string;
  maxRows?: number;
  /**
   * Nominal coverage of the interval (regression) or prediction set (classification), in (0, 1);
   * default 0.9 when the model has held-out residuals or class scores.
   */
  coverage?: number;
  /** Add each prediction's feature contributions. */
  explain?: boolean;
  /** `stream` holds rows `{"A":1,...}` (VIPER's array=1) whose fields are the model's inputs. */
  array?: boolean;
}
export interface PredictResponse {
  predictions: Array<{
    prediction: number;
    probability1?: number;
    accuracyThreshold?: number;
    inputs: number[];
    interval?: { lower: number; upper: number; coverage: number };
    /** Classifiers: the classes of the conformal prediction set at `coverage`. */
    predictionSet?: number[];
    coverage?: number;
    explanation?: {
      method: string;
      /** value, log-odds or probability: the space in which baseValue + Σ contributions = output. */
      output: string;
      baseValue: number;
      contributions: Record<string, number>;
    };
    algokey: string;
    partition: number;
    offset: number;
  }>;
}

export interface OptimizeRequest extends ModelSource {
  produceTo: string;
  producerId: string;
  minimize?: boolean;
  constraints?: string;
  constraintType?: 1 | 2 | 3;
  stretchBounds?: number;
  epsilon?: number;
}
export interface OptimizeResponse {
  objective: string;
  value: number;
  optimalValues: Record<string, number>;
  bounds: Array<{ variable: string; min: number; max: number }>;
  partition: number;
  offset: number;
}

export interface PeerGroupsRequest {
  consumeFrom: string;
  consumerId: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  flags: string;
  partition?: number;
  /** Learn from the newest share of the window (a percentage; 0 = all). */
  rollbackPercent?: number;
  /** A bound on the call's work; past it nothing is written. */
  timeoutSeconds?: number;
  /** Must exist; recorded with the peer groups. */
  mainTopic?: string;
  /** The folder the peer groups are filed under (a name; no files are written). */
  folder?: string;
  /** Also write the peer groups here (with its producer id; a consumer id of it, when given, is checked). */
  summaryTo?: string;
  summaryProducerId?: string;
  summaryConsumerId?: string;
}
export interface PeerGroupsResponse {
  topic: string;
  partition: number;
  offset: number;
  peerGroups: Array<Record<string, unknown>>;
}

export interface AnomaliesRequest {
  consumeFrom: string;
  consumerId: string;
  inputStream: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  flags?: string;
  partition?: number;
  /** Score each of the newest share of the joined rows (a percentage; 0 = the newest row). */
  rollbackPercent?: number;
  timeoutSeconds?: number;
  mainTopic?: string;
  /** The peer groups must have been filed under this folder. */
  folder?: string;
  /** Also write the input rows scored here, with its producer id. */
  inputTestTo?: string;
  inputTestProducerId?: string;
}
export interface AnomaliesResponse {
  risk: number;
  alert: boolean;
  anomalousStreams: string[];
  scores: Array<Record<string, unknown>>;
  partition: number;
  offset: number;
}

export interface StatsResponse {
  backbone: string;
  topics: Array<{ topic: string; partitions: number; records: number; active: boolean; consumers: number }>;
  producers: number;
  consumers: number;
  groups: number;
  joinedTopics: number;
  models: number;
}

export interface JoinedPollRequest {
  offset?: number;
  partition?: number;
  maxRecords?: number;
}
export interface JoinedPollResponse {
  topic: string;
  lastOffset: number;
  records: Array<{ partition: number; offset: number; timestamp: number; value: unknown }>;
}

/** A consumer group with its lag (GET /v1/consumer-groups). */
export interface ConsumerGroupLag {
  groupId: string;
  state: string;
  members: number;
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag: number }>;
  /** Records the group has yet to read, over all its partitions. */
  lag: number;
}

/** A model trained through the API, with its leaderboard (GET /v1/trainings). */
export interface TrainingSummary {
  algokey: string;
  algorithm: string;
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
  dependentVariable?: string;
  independentVariables?: string[];
  trainingRows?: number;
  selectionMetric?: string;
  leaderboard?: Array<{ algorithm: string; metrics: Record<string, number>; fitMs: number; error?: string }>;
  model: unknown;
}
