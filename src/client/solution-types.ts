// The shapes of the /v1 solutions API as the SDK sees them. They mirror src/solutions/spec.ts and
// src/server/v1/solution-schemas.ts (the client layer may not import either); docs/solutions.md
// describes every field.

/** A solution spec as written by users: fields with defaults may be left out. */
export interface SolutionSpecInput {
  name: string;
  description?: string;
  /** The streams: a topic each; a JSON record carries several variables (`variables`). */
  inputs: Array<{ topic: string; variables?: string[] }>;
  /** The record key names an entity: one micro-model per entity. */
  entityKey?: boolean;
  /** The last N rows (`records`), or the rows of the last T seconds (`seconds`, capped at `maxRecords`). */
  window: { records?: number; seconds?: number; maxRecords?: number };
  dependentVariable: string;
  /** At least one, unless `model` is false. */
  independentVariables: string[];
  /** Learn a model every window (default true); false: only anomaly and statistics products. */
  model?: boolean;
  retrain: { everyRecords?: number; everySeconds?: number; background?: boolean };
  automl?: {
    modelruns?: number;
    timeBudgetMs?: number;
    algorithms?: string[];
    islogistic?: boolean;
    seed?: number;
    /** VIPER's processlogic: the 0/1 target from conditions on the variables (needs islogistic). */
    classificationRule?: string;
  };
  predict?: boolean;
  /** Conformal intervals (regression) or prediction sets (classification) on every prediction, adaptive. */
  intervals?: { coverage?: number; learningRate?: number; window?: number };
  /** Feature contributions on every prediction (default false). */
  explain?: boolean;
  optimize?: {
    ismin?: boolean;
    constraints?: string;
    constrainttype?: 1 | 2 | 3;
    stretchbounds?: number;
    epsilon?: number;
  };
  anomaly?: { lag?: number; threshold?: number; influence?: number };
  preprocess?: {
    statistics: string[];
    /** Per variable, the range its statistics are computed over (`a=55,60:b=34,n`). */
    conditions?: string;
    identifier?: string;
    rawData?: boolean;
    form?: 'streams' | 'array';
  };
  /** Preprocessing and stream queries run on a schedule before learning; their outputs may be inputs. */
  steps?: SolutionStepInput[];
  drift?: { enabled?: boolean; delta?: number; threshold?: number };
  outputs?: {
    params?: string;
    predictions?: string;
    optimal?: string;
    anomalies?: string;
    /** Each row scored for anomalies, as scored. */
    scoredInputs?: string;
    preprocessed?: string;
    drift?: string;
  };
  /** The keys of the output records: a shape a face gives the workers (`viper`); default tml's. */
  recordShape?: string;
  /** Per-row output retention (ms; -1 forever). */
  outputRetentionMs?: number;
  /** How the inputs are read and the outputs labelled (src/solutions/spec-io.ts). */
  io?: {
    /** Only partition p of every input; outputs to partition p. */
    partition?: number;
    /** Where a new solution starts: the window (default), the beginning, an offset, or −n (the newest n rows). */
    startOffset?: 'window' | 'earliest' | number;
    /** Seconds of pause after each cycle that read rows. */
    pauseSeconds?: number;
    /** Only this entity's rows (needs entityKey). */
    entity?: string;
    /** A consumer id the solution's reads count for in AiMS. */
    consumerId?: string;
    /** Carried in the output records. */
    producerId?: string;
    /** Carried in the records of outputs.scoredInputs. */
    scoredInputsProducerId?: string;
    mainTopic?: string;
  };
  /** Deployed or not, which champion predicts, and labels of the model records. */
  registry?: {
    deploy?: boolean;
    predictWith?: 'champion' | 'deployed';
    identifier?: string;
    folder?: string;
  };
}

/** Statistics as `rows` (one JSON object per device, for `inputs[].variables`) or named `streams`. */
type StepForm = 'rows' | 'streams';

/** One scheduled step of a solution (src/solutions/spec-steps.ts); `everySeconds` defaults to 60. */
export type SolutionStepInput =
  | {
      kind: 'preprocess';
      everySeconds?: number;
      streams: string[];
      statistics: string[];
      maxRows: number;
      conditions?: string;
      output: string;
      form?: StepForm;
    }
  | {
      kind: 'customJson';
      everySeconds?: number;
      topic: string;
      criteria: string;
      statistics: string[];
      maxRows: number;
      conditions?: string;
      output: string;
      form?: StepForm;
    }
  | {
      kind: 'streamQuery';
      everySeconds?: number;
      topic: string;
      streams: string[];
      conditions: string;
      devices?: string[];
      maxRows?: number;
      offset?: number;
      fields?: boolean;
      where?: string;
      whereKey?: string;
      rawData?: boolean;
      description?: string;
      identifier?: string;
      output: string;
    };

/** The spec as stored: validated, defaults filled in. */
export interface SolutionSpec extends SolutionSpecInput {
  entityKey: boolean;
  model: boolean;
  predict: boolean;
  automl: Required<Omit<NonNullable<SolutionSpecInput['automl']>, 'algorithms' | 'classificationRule'>> & {
    algorithms?: string[];
    classificationRule?: string;
  };
  drift: Required<NonNullable<SolutionSpecInput['drift']>>;
  outputs: NonNullable<SolutionSpecInput['outputs']> & { params: string; predictions: string; drift: string };
}

export type SolutionState = 'running' | 'paused';

export interface SolutionStatus {
  /** starting, waiting (too few rows yet), ok, or problem (see `problems`). */
  condition: string;
  problems: Array<{ at: number; message: string }>;
  retrains: number;
  predictions: number;
  driftEvents: number;
  lastRetrainAt?: number;
  /** Per entity ('' without an entity key). */
  champions: Record<string, { algorithm: string; version: number; forecastAccuracy: number }>;
  worker?: string;
  updatedAt: number;
}

export interface SolutionView {
  name: string;
  spec: SolutionSpec;
  state: SolutionState;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** Absent until a worker has reported on it. */
  status?: SolutionStatus;
}

export interface ModelVersionSummary {
  solution: string;
  entity: string;
  version: number;
  retrain: number;
  algorithm: string;
  forecastAccuracy: number;
  metrics: Record<string, number>;
  /** The window it learnt from: offsets per topic and partition. */
  lineage: Record<string, unknown>;
  promotedAt: number;
  trigger: string;
  /** The champion it replaced and that champion's score on the same newest rows: RMSE, or log-loss for classifiers. */
  replaced?: { version: number; rmse: number } | { version: number; logLoss: number };
}

export interface ChampionVersion extends ModelVersionSummary {
  /** The model as versioned JSON (docs/automl.md). */
  model: unknown;
}

export interface DriftEvent {
  solution: string;
  entity: string;
  at: number;
  offset: number;
  detector: string;
  statistic: number;
  championVersion: number;
}

export interface SolutionModels {
  solution: string;
  entity: string;
  champion?: ChampionVersion;
  /** Newest first. */
  history: ModelVersionSummary[];
  drift: DriftEvent[];
}

export interface SolutionModelsQuery {
  /** The entity (record key); default '' (no entity key). */
  entity?: string;
  /** Versions of the history, newest first. */
  limit?: number;
}
