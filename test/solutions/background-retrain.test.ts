// `retrain.background`: a due retrain runs on the training pool while the rows after it go on being
// predicted by the current champion (the retrain does not hold them); the new champion predicts
// once it is ready, and its version is published in the step that takes it — never a prediction
// by a version whose registry record is not in the same or an earlier transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { TrainingPool } from '../../src/automl/index.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { WindowLearner } from '../../src/solutions/learner.js';
import { RetrainSlot } from '../../src/solutions/retrain-slot.js';
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
import { registryKeys } from '../../src/streams/registry/index.js';
import type { JoinedRow } from '../../src/streams/index.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceSplit } from './stream-fixture.js';

interface PredictionValue {
  prediction: number;
  actual: number;
  modelVersion: number;
  offsets: { 'p/0': number };
}

const predictionsOf = (outbox: Outbox, topic: string): PredictionValue[] =>
  (outbox.records.get(topic) ?? []).map((r) => JSON.parse(String(r.value)) as PredictionValue);

const versionsIn = (outbox: Outbox, registryTopic: string, incarnation: string): Set<number> => {
  const versions = new Set<number>();
  for (const record of outbox.records.get(registryTopic) ?? []) {
    for (let v = 1; v < 20; v++) {
      if (record.key === registryKeys.version(incarnation, '', v) && record.value !== null) versions.add(v);
    }
  }
  return versions;
};

test('a background retrain does not hold the rows; its champion is published with the step that takes it', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const topics = solutionTopics('background');
  await ensureSolutionTopics(backbone, topics, 1);
  const registry = await MetadataStore.open(backbone, { topic: topics.registry });
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    const spec = validateSolutionSpec({
      name: 'plant',
      inputs: [{ topic: 'p', variables: ['a', 'b', 'y'] }],
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 100, background: true },
      automl: { modelruns: 1, algorithms: ['ols'] },
    });
    const now = Date.now;
    const incarnation = 'plant.1';
    const scope: RunnerScope = {
      spec,
      incarnation,
      ctx: { backbone, producer: undefined as never, registry, topics, workerId: 'test', pool },
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
    // the first champion learns y = 2a − 3b
    await replayRows(parts, makeRows(100, 1).map(toRow));
    const runtime = await parts.entities.get('');
    await parts.promotion.retrain(runtime, 'start', new Outbox(topics.registry));
    assert.equal(runtime.learner.champion?.version, 1);

    // then the relation changes to y = −a + 4b: 150 rows, the trigger at the 100th
    const changed = makeRows(250, 2, [-1, 4]).map((r, i) => toRow(r, 100 + i));
    const first = new Outbox(topics.registry);
    // one slice (no turn of the event loop inside the batch): a retrain awaited would still
    // have to finish before row 101, a retrain off the row path cannot have
    await handleRows(parts, changed.slice(0, 150), first, new Slices(Number.POSITIVE_INFINITY));
    const firstPredictions = predictionsOf(first, spec.outputs.predictions);
    assert.equal(firstPredictions.length, 150, 'every row predicted once');
    // the 50 rows after the trigger were not held by the retrain: the old champion predicted them
    // (awaited, as without `background`, they would be predicted by version 2)
    assert.deepEqual(
      [...new Set(firstPredictions.slice(100).map((p) => p.modelVersion))],
      [1],
      'rows after the trigger predicted by version 1',
    );
    assert.equal(runtime.retrainSlot.busy, true, 'the retrain runs on the pool');

    // the retrain finishes; the next step's rows are predicted by version 2, which learnt the new
    // relation, and version 2 goes out in that step's transaction
    await runtime.retrainSlot.settle();
    const second = new Outbox(topics.registry);
    // (its 50th row is the next trigger: that retrain, in one slice again, cannot land in this batch)
    await handleRows(parts, changed.slice(150), second, new Slices(Number.POSITIVE_INFINITY));
    const secondPredictions = predictionsOf(second, spec.outputs.predictions);
    assert.equal(secondPredictions.length, 100);
    assert.deepEqual([...new Set(secondPredictions.map((p) => p.modelVersion))], [2]);
    assert.deepEqual(
      [...versionsIn(second, topics.registry, incarnation)],
      [2],
      'version 2 published with them',
    );
    assert.equal(
      versionsIn(first, topics.registry, incarnation).size,
      0,
      'nothing published before it was ready',
    );
    const worst = Math.max(...secondPredictions.map((p) => Math.abs(p.prediction - p.actual)));
    assert.ok(worst < 1, `version 2 learnt y = −a + 4b: largest error ${worst}`);
    assert.equal(runtime.state.championVersion, 2);
    assert.equal(runtime.state.retrains, 2);
    assert.equal(runtime.retrainSlot.busy, true, 'the next retrain runs');
    await runtime.retrainSlot.settle();
  } finally {
    await pool.close();
    await registry.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('a retrain slot runs one retrain at a time and hands back the trigger that came meanwhile', async () => {
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    const learner = new WindowLearner({
      featureNames: ['a', 'b'],
      targetName: 'y',
      task: 'regression',
      window: { records: 60 },
      automl: { modelruns: 1, timeBudgetMs: 5000, algorithms: ['ols'], seed: 1 },
      pool,
      offloadTraining: true,
    });
    makeRows(60, 3).forEach((r, i) => learner.observe([r.a, r.b], r.y, i, { 'p/0': i }));
    const slot = new RetrainSlot<string>();
    slot.request(learner, 'records', 1);
    slot.request(learner, 'drift', 2);
    slot.request(learner, 'seconds', 3);
    assert.equal(slot.busy, true);
    assert.equal(slot.ready, false, 'the pool has not answered within this turn');
    assert.equal(slot.take(), undefined);
    await slot.settle();
    const settled = slot.take();
    assert.ok(settled);
    assert.equal(settled.trigger, 'records');
    assert.equal(settled.at, 1);
    assert.equal(settled.queued, 'drift', 'the first trigger kept while busy');
    assert.equal(settled.outcome.trained, true);
    assert.equal(learner.retrains, 1, 'one retrain ran for the three requests');
    assert.equal(slot.busy, false);
    assert.equal(slot.take(), undefined, 'taken once');
  } finally {
    await pool.close();
  }
});

/** The kinds of the tasks posted to `pool` from now on, in order (a live list). */
function postedKinds(pool: TrainingPool): string[] {
  const kinds: string[] = [];
  const run = pool.run.bind(pool) as (task: { kind: string }) => Promise<unknown>;
  pool.run = ((task: { kind: string }) => {
    kinds.push(task.kind);
    return run(task);
  }) as typeof pool.run;
  return kinds;
}

test('off the row path, a micro-model window of cheap families is selected as one pool task; tree ensembles on a larger window spread', async () => {
  const pool = new TrainingPool({ maxThreads: 2 });
  const kinds = postedKinds(pool);
  const learnerOn = (records: number, algorithms: string[]) => {
    const learner = new WindowLearner({
      featureNames: ['a', 'b'],
      targetName: 'y',
      task: 'regression',
      window: { records },
      automl: { modelruns: 6, timeBudgetMs: 60_000, algorithms, seed: 1 },
      pool,
      offloadTraining: true,
    });
    makeRows(records, 3).forEach((r, i) => learner.observe([r.a, r.b], r.y, i, { 'p/0': i }));
    return learner;
  };
  try {
    // the pool is idle (a lone learner), so only the plan's estimated cost decides
    assert.equal((await learnerOn(30, ['ols', 'ridge', 'lasso', 'knn']).retrain(1)).trained, true);
    assert.deepEqual(kinds, ['select']);
    kinds.length = 0;
    assert.equal((await learnerOn(1_000, ['random_forest', 'gbdt', 'ridge']).retrain(1)).trained, true);
    assert.ok(kinds.length > 1 && !kinds.includes('select'), kinds.join(','));
  } finally {
    await pool.close();
  }
});

test('while every pool thread has work, a challenger is judged by its selection score: no refits posted for the check', async () => {
  const pool = new TrainingPool({ maxThreads: 2 });
  const kinds = postedKinds(pool);
  const learner = new WindowLearner({
    featureNames: ['a', 'b'],
    targetName: 'y',
    task: 'regression',
    window: { records: 60 },
    automl: { modelruns: 3, timeBudgetMs: 60_000, algorithms: ['ols', 'ridge', 'knn'], seed: 1 },
    pool,
    offloadTraining: true,
  });
  const rows = makeRows(180, 5);
  let at = 0;
  const feed = (count: number) => {
    for (const r of rows.slice(at, at + count)) {
      const prediction = learner.predict([r.a, r.b]);
      learner.observe([r.a, r.b], r.y, at, { 'p/0': at }, { prediction });
      at++;
    }
  };
  try {
    feed(60);
    assert.equal((await learner.retrain(1)).trained, true, 'the first champion');
    feed(60);
    kinds.length = 0;
    const idle = await learner.retrain(2);
    assert.equal(idle.trained, true);
    assert.ok(kinds.includes('oneStep'), `an idle pool refits the challenger: ${kinds.join(',')}`);
    feed(60);
    // Every thread busy, as under many solutions' retrains: made deterministic here (a real load
    // would have to last exactly through the check).
    Object.defineProperty(pool, 'busy', { get: () => true });
    kinds.length = 0;
    const busy = await learner.retrain(3);
    assert.equal(busy.trained, true);
    assert.ok(!kinds.includes('oneStep'), kinds.join(','));
    assert.ok(busy.trained && busy.replaced !== undefined && 'rmse' in busy.replaced);
    assert.equal(busy.promoted, busy.challenger.metrics.rmse < busy.replaced.rmse);
  } finally {
    await pool.close();
  }
});

test('a solution retraining in the background predicts every row once, each by a published version', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `bg-${v}` });
    await produceSplit(backbone, 'bg-', makeRows(200, 1));
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'bgs',
      inputs: [
        { topic: 'bg-a', variables: ['a'] },
        { topic: 'bg-b', variables: ['b'] },
        { topic: 'bg-y', variables: ['y'] },
      ],
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 50, background: true },
      automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await eventually(async () => {
      assert.equal((await catalog.models('bgs')).champion?.version, 1);
    }, 15_000);
    // 400 rows in four batches, each a retrain's worth several times over
    for (let batch = 0; batch < 4; batch++) await produceSplit(backbone, 'bg-', makeRows(100, 10 + batch));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'bgs-predictions')).length, 400);
      assert.ok(((await catalog.describe('bgs')).status?.retrains ?? 0) >= 3);
    }, 30_000);
    const predictions = (await readTopic(backbone, 'bgs-predictions')).map(
      (r) => JSON.parse(String(r.value)) as { modelVersion: number; offsets: Record<string, number> },
    );
    // every input row exactly once
    const rows = predictions.map((p) => p.offsets['bg-y/0']);
    assert.deepEqual(
      rows,
      Array.from({ length: 400 }, (_, i) => 200 + i),
    );
    // each version that predicted is in the params topic (published with or before its predictions)
    const published = new Set(
      (await readTopic(backbone, 'bgs-params')).map(
        (r) => (JSON.parse(String(r.value)) as { version: number }).version,
      ),
    );
    for (const version of new Set(predictions.map((p) => p.modelVersion))) {
      assert.ok(published.has(version), `version ${version} predicted and was published`);
    }
    assert.ok(published.size >= 3, `versions published: ${[...published].join(', ')}`);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
