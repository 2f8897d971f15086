// `retrain.refresh`: while a background retrain runs, each due row fits the champion's configuration
// again inline on the newest window, so every row is predicted by parameters that learnt the rows
// just before it. The predictions are checked against ordinary least squares solved here by hand
// (normal equations, Gaussian elimination) on the 30 rows before each predicted row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Model, TrainingPool } from '../../src/automl/index.js';
import { mulberry32 } from '../../src/automl/random.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { SolutionSpecError } from '../../src/solutions/errors.js';
import { WindowLearner } from '../../src/solutions/learner.js';
import { RetrainSlot } from '../../src/solutions/retrain-slot.js';
import { EntityTable } from '../../src/solutions/runner/entities.js';
import { EntityPipeline } from '../../src/solutions/runner/entity-pipeline.js';
import { Outbox } from '../../src/solutions/runner/outbox.js';
import { Promotion } from '../../src/solutions/runner/promotion.js';
import { ownRecords } from '../../src/solutions/runner/record-shapers.js';
import { handleRows, replayRows } from '../../src/solutions/runner/rows.js';
import { Slices } from '../../src/solutions/runner/slices.js';
import { StatusBoard } from '../../src/solutions/runner/status-board.js';
import type { RunnerEvents, RunnerScope } from '../../src/solutions/runner/types.js';
import { validateSolutionSpec } from '../../src/solutions/spec.js';
import { ensureSolutionTopics, solutionTopics } from '../../src/solutions/topics.js';
import type { JoinedRow } from '../../src/streams/index.js';
import { registryKeys, type ModelVersion } from '../../src/streams/registry/index.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceSplit } from './stream-fixture.js';

const WINDOW = 30;

interface Row {
  a: number;
  b: number;
  y: number;
}

/** y = w(i)·a − 3·b + small noise, the weight of a drifting with the row: every window fits differently. */
function driftingRows(count: number, seed: number, weight = (i: number) => 2 + 0.05 * i): Row[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const a = random() * 10;
    const b = random() * 10;
    return { a, b, y: weight(i) * a - 3 * b + (random() - 0.5) * 0.2 };
  });
}

/** OLS with an intercept on rows[from, to): the normal equations solved by Gaussian elimination. */
function handOls(rows: Row[], from: number, to: number): (a: number, b: number) => number {
  const m = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  for (let i = from; i < to; i++) {
    const x = [1, rows[i].a, rows[i].b];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) m[r][c] += x[r] * x[c];
      m[r][3] += x[r] * rows[i].y;
    }
  }
  for (let p = 0; p < 3; p++) {
    let pivot = p;
    for (let r = p + 1; r < 3; r++) if (Math.abs(m[r][p]) > Math.abs(m[pivot][p])) pivot = r;
    [m[p], m[pivot]] = [m[pivot], m[p]];
    for (let r = p + 1; r < 3; r++) {
      const f = m[r][p] / m[p][p];
      for (let c = p; c < 4; c++) m[r][c] -= f * m[p][c];
    }
  }
  const beta = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let sum = m[r][3];
    for (let c = r + 1; c < 3; c++) sum -= m[r][c] * beta[c];
    beta[r] = sum / m[r][r];
  }
  return (a, b) => beta[0] + beta[1] * a + beta[2] * b;
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-8, `${what}: ${actual} vs OLS by hand ${expected}`);

function olsLearner(pool: TrainingPool): WindowLearner {
  return new WindowLearner({
    featureNames: ['a', 'b'],
    targetName: 'y',
    task: 'regression',
    window: { records: WINDOW },
    automl: { modelruns: 1, timeBudgetMs: 5000, algorithms: ['ols'], seed: 1 },
    pool,
    // every candidate on the pool: the retrain cannot finish within the turn that requested it
    offloadTraining: true,
  });
}

test('rows between a background trigger and its landing are predicted by the champion refitted on the 30 rows before each', async () => {
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    // every row follows y = 2a − 3b; after the first selection the champion is replaced by an OLS
    // fitted on those rows shifted by +50 (off by ~50 on every row), so the retrain asked for at
    // row 31 (with rows 30 and 31 to judge the champion on) beats it clearly, and its challenger is
    // promoted when it lands
    const rows = driftingRows(40, 7, () => 2);
    const learner = olsLearner(pool);
    const observe = (i: number) => learner.observe([rows[i].a, rows[i].b], rows[i].y, i, { 'p/0': i });
    for (let i = 0; i < WINDOW; i++) observe(i);
    const first = await learner.retrain(WINDOW);
    assert.equal(first.trained, true);
    assert.equal(learner.champion?.version, 1);
    close(learner.predict([rows[30].a, rows[30].b])!, handOls(rows, 0, 30)(rows[30].a, rows[30].b), 'row 30');
    const shifted = rows.slice(0, WINDOW);
    const bad = Model.fit(
      'ols',
      {
        rows: WINDOW,
        features: 2,
        x: Float64Array.from(shifted.flatMap((r) => [r.a, r.b])),
        y: Float64Array.from(shifted.map((r) => r.y + 50)),
        featureNames: ['a', 'b'],
        targetName: 'y',
      },
      {},
      'regression',
    ).toJSON();
    learner.restore({ json: bad, version: 1, forecastAccuracy: 0 }, 1);

    const slot = new RetrainSlot<'records'>();
    const policy = { everyRecords: 1 };
    observe(30);
    observe(31);
    // the trigger of row 31: the retrain cuts rows 2–31 and goes to the pool; the champion is
    // refreshed on the same rows at once
    const refreshed = await slot.requestAndRefresh(learner, 'records', 31, policy);
    assert.equal(refreshed?.refreshed, true);
    assert.equal(slot.ready, false, 'the retrain has not landed within this turn');
    for (let i = 32; i < 37; i++) {
      // each row before the landing: predicted by OLS on rows i−30 .. i−1, then learnt and refreshed
      const predicted = learner.predict([rows[i].a, rows[i].b])!;
      close(predicted, handOls(rows, i - WINDOW, i)(rows[i].a, rows[i].b), `row ${i}`);
      observe(i);
      const again = await slot.requestAndRefresh(learner, 'records', i, policy);
      assert.equal(again?.refreshed, true, `row ${i} refreshed`);
      assert.deepEqual(again?.refreshed === true ? again.lineage : undefined, {
        'p/0': [i - WINDOW + 1, i],
      });
    }
    assert.equal(learner.champion?.version, 7, 'v1, then a refresh at each of rows 31–36');
    assert.equal(learner.champion?.json.rows, WINDOW);

    // the retrain lands: its challenger (refitted before rows 30 and 31) beat the shifted champion
    // on both, replaces the version predicting now (v7), and is refitted at once on rows 7–36
    await slot.settle();
    const landed = await slot.takeAndRefresh(learner, 37, policy);
    assert.ok(landed !== undefined && landed.outcome.trained);
    assert.equal(landed.outcome.promoted, true);
    assert.equal(landed.outcome.replaced?.version, 7);
    assert.equal(landed.outcome.champion.version, 8);
    assert.equal(landed.queued, 'records', 'the triggers of rows 32–36 were kept');
    assert.equal(landed.refreshed?.refreshed, true);
    assert.equal(learner.champion?.version, 9);
    close(learner.predict([rows[37].a, rows[37].b])!, handOls(rows, 7, 37)(rows[37].a, rows[37].b), 'row 37');
  } finally {
    await pool.close();
  }
});

test('a retrain whose champion configuration wins keeps the newer refresh; the stale refit is dropped', async () => {
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    const rows = driftingRows(40, 3);
    const learner = olsLearner(pool);
    const observe = (i: number) => learner.observe([rows[i].a, rows[i].b], rows[i].y, i, { 'p/0': i });
    for (let i = 0; i < WINDOW; i++) observe(i);
    await learner.retrain(WINDOW);
    const slot = new RetrainSlot<'records'>();
    for (let i = 30; i < 36; i++) {
      observe(i);
      await slot.requestAndRefresh(learner, 'records', i, { everyRecords: 1 });
    }
    const before = learner.champion!;
    await slot.settle();
    const landed = await slot.takeAndRefresh(learner, 36, { everyRecords: 1 });
    assert.ok(landed !== undefined && landed.outcome.trained);
    // OLS against OLS on a slowly drifting relation: the champion's configuration wins (its error
    // on row 30 is below the challenger's holdout RMSE). A refit of it on the retrain's window
    // (rows 1–30) would be older than the refreshes since: no new version is made, the refresh of
    // rows 6–35 keeps predicting
    assert.equal(landed.outcome.promoted, false);
    assert.equal(landed.outcome.refreshed, false, 'no refit of the older window');
    assert.equal(landed.refreshed, undefined);
    assert.equal(learner.champion, before);
    assert.equal(before.version, 7, 'v1 and the refreshes of rows 30–35');
    close(learner.predict([rows[36].a, rows[36].b])!, handOls(rows, 6, 36)(rows[36].a, rows[36].b), 'row 36');
  } finally {
    await pool.close();
  }
});

test('a champion too dear to fit on every row is not refreshed inline, and says why', async () => {
  const rows = driftingRows(WINDOW + 1, 5);
  const x = new Float64Array(rows.slice(0, WINDOW).flatMap((r) => [r.a, r.b]));
  const y = new Float64Array(rows.slice(0, WINDOW).map((r) => r.y));
  const data = { rows: WINDOW, features: 2, x, y, featureNames: ['a', 'b'], targetName: 'y' };
  // an ensemble whose small weight hides a 50-tree forest: the forest's fit is what a refit costs
  const members = [
    { algorithm: 'ols', hyperparameters: {}, weight: 0.95 },
    { algorithm: 'random_forest', hyperparameters: { trees: 50, minSamplesLeaf: 1 }, weight: 0.05 },
  ];
  for (const [algorithm, hyperparameters] of [
    ['random_forest', { trees: 50, minSamplesLeaf: 1 }],
    ['ensemble', { members: JSON.stringify(members) }],
  ] as const) {
    const json = Model.fit(algorithm, data, hyperparameters, 'regression').toJSON();
    const learner = new WindowLearner({
      featureNames: ['a', 'b'],
      targetName: 'y',
      task: 'regression',
      window: { records: WINDOW },
      automl: { modelruns: 1, timeBudgetMs: 5000, seed: 1 },
    });
    rows.forEach((r, i) => learner.observe([r.a, r.b], r.y, i, { 'p/0': i }));
    learner.restore({ json, version: 4, forecastAccuracy: 0.9 }, 1);
    const outcome = await learner.refresh(WINDOW + 1);
    assert.equal(outcome.refreshed, false, algorithm);
    assert.match(outcome.refreshed ? '' : outcome.reason, /estimated at [0-9.]+ ms, above the inline bound/);
    assert.equal(learner.champion?.version, 4, `${algorithm}: the champion stays`);
  }
});

test('a solution with retrain.refresh publishes each refreshed version with the rows it predicts', async () => {
  const retrains = await refreshedSolution({ everyRecords: 1, background: true, refresh: true });
  assert.ok(retrains >= 2, `background retrains ran: ${retrains}`);
});

test('retrain.refresh with a cadence of its own refreshes every row between selections every 10 rows', async () => {
  const retrains = await refreshedSolution({
    everyRecords: 10,
    background: true,
    refresh: { everyRecords: 1 },
  });
  // the first model, then at most one selection per 10 of the 70 rows (fewer when one is busy)
  assert.ok(retrains >= 2 && retrains <= 1 + 7, `selections: ${retrains}`);
});

/**
 * Runs 70 rows through a solution's row loop with `retrain` and checks each row's prediction against
 * OLS by hand on the 30 rows before it, its version published with the step; answers the retrains.
 */
async function refreshedSolution(retrain: Record<string, unknown>): Promise<number> {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const topics = solutionTopics('refresh');
  await ensureSolutionTopics(backbone, topics, 1);
  const registry = await MetadataStore.open(backbone, { topic: topics.registry });
  const pool = new TrainingPool({ maxThreads: 1 });
  try {
    const spec = validateSolutionSpec({
      name: 'trend',
      inputs: [{ topic: 'p', variables: ['a', 'b', 'y'] }],
      window: { records: WINDOW },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain,
      automl: { modelruns: 1, algorithms: ['ols'] },
    });
    const incarnation = 'trend.1';
    const now = Date.now;
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
    const rows = driftingRows(100, 11);
    const toRow = (r: Row, i: number): JoinedRow => ({
      entity: '',
      values: { a: r.a, b: r.b, y: r.y },
      timestamp: i,
      position: { 'p/0': i },
    });
    await replayRows(parts, rows.slice(0, WINDOW).map(toRow));
    const runtime = await parts.entities.get('');
    await parts.promotion.retrain(runtime, 'start', new Outbox(topics.registry));
    assert.equal(runtime.learner.champion?.version, 1);

    // two steps of 35 rows, each in one slice: the retrains run on the pool meanwhile
    const published = new Map<number, ModelVersion>();
    let lastVersion = 0;
    for (const [from, to] of [
      [WINDOW, 65],
      [65, 100],
    ]) {
      const outbox = new Outbox(topics.registry);
      await handleRows(
        parts,
        rows.slice(from, to).map((r, k) => toRow(r, from + k)),
        outbox,
        new Slices(Number.POSITIVE_INFINITY),
      );
      for (const record of outbox.records.get(topics.registry) ?? []) {
        if (record.value === null) continue;
        for (let v = lastVersion + 1; v < 400; v++) {
          if (record.key === registryKeys.version(incarnation, '', v)) {
            published.set(v, JSON.parse(String(record.value)) as ModelVersion);
          }
        }
      }
      const predictions = (outbox.records.get(spec.outputs.predictions) ?? []).map(
        (r) =>
          JSON.parse(String(r.value)) as {
            prediction: number;
            modelVersion: number;
            offsets: { 'p/0': number };
          },
      );
      assert.equal(predictions.length, to - from, 'every row predicted once');
      for (const p of predictions) {
        const i = p.offsets['p/0'];
        // OLS on the 30 rows before it, whether or not a retrain landed in between
        close(p.prediction, handOls(rows, i - WINDOW, i)(rows[i].a, rows[i].b), `row ${i}`);
        assert.ok(p.modelVersion > lastVersion, `row ${i}: a newer version than the row before`);
        lastVersion = p.modelVersion;
        if (i === WINDOW) continue; // v1, published by the first retrain
        // published in this step's transaction (or an earlier one), with the window it learnt
        const version = published.get(p.modelVersion);
        assert.ok(version !== undefined, `row ${i}: version ${p.modelVersion} published`);
        assert.deepEqual(version.lineage.offsets, { 'p/0': [i - WINDOW, i - 1] });
        assert.equal(version.algorithm, 'ols');
      }
    }
    await runtime.retrainSlot.settle();
    // the last row's refresh (or a retrain that landed after it, with its refresh): the version
    // that predicts the next row, newer than the last row's and published with the step
    const next = runtime.state.championVersion;
    assert.ok(next > lastVersion && published.has(next), `next version ${next} after ${lastVersion}`);
    return runtime.learner.retrains;
  } finally {
    await pool.close();
    await registry.close();
    await backbone.close();
    await env.cleanup();
  }
}

test('retrain.refresh must be a boolean or { everyRecords } and needs retrain.background', () => {
  const base = {
    name: 'r',
    inputs: [{ topic: 'p', variables: ['a', 'y'] }],
    window: { records: 30 },
    dependentVariable: 'y',
    independentVariables: ['a'],
  };
  for (const [retrain, message] of [
    [{ everyRecords: 1, background: true, refresh: 'yes' }, /must be a boolean or \{ everyRecords/],
    [{ everyRecords: 1, background: true, refresh: 1 }, /boolean/i],
    [{ everyRecords: 1, refresh: true }, /needs retrain\.background: true/],
    [{ everyRecords: 1, background: false, refresh: true }, /needs retrain\.background: true/],
    [{ everyRecords: 10, refresh: { everyRecords: 1 } }, /needs retrain\.background: true/],
  ] as const) {
    assert.throws(
      () => validateSolutionSpec({ ...base, retrain }),
      (error: unknown) =>
        error instanceof SolutionSpecError &&
        error.field === 'retrain.refresh' &&
        message.test(error.message),
      JSON.stringify(retrain),
    );
  }
  const spec = validateSolutionSpec({
    ...base,
    retrain: { everyRecords: 1, background: true, refresh: true },
  });
  assert.equal(spec.retrain.refresh, true);
  const own = validateSolutionSpec({
    ...base,
    retrain: { everyRecords: 10, background: true, refresh: { everyRecords: 1 } },
  });
  assert.deepEqual(own.retrain.refresh, { everyRecords: 1 });
  for (const refresh of [{ everyRecords: 0 }, { everyRecords: 1.5 }, { every: 1 }, {}]) {
    assert.throws(
      () => validateSolutionSpec({ ...base, retrain: { everyRecords: 10, background: true, refresh } }),
      (error: unknown) => error instanceof SolutionSpecError && error.field.startsWith('retrain.refresh'),
      JSON.stringify(refresh),
    );
  }
});

test('a running solution with retrain.refresh predicts every row once, each by a version it published', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `rf-${v}` });
    await produceSplit(backbone, 'rf-', makeRows(40, 1));
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'rfs',
      inputs: [
        { topic: 'rf-a', variables: ['a'] },
        { topic: 'rf-b', variables: ['b'] },
        { topic: 'rf-y', variables: ['y'] },
      ],
      window: { records: WINDOW },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 1, background: true, refresh: true },
      automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await eventually(async () => {
      assert.equal((await catalog.models('rfs')).champion?.version, 1);
    }, 15_000);
    for (let batch = 0; batch < 3; batch++) await produceSplit(backbone, 'rf-', makeRows(40, 20 + batch));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'rfs-predictions')).length, 120);
    }, 30_000);
    const predictions = (await readTopic(backbone, 'rfs-predictions')).map(
      (r) => JSON.parse(String(r.value)) as { modelVersion: number; offsets: Record<string, number> },
    );
    assert.deepEqual(
      predictions.map((p) => p.offsets['rf-y/0']),
      Array.from({ length: 120 }, (_, i) => 40 + i),
      'every input row exactly once',
    );
    const published = new Set(
      (await readTopic(backbone, 'rfs-params')).map(
        (r) => (JSON.parse(String(r.value)) as { version: number }).version,
      ),
    );
    for (const version of new Set(predictions.map((p) => p.modelVersion))) {
      assert.ok(published.has(version), `version ${version} predicted and was published`);
    }
    // refreshed on (nearly) every row: far more versions than rows between background retrains
    const versions = new Set(predictions.map((p) => p.modelVersion));
    assert.ok(versions.size >= 100, `${versions.size} versions predicted 120 rows`);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
