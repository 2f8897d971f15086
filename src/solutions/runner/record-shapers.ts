// What a solution writes into its output topics, as domain records, and the shaper a face may give
// the workers to write them in its own keys. A spec names its shape (`recordShape`); the faces that
// start workers pass the shapers they have (the VIPER face: its batch endpoints' solutions carry the
// keys of VIPER's step endpoints), so this layer never names a face's keys. Without a shape the
// records are written as they are.
import type {
  ModelOptimization,
  PeerGroupJSON,
  PredictionInterval,
  RiskAssessment,
} from '../../automl/index.js';
import type { ModelVersion } from '../catalog-types.js';
import type { SolutionSpec } from '../spec.js';

export interface SolutionPredictionRecord {
  solution: string;
  entity: string;
  prediction: number;
  actual: number | null;
  inputs: Record<string, number>;
  interval?: PredictionInterval;
  /** Classifiers: the classes of the conformal prediction set, at `coverage`. */
  predictionSet?: number[];
  coverage?: number;
  explanation?: unknown;
  modelVersion: number;
  algorithm: string;
  /** Input offsets of the row (`topic/partition` → offset). */
  offsets: Record<string, number>;
  rowTimestamp: number;
}

export interface SolutionAnomalyRecord extends RiskAssessment {
  solution: string;
  entity: string;
  values: Record<string, number>;
  offsets: Record<string, number>;
}

/** One window's anomaly peer groups (`outputs.peerGroups`). */
export interface SolutionPeerGroupsRecord {
  solution: string;
  entity: string;
  /** The rows of the window the peer groups were learnt from. */
  rows: number;
  streams: string[];
  peerGroups: PeerGroupJSON[];
  /** The folder the peer groups are filed under (`registry.folder`; no files are written). */
  folder?: string;
}

/** A row as it was scored for anomalies (`outputs.scoredInputs`). */
export interface SolutionScoredInputRecord {
  solution: string;
  entity: string;
  values: Record<string, number>;
  offsets: Record<string, number>;
  rowTimestamp: number;
}

export interface SolutionOptimumRecord extends Omit<ModelOptimization, 'search'> {
  solution: string;
  entity: string;
  modelVersion: number;
}

export interface SolutionStatisticsRecord {
  solution: string;
  entity: string;
  rows: number;
  lineage: unknown;
  /** Per variable, per statistic. */
  statistics: Record<string, Record<string, unknown>>;
  /** With `preprocess.rawData`: per variable, the values the statistics were computed over. */
  values?: Record<string, number[]>;
}

/** Each method returns the value to write; `statistics` may return several (one record each). */
export interface SolutionRecordShaper {
  params(version: ModelVersion, spec: SolutionSpec): unknown;
  prediction(record: SolutionPredictionRecord, spec: SolutionSpec): unknown;
  anomaly(record: SolutionAnomalyRecord, spec: SolutionSpec): unknown;
  scoredInput(record: SolutionScoredInputRecord, spec: SolutionSpec): unknown;
  peerGroups(record: SolutionPeerGroupsRecord, spec: SolutionSpec): unknown;
  optimum(record: SolutionOptimumRecord, spec: SolutionSpec): unknown;
  statistics(record: SolutionStatisticsRecord, spec: SolutionSpec): unknown[];
}

/** Shapers by the name a spec's `recordShape` gives. */
export type SolutionRecordShapers = ReadonlyMap<string, SolutionRecordShaper>;

/** The records as they are (no `recordShape`). */
export const ownRecords: SolutionRecordShaper = {
  params: (version) => version,
  prediction: (record) => record,
  anomaly: (record) => record,
  scoredInput: (record) => record,
  peerGroups: (record) => record,
  optimum: (record) => record,
  statistics: (record) => [record],
};
