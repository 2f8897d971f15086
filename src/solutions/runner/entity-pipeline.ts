// What happens to each row of an entity before it is learnt: the champion's prediction, the anomaly
// score against the entity's peer groups, and — after it is learnt — a drift alarm when the
// detector fired on the champion's error. Each adds its records to the step's outbox.
import {
  AdaptiveConformal,
  assessRisk,
  ExplanationUnavailableError,
  ruleHolds,
  scoreValue,
  setAtQuantile,
} from '../../automl/index.js';
import type { Champion } from '../learner.js';
import { classify, type ClassificationRule, type JoinedRow } from '../../streams/index.js';
import type { DriftEvent } from '../catalog-types.js';
import { REGISTRY_HISTORY, registryKeys } from '../../streams/registry/index.js';
import type { EntityRuntime } from './entities.js';
import type { Outbox } from './outbox.js';
import { outputKey, type RunnerScope } from './types.js';
import { classificationRuleOf } from '../spec-io.js';
import type { SolutionAnomalyRecord, SolutionPredictionRecord } from './record-shapers.js';

export class EntityPipeline {
  /** The spec's classification rule (`automl.classificationRule`): the target it builds. */
  readonly #rule?: ClassificationRule;

  get spec() {
    return this.scope.spec;
  }

  constructor(private readonly scope: RunnerScope) {
    const text = scope.spec.automl.classificationRule;
    if (text !== undefined) this.#rule = classificationRuleOf(text);
  }

  /** The row's features and target, in the spec's variable order. */
  split(row: JoinedRow): { features: number[]; target: number } {
    const { spec } = this.scope;
    return {
      features: spec.independentVariables.map((v) => row.values[v]),
      target:
        this.#rule === undefined
          ? row.values[spec.dependentVariable]
          : classify(this.#rule, (variable) => row.values[variable]),
    };
  }

  /** The champion's prediction of the row, published (undefined before the first model or without `predict`). */
  predict(
    runtime: EntityRuntime,
    row: JoinedRow,
    features: number[],
    target: number,
    outbox: Outbox,
  ): number | undefined {
    const { spec, board, events } = this.scope;
    if (!spec.predict) return undefined;
    const prediction = runtime.learner.predict(features);
    const champion = runtime.learner.champion;
    if (prediction === undefined || champion === undefined) return undefined;
    const inputs = Object.fromEntries(spec.independentVariables.map((v, i) => [v, features[i]]));
    const conformal = this.conformalOf(runtime);
    const { interval, predictionSet } = this.conformalAnswer(conformal, prediction);
    const explanation = spec.explain ? this.explain(champion, features) : undefined;
    // The row's outcome is known now (it is learnt next): the interval's level adapts to it.
    if (conformal !== undefined && Number.isFinite(target)) conformal.observe(prediction, target);
    const record: SolutionPredictionRecord = {
      solution: spec.name,
      entity: runtime.entity,
      prediction,
      actual: Number.isFinite(target) ? target : null,
      inputs,
      ...(interval !== undefined ? { interval } : {}),
      ...(predictionSet !== undefined && conformal !== undefined
        ? { predictionSet, coverage: conformal.coverage }
        : {}),
      ...(explanation !== undefined ? { explanation } : {}),
      modelVersion: champion.version,
      algorithm: champion.json.algorithm,
      offsets: row.position,
      rowTimestamp: row.timestamp,
    };
    outbox.add(spec.outputs.predictions, {
      key: outputKey(spec, runtime.entity),
      value: JSON.stringify(this.scope.shaper.prediction(record, spec)),
      timestamp: this.scope.now(),
    });
    board.status.predictions++;
    runtime.state.predictions++;
    events.emit('prediction', {
      solution: spec.name,
      entity: runtime.entity,
      prediction,
      actual: target,
      inputs,
      ...(interval !== undefined ? { interval } : {}),
      ...(predictionSet !== undefined ? { predictionSet, coverage: conformal.coverage } : {}),
      modelVersion: champion.version,
      algorithm: champion.json.algorithm,
      timestamp: row.timestamp,
    });
    return prediction;
  }

  /**
   * Adaptive conformal inference on the entity's errors: |y − ŷ| for regression, and for a
   * classifier (whose prediction is p̂₁) |y − p̂₁| = 1 − p̂(true class), the score of its sets.
   */
  private conformalOf(runtime: EntityRuntime): AdaptiveConformal {
    runtime.conformal ??= new AdaptiveConformal(this.scope.spec.intervals);
    return runtime.conformal;
  }

  /** Regression: the interval once enough errors were seen; classification: the prediction set. */
  private conformalAnswer(conformal: AdaptiveConformal, prediction: number) {
    if (!this.scope.spec.automl.islogistic) return { interval: conformal.interval(prediction) };
    return { predictionSet: setAtQuantile(prediction, conformal.width()) };
  }

  private explain(champion: Champion, features: number[]) {
    let explained;
    try {
      explained = champion.model.explainRow(features);
    } catch (error) {
      // A champion restored from before explanations existed: the prediction still goes out.
      if (error instanceof ExplanationUnavailableError) return { unavailable: error.message };
      throw error;
    }
    const { method, output, baseValue, contributions } = explained;
    const named = Object.fromEntries(
      this.scope.spec.independentVariables.map((v, i) => [v, contributions[i]]),
    );
    return { method, output, baseValue, contributions: named };
  }

  scoreAnomalies(runtime: EntityRuntime, row: JoinedRow, outbox: Outbox): void {
    const { spec, events } = this.scope;
    const topic = spec.outputs.anomalies;
    if (spec.anomaly === undefined || topic === undefined || runtime.peerGroups === undefined) return;
    const { rules, riskscore, complete } = spec.anomaly;
    // as the anomaly predict step: a stream's rule decides its anomaly, the risk options the alert
    const scores = runtime.peerGroups.map((group) => {
      const score = scoreValue(group, row.values[group.stream]);
      const rule = rules?.find((r) => r.stream === group.stream);
      return rule === undefined ? score : { ...score, anomaly: ruleHolds(rule, score) };
    });
    const risk = assessRisk(scores, { riskscore, complete });
    const values = Object.fromEntries(scores.map((s) => [s.stream, s.value]));
    const record: SolutionAnomalyRecord = {
      solution: spec.name,
      entity: runtime.entity,
      ...risk,
      values,
      offsets: row.position,
    };
    outbox.add(topic, {
      key: outputKey(spec, runtime.entity),
      value: JSON.stringify(this.scope.shaper.anomaly(record, spec)),
    });
    const scored = spec.outputs.scoredInputs;
    if (scored !== undefined) {
      const input = { solution: spec.name, entity: runtime.entity, values, offsets: row.position };
      outbox.add(scored, {
        key: outputKey(spec, runtime.entity),
        value: JSON.stringify(this.scope.shaper.scoredInput({ ...input, rowTimestamp: row.timestamp }, spec)),
      });
    }
    if (risk.alert) {
      events.emit('anomaly', {
        solution: spec.name,
        entity: runtime.entity,
        risk: risk.risk,
        alert: risk.alert,
        anomalousStreams: risk.anomalousStreams,
      });
    }
  }

  /** The drift detector fired on this row: an event in the registry and the drift topic, and a retrain. */
  recordDrift(runtime: EntityRuntime, row: JoinedRow, statistic: number, outbox: Outbox): void {
    const { spec, board, events, incarnation } = this.scope;
    runtime.pendingTrigger = 'drift';
    const index = ++runtime.state.driftEvents;
    const event: DriftEvent = {
      solution: spec.name,
      entity: runtime.entity,
      at: this.scope.now(),
      offset: Math.min(...Object.values(row.position)),
      detector: 'page-hinkley',
      statistic,
      championVersion: runtime.learner.champion?.version ?? 0,
    };
    outbox.putRegistry(registryKeys.drift(incarnation, runtime.entity, index), event);
    if (index > REGISTRY_HISTORY) {
      outbox.deleteRegistry(registryKeys.drift(incarnation, runtime.entity, index - REGISTRY_HISTORY));
    }
    outbox.add(spec.outputs.drift, {
      key: outputKey(spec, runtime.entity),
      value: JSON.stringify({ ...event, position: row.position }),
    });
    board.status.driftEvents++;
    board.markDirty();
    events.emit('drift', event);
  }
}
