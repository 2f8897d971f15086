// Bad data never stops a worker: each solution reports its condition in its status and keeps
// running, and the healthy solution next to them keeps predicting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import type { SolutionCatalog, SolutionView } from '../../src/solutions/catalog-types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows } from './stream-fixture.js';

const spec = (name: string, topic: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputs: [{ topic, variables: ['a', 'b', 'y'] }],
  window: { records: 100 },
  dependentVariable: 'y',
  independentVariables: ['a', 'b'],
  retrain: { everyRecords: 20 },
  automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 1000 },
  ...extra,
});

const rowsOf = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ value: JSON.stringify(r) }));

async function problems(catalog: SolutionCatalog, name: string): Promise<SolutionView> {
  const view = await catalog.describe(name);
  assert.ok(view.status, `${name} has a status`);
  return view;
}

async function withWorker(
  work: (backbone: Backbone, catalog: SolutionCatalog) => Promise<void>,
): Promise<void> {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 50 });
  try {
    const catalog = await openSolutionCatalog(backbone);
    // a healthy solution beside the broken ones: it must keep working throughout
    await backbone.createTopic({ name: 'healthy' });
    await backbone.produce('healthy', rowsOf(makeRows(50, 1) as unknown as Array<Record<string, unknown>>));
    await catalog.create(spec('healthy', 'healthy'));
    await work(backbone, catalog);
    await backbone.produce('healthy', rowsOf(makeRows(40, 2) as unknown as Array<Record<string, unknown>>));
    await eventually(
      async () => assert.equal((await catalog.describe('healthy')).status?.predictions, 40),
      10_000,
    );
    assert.ok(
      worker.runners().some((r) => r.spec.name === 'healthy'),
      'the worker still runs',
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
}

test('an input topic that does not exist yet: waiting, named; it starts once the topic comes', async () => {
  await withWorker(async (backbone, catalog) => {
    await catalog.create(spec('early', 'not-yet'));
    await eventually(async () => {
      const view = await problems(catalog, 'early');
      assert.equal(view.status!.condition, 'waiting');
      assert.match(view.status!.problems.at(-1)!.message, /input topic not-yet does not exist/);
    }, 10_000);
    await backbone.createTopic({ name: 'not-yet' });
    await backbone.produce('not-yet', rowsOf(makeRows(50, 3) as unknown as Array<Record<string, unknown>>));
    await eventually(async () => {
      // started afresh on the window that is there: the first model
      assert.equal((await catalog.describe('early')).status?.condition, 'ok');
      assert.ok((await catalog.models('early')).champion);
    }, 15_000);
  });
});

test('records that are not numbers are skipped and reported; the numeric rows are predicted', async () => {
  await withWorker(async (backbone, catalog) => {
    await backbone.createTopic({ name: 'noisy' });
    await backbone.produce('noisy', rowsOf(makeRows(40, 4) as unknown as Array<Record<string, unknown>>));
    await catalog.create(spec('noisy', 'noisy'));
    await eventually(async () => assert.ok((await catalog.models('noisy')).champion), 10_000);
    await backbone.produce('noisy', [
      { value: 'not json at all' },
      { value: JSON.stringify({ a: 'x', b: 1, y: 2 }) },
      { value: JSON.stringify({ a: 1, b: 2 }) },
      ...rowsOf(makeRows(5, 5) as unknown as Array<Record<string, unknown>>),
    ]);
    await eventually(async () => {
      const view = await problems(catalog, 'noisy');
      assert.ok(
        view.status!.problems.some((p) => /did not carry a number/.test(p.message)),
        JSON.stringify(view.status!.problems),
      );
      // the row without a target is still predicted (its inputs are numbers); the others are not
      assert.equal(view.status!.predictions, 6);
    }, 10_000);
  });
});

test('too few rows to train: waiting, with how many there are and how many are needed', async () => {
  await withWorker(async (backbone, catalog) => {
    await backbone.createTopic({ name: 'sparse' });
    await catalog.create(spec('sparse', 'sparse'));
    await backbone.produce('sparse', rowsOf(makeRows(20, 6) as unknown as Array<Record<string, unknown>>));
    await eventually(async () => {
      const view = await problems(catalog, 'sparse');
      assert.equal(view.status!.condition, 'waiting');
      assert.match(view.status!.problems.at(-1)!.message, /window has 20 rows, 30 needed/);
    }, 10_000);
  });
});

test('a constant target and a model that cannot train are reported, and the solution keeps going', async () => {
  await withWorker(async (backbone, catalog) => {
    await backbone.createTopic({ name: 'flat' });
    await backbone.produce('flat', rowsOf(Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 3, y: 7 }))));
    await catalog.create(spec('flat', 'flat'));
    await backbone.createTopic({ name: 'labels' });
    await backbone.produce(
      'labels',
      rowsOf(Array.from({ length: 40 }, (_, i) => ({ a: i, b: i % 3, y: i * 1.5 }))),
    );
    await catalog.create(
      spec('labels', 'labels', { automl: { islogistic: true, modelruns: 2, algorithms: ['logistic'] } }),
    );
    await eventually(async () => {
      const flat = await problems(catalog, 'flat');
      assert.equal(flat.status!.condition, 'problem');
      assert.match(flat.status!.problems.at(-1)!.message, /constant/);
      const labels = await problems(catalog, 'labels');
      assert.equal(labels.status!.condition, 'problem');
      assert.match(labels.status!.problems.at(-1)!.message, /must be 0 or 1/);
    }, 10_000);
    // the data gets better: the next window trains
    await backbone.produce('flat', rowsOf(makeRows(60, 7) as unknown as Array<Record<string, unknown>>));
    await eventually(async () => assert.ok((await catalog.models('flat')).champion), 10_000);
  });
});

test('an input topic that vanishes: reported, and the solution resumes when it is back', async () => {
  await withWorker(async (backbone, catalog) => {
    await backbone.createTopic({ name: 'fleeting' });
    await backbone.produce('fleeting', rowsOf(makeRows(40, 8) as unknown as Array<Record<string, unknown>>));
    await catalog.create(spec('fleeting', 'fleeting'));
    await eventually(async () => assert.ok((await catalog.models('fleeting')).champion), 10_000);
    await backbone.deleteTopic('fleeting');
    await eventually(async () => {
      const view = await problems(catalog, 'fleeting');
      assert.ok(
        view.status!.problems.some((p) => /fleeting/.test(p.message)),
        JSON.stringify(view.status!.problems),
      );
    }, 10_000);
    await backbone.createTopic({ name: 'fleeting' });
    await backbone.produce('fleeting', rowsOf(makeRows(10, 9) as unknown as Array<Record<string, unknown>>));
    await eventually(async () => {
      const view = await catalog.describe('fleeting');
      assert.ok((view.status?.predictions ?? 0) >= 10, JSON.stringify(view.status));
    }, 15_000);
  });
});
