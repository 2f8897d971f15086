// A retrain of one entity and what follows a new champion: the version in the registry (older ones
// tombstoned), the model in the params topic, and the products of the champion's window —
// optimal inputs, anomaly peer groups and window statistics.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describeColumns } from '../../automl/index.js';
import {
  checkDeadline,
  deadlineAfter,
  findOptimum,
  findOptimumOnPool,
  parseConditions,
  peerGroupsOf,
  StepInputError,
  windowStatistics,
} from '../../streams/index.js';
import type { ModelVersion } from '../catalog-types.js';
import { MIN_WINDOW_ROWS, type RefreshOutcome, type RetrainOutcome } from '../learner.js';
import { REGISTRY_HISTORY, registryKeys } from '../../streams/registry/index.js';
import type { EntityRuntime } from './entities.js';
import type { Outbox } from './outbox.js';
import { outputKey, type RunnerScope } from './types.js';
import type {
  SolutionOptimumRecord,
  SolutionPeerGroupsRecord,
  SolutionStatisticsRecord,
} from './record-shapers.js';

type Trained = Extract<RetrainOutcome, { trained: true }>;
/** What a new champion version is published from: a retrain's outcome or an inline refresh's. */
type NewChampion = Pick<Trained, 'champion' | 'lineage' | 'rows' | 'refreshed' | 'replaced'>;

/** Time the optimizer may take after a promotion: the step's transaction waits for it. */
const OPTIMIZE_BUDGET_MS = 200;

export class Promotion {
  constructor(private readonly scope: RunnerScope) {}

  async retrain(runtime: EntityRuntime, trigger: ModelVersion['trigger'], outbox: Outbox): Promise<void> {
    runtime.pendingTrigger = undefined;
    runtime.touched = true;
    const now = this.scope.now();
    if (!this.scope.spec.model) {
      await this.windowOnly(runtime, now, outbox);
      return;
    }
    await this.apply(runtime, trigger, now, await runtime.learner.retrain(now), outbox);
  }

  /**
   * A retrain off the row path (`retrain.background`): started on the pool, its outcome published
   * by `applySettled` in the step that takes it. The first model (no champion yet: nothing to
   * predict the rows with) is awaited, and a solution without a model runs its (cheap) window
   * products at once, as `retrain` does.
   */
  async request(runtime: EntityRuntime, trigger: ModelVersion['trigger'], outbox: Outbox): Promise<void> {
    // without a champion there is nothing to predict the rows with: the first model is awaited
    if (!this.scope.spec.model || runtime.learner.champion === undefined) {
      await this.retrain(runtime, trigger, outbox);
      return;
    }
    runtime.pendingTrigger = undefined;
    runtime.touched = true;
    const now = this.scope.now();
    // a time trigger is not due again while this one runs
    runtime.state.lastRetrainAt = now;
    const refreshed = await runtime.retrainSlot.requestAndRefresh(
      runtime.learner,
      trigger,
      now,
      this.refreshPolicy(),
    );
    await this.afterRefresh(runtime, refreshed, trigger, now, outbox);
  }

  /**
   * `retrain.refresh: { everyRecords }` on a row that triggers no retrain: the champion's
   * configuration fitted again inline once as many rows arrived since its last fit, published as
   * a refresh on a due trigger is.
   */
  async refreshWhenDue(runtime: EntityRuntime, outbox: Outbox): Promise<void> {
    const policy = this.refreshPolicy();
    if (policy === undefined || runtime.learner.champion === undefined) return;
    const now = this.scope.now();
    const refreshed = await runtime.retrainSlot.refreshWhenDue(runtime.learner, now, policy);
    if (refreshed !== undefined) runtime.touched = true;
    await this.afterRefresh(runtime, refreshed, 'records', now, outbox);
  }

  /** A refresh made is published; one refused is said once per champion version. */
  private async afterRefresh(
    runtime: EntityRuntime,
    refreshed: RefreshOutcome | undefined,
    trigger: ModelVersion['trigger'],
    now: number,
    outbox: Outbox,
  ): Promise<void> {
    if (refreshed?.refreshed === true) await this.publishRefresh(runtime, refreshed, trigger, now, outbox);
    else if (refreshed !== undefined) {
      // (a champion too dear to fit on every row: said once per version, not on every row)
      const version = runtime.learner.champion?.version;
      if (runtime.refreshNotice !== version) {
        runtime.refreshNotice = version;
        const { board } = this.scope;
        // a note, not a fault: the champion goes on predicting, the condition stays
        board.problem(
          `retrain.refresh: champion v${version} not refreshed: ${refreshed.reason}`,
          board.status.condition,
        );
      }
    }
  }

  /**
   * An inline refresh (`retrain.refresh`) is a new version like any other, published with the step
   * whose rows it goes on to predict: a prediction's `modelVersion` always names the parameters that
   * made it, in the registry and the params topic (REGISTRY_HISTORY bounds what is kept, as for the
   * awaited loop, whose retrains publish a refreshed version each time).
   */
  private async publishRefresh(
    runtime: EntityRuntime,
    refreshed: Extract<RefreshOutcome, { refreshed: true }>,
    trigger: ModelVersion['trigger'],
    now: number,
    outbox: Outbox,
  ): Promise<void> {
    const outcome: NewChampion = { ...refreshed, refreshed: true };
    await this.register(runtime, outcome, trigger, now, outbox);
    await this.afterPromotion(runtime, outcome, outbox);
  }

  /** Publishes a background retrain that finished, and asks again for a trigger that came meanwhile. */
  async applySettled(runtime: EntityRuntime, outbox: Outbox): Promise<void> {
    const now = this.scope.now();
    const settled = await runtime.retrainSlot.takeAndRefresh(runtime.learner, now, this.refreshPolicy());
    if (settled === undefined) return;
    runtime.touched = true;
    await this.apply(runtime, settled.trigger, settled.at, settled.outcome, outbox);
    // (with `retrain.refresh`: the promoted champion brought up to the newest rows, the next version)
    if (settled.refreshed?.refreshed === true) {
      await this.publishRefresh(runtime, settled.refreshed, settled.trigger, now, outbox);
    }
    if (settled.queued !== undefined) runtime.pendingTrigger ??= settled.queued;
  }

  /**
   * `retrain.refresh`'s cadence, or undefined when the spec does not refresh: its own every N rows,
   * or on each due retrain trigger.
   */
  private refreshPolicy(): { everyRecords?: number } | undefined {
    const { refresh, everyRecords } = this.scope.spec.retrain;
    if (refresh === true) return { everyRecords };
    return typeof refresh === 'object' ? { everyRecords: refresh.everyRecords } : undefined;
  }

  /** `retrain.refresh` has a cadence of its own, not the retrain triggers'. */
  get refreshesBetweenTriggers(): boolean {
    return typeof this.scope.spec.retrain.refresh === 'object';
  }

  /** What follows a retrain: the state, the status, and for a new champion its version and products. */
  private async apply(
    runtime: EntityRuntime,
    trigger: ModelVersion['trigger'],
    now: number,
    outcome: RetrainOutcome,
    outbox: Outbox,
  ): Promise<void> {
    const { spec, board, events } = this.scope;
    const state = runtime.state;
    state.lastRetrainAt = now;
    if (!outcome.trained) {
      board.problem(outcome.reason, outcome.reason.startsWith('window has') ? 'waiting' : 'problem');
      events.emit('retrain', { solution: spec.name, entity: runtime.entity, trigger, outcome, state });
      return;
    }
    state.retrains++;
    board.status.retrains++;
    board.status.lastRetrainAt = now;
    if (board.status.condition !== 'ok') board.setCondition('ok');
    if (outcome.promoted) {
      // each product of the new champion is a long synchronous stretch (the optimizer alone may
      // take OPTIMIZE_BUDGET_MS): the event loop runs between them
      await nextTurn();
      await this.register(runtime, outcome, trigger, now, outbox);
      await this.afterPromotion(runtime, outcome, outbox);
    }
    events.emit('retrain', {
      solution: spec.name,
      entity: runtime.entity,
      trigger,
      outcome,
      state: { ...state },
    });
  }

  /** The new champion: a registry version, the params record, the status. */
  private async register(
    runtime: EntityRuntime,
    outcome: NewChampion,
    trigger: ModelVersion['trigger'],
    now: number,
    outbox: Outbox,
  ): Promise<void> {
    const { spec, board, incarnation } = this.scope;
    const { champion } = outcome;
    const state = runtime.state;
    state.championVersion = champion.version;
    const window = runtime.learner.windowColumns(now);
    const importances = await this.importances(champion, window.x, window.rows);
    const version: ModelVersion = {
      solution: spec.name,
      entity: runtime.entity,
      version: champion.version,
      retrain: state.retrains,
      algorithm: champion.json.algorithm,
      forecastAccuracy: champion.forecastAccuracy,
      // a refreshed champion carries its configuration's score on the newest rows it had not seen
      metrics: champion.json.metrics,
      lineage: { offsets: outcome.lineage, rows: outcome.rows },
      promotedAt: now,
      trigger,
      ...(outcome.refreshed ? { refreshed: true } : {}),
      ...(outcome.replaced !== undefined ? { replaced: outcome.replaced } : {}),
      model: champion.json,
      importances,
    };
    outbox.putRegistry(registryKeys.version(incarnation, runtime.entity, champion.version), version);
    while (state.oldestVersion <= champion.version - REGISTRY_HISTORY) {
      outbox.deleteRegistry(registryKeys.version(incarnation, runtime.entity, state.oldestVersion));
      state.oldestVersion++;
    }
    outbox.add(spec.outputs.params, {
      key: outputKey(spec, runtime.entity),
      value: JSON.stringify(this.scope.shaper.params(version, spec)),
    });
    board.status.champions[runtime.entity] = {
      algorithm: champion.json.algorithm,
      version: champion.version,
      forecastAccuracy: champion.forecastAccuracy,
    };
    board.markDirty();
  }

  /** A solution without a model: each trigger publishes the window's products only. */
  private async windowOnly(runtime: EntityRuntime, now: number, outbox: Outbox): Promise<void> {
    const { board } = this.scope;
    const { rows, lineage } = runtime.learner.cutWithoutModel(now);
    runtime.state.lastRetrainAt = now;
    if (rows < MIN_WINDOW_ROWS) {
      board.problem(`window has ${rows} rows, ${MIN_WINDOW_ROWS} needed`, 'waiting');
      return;
    }
    runtime.state.retrains++;
    board.status.retrains++;
    board.status.lastRetrainAt = now;
    if (board.status.condition !== 'ok') board.setCondition('ok');
    board.markDirty();
    await this.windowProducts(runtime, lineage, outbox);
  }

  /** An explanation per window row (up to a few hundred): on the pool when there is one. */
  private async importances(champion: Trained['champion'], x: Float64Array, rows: number) {
    const { pool } = this.scope.ctx;
    if (pool === undefined) return champion.model.importances(x, rows);
    const outcome = await pool.run({ kind: 'importances', model: champion.json, x, rows });
    if (!outcome.ok) throw new Error(`importances: ${outcome.error.message}`);
    return outcome.importances;
  }

  /** Optimization, peer groups and window statistics follow each new champion. */
  private async afterPromotion(runtime: EntityRuntime, outcome: NewChampion, outbox: Outbox): Promise<void> {
    const { spec, board, events } = this.scope;
    const window = runtime.learner.windowColumns(this.scope.now());
    const key = outputKey(spec, runtime.entity);
    const optimize = spec.optimize;
    if (optimize !== undefined && spec.outputs.optimal !== undefined) {
      await nextTurn();
      try {
        const stats = describeColumns(window.x, window.rows, spec.independentVariables);
        const modelVersion = outcome.champion.version;
        const settings = {
          minimize: optimize.ismin,
          constraints: optimize.constraints,
          constraintType: optimize.constrainttype,
          stretchBounds: optimize.stretchbounds,
          epsilon: optimize.epsilon,
        };
        const run = { seed: modelVersion, budgetMs: OPTIMIZE_BUDGET_MS };
        // on the pool the search holds a worker thread, not the event loop every runner shares
        const { pool } = this.scope.ctx;
        const { search: _search, ...optimum } =
          pool !== undefined
            ? await findOptimumOnPool(pool, outcome.champion.json, stats, settings, run)
            : findOptimum(outcome.champion.model, stats, settings, run);
        const record: SolutionOptimumRecord = {
          solution: spec.name,
          entity: runtime.entity,
          modelVersion,
          ...optimum,
        };
        outbox.add(spec.outputs.optimal, {
          key,
          value: JSON.stringify(this.scope.shaper.optimum(record, spec)),
        });
        events.emit('optimum', { solution: spec.name, entity: runtime.entity, modelVersion, optimum });
      } catch (error) {
        board.problem(`optimization skipped: ${(error as Error).message}`);
      }
    }
    await this.windowProducts(runtime, outcome.lineage, outbox);
  }

  /** Peer groups and window statistics: after each new champion, or each trigger without a model. */
  private async windowProducts(runtime: EntityRuntime, lineage: unknown, outbox: Outbox): Promise<void> {
    const { spec, board } = this.scope;
    const window = runtime.learner.windowColumns(this.scope.now());
    const key = outputKey(spec, runtime.entity);
    const anomaly = spec.anomaly;
    if (anomaly !== undefined && spec.outputs.anomalies !== undefined) {
      // the cycle's work is bounded from here (VIPER's timeout), as the anomaly train step's
      const deadline =
        anomaly.timeoutSeconds !== undefined
          ? deadlineAfter(performance.now(), anomaly.timeoutSeconds)
          : undefined;
      await nextTurn();
      try {
        const peerGroups = peerGroupsOf(
          window.columns.map(({ variable, values }) => ({ stream: variable, values })),
          () => ({ lag: anomaly.lag, threshold: anomaly.threshold, influence: anomaly.influence }),
        );
        checkDeadline(deadline);
        runtime.peerGroups = peerGroups;
        if (spec.outputs.peerGroups !== undefined) {
          const folder = spec.registry?.folder;
          const record: SolutionPeerGroupsRecord = {
            solution: spec.name,
            entity: runtime.entity,
            rows: window.rows,
            streams: peerGroups.map((g) => g.stream),
            peerGroups,
            ...(folder !== undefined && folder !== '' ? { folder } : {}),
          };
          outbox.add(spec.outputs.peerGroups, {
            key,
            value: JSON.stringify(this.scope.shaper.peerGroups(record, spec)),
          });
        }
      } catch (error) {
        const message =
          error instanceof StepInputError && error.field === 'timeoutSeconds'
            ? `anomaly peer groups not published: timeout ${error.detail}`
            : `anomaly peer groups not trained: ${(error as Error).message}`;
        board.problem(message);
      }
    }
    const preprocess = spec.preprocess;
    if (preprocess !== undefined && spec.outputs.preprocessed !== undefined) {
      await nextTurn();
      try {
        // each variable's values inside its range (preprocess.conditions), as the preprocess step
        const ranges = parseConditions(
          preprocess.conditions ?? '',
          window.columns.map((c) => c.variable),
        );
        const columns = window.columns.map(({ variable, values }) => {
          const range = ranges.get(variable);
          return {
            variable,
            values: range === undefined ? values : values.filter((v) => v >= range.min && v <= range.max),
          };
        });
        const statistics = Object.fromEntries(
          columns.map(({ variable, values }) => [variable, windowStatistics(values, preprocess.statistics)]),
        );
        const record: SolutionStatisticsRecord = {
          solution: spec.name,
          entity: runtime.entity,
          rows: window.rows,
          lineage,
          statistics,
          ...(preprocess.rawData === true
            ? { values: Object.fromEntries(columns.map((c) => [c.variable, [...c.values]])) }
            : {}),
        };
        for (const value of this.scope.shaper.statistics(record, spec)) {
          outbox.add(spec.outputs.preprocessed, { key, value: JSON.stringify(value) });
        }
      } catch (error) {
        board.problem(`statistics skipped: ${(error as Error).message}`);
      }
    }
  }
}
