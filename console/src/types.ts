// The shapes the console reads from /v1 (the server's solution views and registry).
export interface SolutionStatus {
  condition: string;
  problems: Array<{ at: number; message: string }>;
  retrains: number;
  predictions: number;
  driftEvents: number;
  lastRetrainAt?: number;
  champions: Record<string, { algorithm: string; version: number; forecastAccuracy: number }>;
  updatedAt: number;
}

export interface SolutionView {
  name: string;
  spec: {
    dependentVariable: string;
    independentVariables: string[];
    outputs: Record<string, string | undefined>;
    [key: string]: unknown;
  };
  state: 'running' | 'paused';
  createdAt: number;
  updatedAt: number;
  status?: SolutionStatus;
}

export interface ModelVersion {
  entity: string;
  version: number;
  retrain: number;
  algorithm: string;
  forecastAccuracy: number;
  metrics: Record<string, number>;
  lineage: { offsets?: Record<string, [number, number]>; rows?: number; [key: string]: unknown };
  promotedAt: number;
  trigger: string;
  refreshed?: boolean;
  /** The champion it replaced and its score on the same newest rows: RMSE, or log-loss for classifiers. */
  replaced?: { version: number; rmse: number } | { version: number; logLoss: number };
  model?: {
    algorithm: string;
    hyperparameters: Record<string, unknown>;
    parameters: Record<string, unknown>;
    featureNames: string[];
    targetName: string;
    metrics: Record<string, number>;
    rows: number;
    trainedAt: string;
  };
}

export interface DriftEvent {
  entity: string;
  at: number;
  offset: number;
  statistic: number;
  championVersion: number;
}

export interface Registry {
  champion?: ModelVersion;
  history: ModelVersion[];
  drift: DriftEvent[];
}

export interface PredictionPoints {
  time: number[];
  at: number[];
  prediction: number[];
  actual: Array<number | null>;
  version: number[];
  algorithm: string[];
  offset: number[];
  entity: string[];
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  records: number;
  active: boolean;
  description: string;
}
