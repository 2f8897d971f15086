// The domain record of a trained model: what the train step produces, the registry keeps (as a
// model version) and the faces shape for their callers. It names ML things, never a face's keys.
import type { ModelJSON } from '../../automl/index.js';
import type { VariableStats } from '../registry/types.js';
import type { ModelControls } from './controls/model-controls.js';

export interface LeaderboardEntry {
  algorithm: string;
  metrics: Record<string, number>;
  fitMs: number;
  error?: string;
}

export interface ModelLineage {
  /** The topic holding the training set, and the record it was read from. */
  trainingTopic: string;
  partition: number;
  offset: number;
  /** The training set's own lineage (the joined topic and its windows' offsets). */
  joined: unknown;
}

export interface ModelRecord {
  /** The alias the model is registered under (the VIPER face's algokey). */
  alias: string;
  /** The device the model was trained for (its records' key), when one was given. */
  device?: string;
  algorithm: string;
  task: 'regression' | 'classification';
  dependentVariable: string;
  independentVariables: string[];
  /** 1 − MAPE of the champion on the holdout, clamped to [0, 1] (automl/selection/champion.ts). */
  forecastAccuracy: number;
  selectionMetric: string;
  metrics: Record<string, number>;
  leaderboard: LeaderboardEntry[];
  trainingRows: number;
  /** Candidate configurations tried. */
  modelruns: number;
  stats: VariableStats[];
  lineage: ModelLineage;
  createdAt: string;
  model: ModelJSON;
  /** How the target and inputs were built and where the model stands (absent on older records). */
  controls?: ModelControls;
}
