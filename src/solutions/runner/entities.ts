// The per-entity state of a running solution: its learner (window and champion), the counters the
// registry keeps, its anomaly peer groups, and a retrain asked for but not yet run. An entity seen
// for the first time continues from what the registry holds for it (after a restart or a takeover).
import type { AdaptiveConformal, PeerGroupJSON } from '../../automl/index.js';
import type { ModelVersion } from '../catalog-types.js';
import { WindowLearner } from '../learner.js';
import { RetrainSlot } from '../retrain-slot.js';
import { readEntityState, type EntityState } from '../../streams/registry/index.js';
import type { RunnerScope } from './types.js';

export interface EntityRuntime {
  entity: string;
  learner: WindowLearner;
  state: EntityState;
  peerGroups?: PeerGroupJSON[];
  pendingTrigger?: ModelVersion['trigger'];
  /** The retrain running off the row path (`retrain.background`), or its outcome not yet published. */
  retrainSlot: RetrainSlot<ModelVersion['trigger']>;
  /** The champion version whose inline refresh (`retrain.refresh`) was last reported as not made. */
  refreshNotice?: number;
  /** Adaptive conformal inference on the champion's errors or class scores (made at the first prediction). */
  conformal?: AdaptiveConformal;
  /** Learnt rows this step: its state is written to the registry with the step. */
  touched: boolean;
}

const freshState = (): EntityState => ({
  retrains: 0,
  lastRetrainAt: 0,
  championVersion: 0,
  oldestVersion: 1,
  driftEvents: 0,
  rowsSinceRetrain: 0,
  predictions: 0,
});

export class EntityTable {
  readonly #entities = new Map<string, EntityRuntime>();

  constructor(private readonly scope: RunnerScope) {}

  get size(): number {
    return this.#entities.size;
  }

  values(): IterableIterator<EntityRuntime> {
    return this.#entities.values();
  }

  async get(entity: string): Promise<EntityRuntime> {
    const existing = this.#entities.get(entity);
    if (existing !== undefined) return existing;
    const { spec, ctx, board } = this.scope;
    const learner = new WindowLearner({
      featureNames: spec.independentVariables,
      targetName: spec.dependentVariable,
      task: spec.automl.islogistic ? 'classification' : 'regression',
      window: spec.window,
      automl: spec.automl,
      drift: spec.drift,
      pool: ctx.pool,
      offloadTraining: true,
    });
    const { state, champion } = await readEntityState(ctx.registry, this.scope.incarnation, entity);
    if (champion !== undefined) {
      learner.restore(
        { json: champion.model, version: champion.version, forecastAccuracy: champion.forecastAccuracy },
        state?.retrains ?? 0,
      );
      board.status.champions[entity] = {
        algorithm: champion.algorithm,
        version: champion.version,
        forecastAccuracy: champion.forecastAccuracy,
      };
    }
    const runtime: EntityRuntime = {
      entity,
      learner,
      state: state ?? freshState(),
      touched: false,
      retrainSlot: new RetrainSlot(),
    };
    // the status counts the solution's whole life, not this runner's
    runtime.state.predictions ??= 0;
    board.status.retrains += runtime.state.retrains;
    board.status.predictions += runtime.state.predictions;
    board.status.driftEvents += runtime.state.driftEvents;
    this.#entities.set(entity, runtime);
    return runtime;
  }
}
