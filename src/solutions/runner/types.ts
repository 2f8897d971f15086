// What a solution runner is given, what it tells its listeners, and the scope its parts share.
import type { EventEmitter } from 'node:events';
import type { ModelOptimization, PredictionInterval, TrainingPool } from '../../automl/index.js';
import type { MetadataStore } from '../../backbone/metadata-store.js';
import type { Backbone, TransactionalProducer } from '../../backbone/types.js';
import type { DriftEvent, ModelVersion, SolutionProblem } from '../catalog-types.js';
import type { RetrainOutcome } from '../learner.js';
import type { EntityState } from '../../streams/registry/index.js';
import type { SolutionSpec } from '../spec.js';
import type { SolutionTopics } from '../topics.js';
import type { StatusBoard } from './status-board.js';
import type { SolutionRecordShaper, SolutionRecordShapers } from './record-shapers.js';

export interface RunnerContext {
  backbone: Backbone;
  /** The transactional producer of the catalog partition this solution lives on. */
  producer: TransactionalProducer;
  /** The registry topic read back (shared by the runners of one worker). */
  registry: MetadataStore;
  topics: SolutionTopics;
  pool?: TrainingPool;
  /** Shown in the status: which worker runs the solution. */
  workerId: string;
  /** The record shapers a spec's `recordShape` may name (record-shapers.ts). */
  recordShapers?: SolutionRecordShapers;
  now?: () => number;
}

export interface RetrainEvent {
  solution: string;
  entity: string;
  trigger: ModelVersion['trigger'];
  outcome: RetrainOutcome;
  state: EntityState;
}

export interface PredictionEvent {
  solution: string;
  entity: string;
  prediction: number;
  actual: number;
  inputs: Record<string, number>;
  /** The conformal interval (regression, once enough errors were seen). */
  interval?: PredictionInterval;
  /** Classifiers: the classes of the adaptive conformal prediction set, at `coverage`. */
  predictionSet?: number[];
  coverage?: number;
  modelVersion: number;
  algorithm: string;
  timestamp: number;
}

export interface OptimumEvent {
  solution: string;
  entity: string;
  modelVersion: number;
  /** The optimal inputs found for the new champion (the search's details left out). */
  optimum: Omit<ModelOptimization, 'search'>;
}

export interface ReadEvent {
  solution: string;
  consumerId: string;
  bytes: number;
  records: number;
}

export interface AnomalyEvent {
  solution: string;
  entity: string;
  risk: number;
  alert: boolean;
  anomalousStreams: string[];
}

export interface RunnerEvents {
  retrain: [RetrainEvent];
  prediction: [PredictionEvent];
  drift: [DriftEvent];
  optimum: [OptimumEvent];
  anomaly: [AnomalyEvent];
  problem: [SolutionProblem];
  /** Another worker fenced this runner's producer (it owns the catalog partition now): stopped for good. */
  handedOver: [];
  /** A step committed: rows handled, and the transaction's records. */
  step: [{ rows: number; records: number }];
  /** A step committed reads of a spec with `io.consumerId`: what they count for it (AiMS usage). */
  read: [ReadEvent];
}

/** What the parts of one runner share: its spec, context, clock, status and listeners. */
export interface RunnerScope {
  readonly spec: SolutionSpec;
  /** The registry prefix of this solution's incarnation (registry.ts). */
  readonly incarnation: string;
  readonly ctx: RunnerContext;
  readonly now: () => number;
  readonly board: StatusBoard;
  readonly events: EventEmitter<RunnerEvents>;
  /** Writes the output records in the spec's `recordShape` (record-shapers.ts). */
  readonly shaper: SolutionRecordShaper;
}

/** The record key of an entity's outputs: the entity, or the solution's name for unkeyed solutions. */
export function outputKey(spec: SolutionSpec, entity: string): string {
  return entity === '' ? spec.name : entity;
}
