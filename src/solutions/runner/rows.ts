// The rows of one step, in order, through their entity's pipeline: predicted, scored for anomalies,
// learnt, checked for drift, and retrained when a record trigger is due (awaited, or with
// `retrain.background` started on the pool and published when it finishes) — all their records go to
// the step's outbox, published in one transaction. The loop gives the event loop back between
// slices of bounded time (slices.ts), so a large batch never holds it in one stretch.
import { checkDeadline, deadlineAfter, StepInputError, type JoinedRow } from '../../streams/index.js';
import type { EntityTable } from './entities.js';
import type { EntityPipeline } from './entity-pipeline.js';
import type { Outbox } from './outbox.js';
import type { Promotion } from './promotion.js';
import { Slices } from './slices.js';
import type { RunnerScope } from './types.js';

export interface RowParts {
  scope: RunnerScope;
  entities: EntityTable;
  pipeline: EntityPipeline;
  promotion: Promotion;
}

/** Handles a step's rows in order; their records go to `outbox`. */
export async function handleRows(
  parts: RowParts,
  rows: readonly JoinedRow[],
  outbox: Outbox,
  slices = new Slices(),
): Promise<void> {
  const { scope, entities, pipeline, promotion } = parts;
  const { spec, board } = scope;
  let skipped = 0;
  const only = spec.io?.entity;
  for (const row of rows) {
    await slices.next();
    if (only !== undefined && row.entity !== only) continue; // another entity's row (io.entity)
    const runtime = await entities.get(row.entity);
    runtime.touched = true;
    const { features, target } = pipeline.split(row);
    const usable = features.every(Number.isFinite);
    if (!usable || !Number.isFinite(target)) skipped++;
    let prediction: number | undefined;
    if (usable) {
      prediction = pipeline.predict(runtime, row, features, target, outbox);
      pipeline.scoreAnomalies(runtime, row, outbox);
    }
    // (the drift detector scores the champion's prediction made above, not a second one)
    const { drift, statistic } = runtime.learner.observe(features, target, row.timestamp, row.position, {
      prediction,
    });
    if (drift) pipeline.recordDrift(runtime, row, statistic ?? 0, outbox);
    const due =
      runtime.pendingTrigger ??
      (spec.retrain.everyRecords !== undefined &&
      runtime.learner.rowsSinceRetrain >= spec.retrain.everyRecords
        ? 'records'
        : undefined);
    if (due !== undefined) {
      if (spec.retrain.background) await promotion.request(runtime, due, outbox);
      else {
        await promotion.retrain(runtime, due, outbox);
        await slices.yield();
      }
    } else if (usable && promotion.refreshesBetweenTriggers) {
      // `retrain.refresh: { everyRecords }`: refreshed on its own cadence between the retrains
      await promotion.refreshWhenDue(runtime, outbox);
    }
    // a background retrain that finished: its champion predicts from the next row on, published now
    if (runtime.retrainSlot.ready) await promotion.applySettled(runtime, outbox);
  }
  if (skipped > 0) board.problem(`${skipped} input rows did not carry a number in every variable (skipped)`);
}

/** Learns the rows before the committed offsets again (predicted before a restart; not scored now). */
export async function replayRows(
  parts: Pick<RowParts, 'entities' | 'pipeline'>,
  rows: readonly JoinedRow[],
  slices = new Slices(),
): Promise<void> {
  const only = parts.pipeline.spec.io?.entity;
  for (const row of rows) {
    await slices.next();
    if (only !== undefined && row.entity !== only) continue;
    const runtime = await parts.entities.get(row.entity);
    const { features, target } = parts.pipeline.split(row);
    runtime.learner.observe(features, target, row.timestamp, row.position, { detectDrift: false });
  }
}

/**
 * The anomaly scoring's bound (`anomaly.scoringTimeoutSeconds`), checked before the step's records
 * are published: a step past it publishes none of its anomaly scores or scored inputs (as the
 * anomaly predict step past its timeout writes nothing), and the status names the timeout.
 */
export function boundScoring(scope: RunnerScope, outbox: Outbox, startedAt: number): void {
  const { spec, board } = scope;
  const seconds = spec.anomaly?.scoringTimeoutSeconds;
  if (seconds === undefined) return;
  try {
    checkDeadline(deadlineAfter(startedAt, seconds));
  } catch (error) {
    if (!(error instanceof StepInputError)) throw error;
    let dropped = 0;
    for (const topic of [spec.outputs.anomalies, spec.outputs.scoredInputs]) {
      if (topic !== undefined) dropped += outbox.drop(topic);
    }
    if (dropped > 0) board.problem(`anomaly scores not published: timeout ${error.detail}`);
  }
}
