// A big batch is handled in slices: the event loop runs other work while a step's rows go through
// their pipeline, and the rows' records still come out complete and in order (the step's
// transaction publishes them together). A batch handled in one synchronous stretch would let the
// event loop run no turn until it ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import type { RunnerEvents, RunnerScope } from '../../src/solutions/runner/types.js';
import { EntityTable } from '../../src/solutions/runner/entities.js';
import { EntityPipeline } from '../../src/solutions/runner/entity-pipeline.js';
import { Outbox } from '../../src/solutions/runner/outbox.js';
import { Promotion } from '../../src/solutions/runner/promotion.js';
import { ownRecords } from '../../src/solutions/runner/record-shapers.js';
import { handleRows, replayRows } from '../../src/solutions/runner/rows.js';
import { Slices } from '../../src/solutions/runner/slices.js';
import { StatusBoard } from '../../src/solutions/runner/status-board.js';
import { validateSolutionSpec } from '../../src/solutions/spec.js';
import { ensureSolutionTopics, solutionTopics } from '../../src/solutions/topics.js';
import type { JoinedRow } from '../../src/streams/index.js';
import { embeddedEnv } from '../helpers/backbones.js';
import { makeRows } from './stream-fixture.js';

/** Counts the event loop's turns (setImmediate callbacks) until stopped. */
function turnCounter(): { stop: () => number } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return turns;
    },
  };
}

test('a 20,000-row batch is handled in slices, its predictions complete and in order', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const topics = solutionTopics('slices');
  await ensureSolutionTopics(backbone, topics, 1);
  const registry = await MetadataStore.open(backbone, { topic: topics.registry });
  try {
    const spec = validateSolutionSpec({
      name: 'plant',
      inputs: [{ topic: 'p', variables: ['a', 'b', 'y'] }],
      window: { records: 300 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 5000 },
      automl: { modelruns: 1, algorithms: ['ols'] },
    });
    const now = Date.now;
    const scope: RunnerScope = {
      spec,
      incarnation: 'plant.1',
      ctx: {
        backbone,
        producer: undefined as never, // handleRows only fills the outbox; nothing is produced here
        registry,
        topics,
        workerId: 'test',
      },
      now,
      board: new StatusBoard('test', now, () => undefined),
      events: new EventEmitter<RunnerEvents>(),
      shaper: ownRecords,
    };
    const parts = {
      scope,
      entities: new EntityTable(scope),
      pipeline: new EntityPipeline(scope),
      promotion: new Promotion(scope),
    };
    const toRow = (r: { a: number; b: number; y: number }, i: number): JoinedRow => ({
      entity: '',
      values: { a: r.a, b: r.b, y: r.y },
      timestamp: i,
      position: { 'p/0': i },
    });
    // the window before the batch, and the first champion trained on it
    const window = makeRows(300, 1).map(toRow);
    await replayRows(parts, window);
    const runtime = await parts.entities.get('');
    await parts.promotion.retrain(runtime, 'start', new Outbox(topics.registry));
    assert.ok(runtime.learner.champion, 'a champion before the batch');

    const batch = makeRows(20_000, 2).map((r, i) => toRow(r, 300 + i));
    const outbox = new Outbox(topics.registry);
    const slices = new Slices();
    const counter = turnCounter();
    await handleRows(parts, batch, outbox, slices);
    const turns = counter.stop();

    // the event loop ran between slices: many turns, not one stretch (a synchronous batch: 0 or 1)
    assert.ok(slices.yields >= 10, `yields ${slices.yields}`);
    assert.ok(turns >= slices.yields, `turns ${turns}, yields ${slices.yields}`);
    // every row predicted once, in the batch's order, by a linear model of a linear target
    const predictions = (outbox.records.get(spec.outputs.predictions) ?? []).map(
      (r) =>
        JSON.parse(String(r.value)) as { prediction: number; actual: number; offsets: { 'p/0': number } },
    );
    assert.deepEqual(
      predictions.map((p) => p.offsets['p/0']),
      batch.map((_, i) => 300 + i),
    );
    const errors = predictions.map((p) => Math.abs(p.prediction - p.actual));
    assert.ok(Math.max(...errors) < 1, `largest error ${Math.max(...errors)}`);
    // the record trigger fired inside the batch: 20,000 rows, a retrain every 5,000
    assert.equal(runtime.state.retrains, 1 + 4);
  } finally {
    await registry.close();
    await backbone.close();
    await env.cleanup();
  }
});
