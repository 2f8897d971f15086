import type { ModelControls } from '../steps/controls/model-controls.js';
// The model registry's records: every model version with its metrics and lineage, whether a
// solution's runner promoted it or a one-shot training call produced it, and the drift events.
import type { ModelJSON } from '../../automl/index.js';

/** Descriptive statistics of one input over the training window (the optimizer's default bounds). */
export interface VariableStats {
  variable: string;
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** Where a model record was written (one-shot trainings write the model to a topic too). */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * A replaced champion's score on the newest rows, named after the metric it holds: RMSE for
 * regression, log-loss for classification (the selection's own metrics).
 */
export type ReplacedChampion = { version: number; rmse: number } | { version: number; logLoss: number };

/** The replaced champion's score as `[metric, value]`, for display. */
export function replacedScore(replaced: ReplacedChampion): ['rmse' | 'log-loss', number] {
  return 'rmse' in replaced ? ['rmse', replaced.rmse] : ['log-loss', replaced.logLoss];
}

/** One version in the registry of a model line (a solution and entity, or a one-shot model name). */
export interface ModelVersion {
  solution: string;
  /** '' when the solution has no entity key. */
  entity: string;
  version: number;
  /** The retrain that produced it. */
  retrain: number;
  algorithm: string;
  forecastAccuracy: number;
  metrics: Record<string, number>;
  /** The window it learnt from: offsets per topic and partition. */
  lineage: Record<string, unknown>;
  promotedAt: number;
  /** Why it was trained: the schedule, a drift alarm, or a one-shot request. */
  trigger: 'records' | 'seconds' | 'drift' | 'start' | 'request';
  /**
   * True when no challenger beat the champion and its configuration was fitted again on this
   * window (same algorithm and hyperparameters, parameters from the latest rows).
   */
  refreshed?: boolean;
  /** The champion it replaced and that champion's score on the same newest rows. */
  replaced?: ReplacedChampion;
  model: ModelJSON;
  /**
   * Global importance of each input: the mean |contribution| to the predictions of the window's
   * newest rows (automl's IMPORTANCE_ROWS), in the model's explanation output space.
   */
  importances?: Record<string, number>;
  /** The training window's descriptive statistics (one-shot trainings keep them for optimize). */
  stats?: VariableStats[];
  /** Where the model record was written, when it was written to a topic. */
  record?: RecordPosition;
  /** One-shot trainings: the target rule, transform, estimates and registry stage. */
  controls?: ModelControls;
}

export interface DriftEvent {
  solution: string;
  entity: string;
  at: number;
  /** The input offset at which the detector fired. */
  offset: number;
  detector: 'page-hinkley';
  statistic: number;
  championVersion: number;
}

export interface ModelRegistryView {
  champion?: ModelVersion;
  /** Newest first. */
  history: ModelVersion[];
  drift: DriftEvent[];
}

/** What a runner needs to continue an entity after a restart or a takeover. */
export interface EntityState {
  retrains: number;
  lastRetrainAt: number;
  championVersion: number;
  /** The oldest version and drift event still kept (older ones were tombstoned). */
  oldestVersion: number;
  driftEvents: number;
  /** Rows learnt since the last retrain (the every-K-rows trigger continues from it). */
  rowsSinceRetrain: number;
  /** Predictions published for this entity so far. */
  predictions: number;
}

/** A name for a model version (a VIPER algokey is one): resolves to the line's current champion. */
export interface ModelAlias {
  alias: string;
  solution: string;
  entity: string;
}
