// What the solutions layer shows the outside world (the /v1 API, the SDK, the CLI, the VIPER batch
// endpoints): solutions with their state and status, and the model registry's versions.
import type { ModelRegistryView } from '../streams/registry/index.js';
import type { SolutionSpec } from './spec.js';

export type {
  DriftEvent,
  ModelRegistryView,
  ModelVersion,
  ReplacedChampion,
} from '../streams/registry/index.js';
export { replacedScore } from '../streams/registry/index.js';

/** `running` solutions are worked on; `paused` ones keep their champion and registry but do nothing. */
export type SolutionState = 'running' | 'paused';

/** `ok`: trained and predicting; `waiting`: not enough rows yet; `problem`: see `problems`. */
export type SolutionCondition = 'starting' | 'waiting' | 'ok' | 'problem';

export interface SolutionProblem {
  at: number;
  /** Names the condition: "window has 12 rows, 30 needed", "topic x does not exist", ... */
  message: string;
}

/** What the worker running a solution reports (published to the status topic). */
export interface SolutionStatus {
  condition: SolutionCondition;
  /** The latest problems, newest last (at most 20). */
  problems: SolutionProblem[];
  retrains: number;
  predictions: number;
  driftEvents: number;
  lastRetrainAt?: number;
  /** Per entity ('' when the solution has no entity key): the current champion. */
  champions: Record<string, { algorithm: string; version: number; forecastAccuracy: number }>;
  /** Which worker runs it (its client id). */
  worker?: string;
  updatedAt: number;
}

export interface SolutionView {
  name: string;
  spec: SolutionSpec;
  state: SolutionState;
  createdAt: number;
  updatedAt: number;
  status?: SolutionStatus;
}

/** The operations on solutions, one implementation shared by /v1, the VIPER batch endpoints and the CLI. */
export interface SolutionCatalog {
  /** Validates (`SolutionSpecError`) and stores a new running solution (`SolutionExistsError`). */
  create(spec: unknown): Promise<SolutionView>;
  /**
   * Changes a solution in place from a JSON merge patch of its spec (spec-update.ts): it keeps its
   * registry, champions and input offsets; `SolutionChangeError` when the patch changes what the
   * models were learnt on, `SolutionSpecError` when the result does not validate.
   */
  update(name: string, patch: unknown): Promise<SolutionView>;
  list(): Promise<SolutionView[]>;
  /** `UnknownSolutionError` when there is none. */
  describe(name: string): Promise<SolutionView>;
  pause(name: string): Promise<SolutionView>;
  resume(name: string): Promise<SolutionView>;
  /** Removes the solution and its registry; its output topics stay. */
  delete(name: string): Promise<void>;
  /** The model registry of a solution: champion, history and drift events (of one entity, or ''). */
  models(name: string, options?: { entity?: string; limit?: number }): Promise<ModelRegistryView>;
  /** The entities a solution has models for. */
  entities(name: string): Promise<string[]>;
}
