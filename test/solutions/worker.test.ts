// A solution running on the embedded backbone end to end: created in the catalog, picked up by a
// worker, trained on the latest window, predicting every new row with the champion, with versions
// and state in the registry and everything published exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceKeyed, produceSplit } from './stream-fixture.js';

const json = (r: ConsumedRecord): Record<string, unknown> =>
  JSON.parse(r.value!.toString()) as Record<string, unknown>;

test('a solution trains on the latest window and predicts every new row exactly once', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `s1-${v}` });
    await produceSplit(backbone, 's1-', makeRows(200, 1));
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'plant',
      inputs: [
        { topic: 's1-a', variables: ['a'] },
        { topic: 's1-b', variables: ['b'] },
        { topic: 's1-y', variables: ['y'] },
      ],
      window: { records: 150 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 100 },
      automl: { modelruns: 3, algorithms: ['ols', 'ridge', 'knn'], timeBudgetMs: 2000 },
    });
    // the first model comes from the window already there
    await eventually(async () => {
      const { champion } = await catalog.models('plant');
      assert.ok(champion, 'a champion');
      assert.equal(champion.version, 1);
      assert.equal(champion.trigger, 'start');
    }, 10_000);
    const rows = makeRows(250, 2);
    await produceSplit(backbone, 's1-', rows);
    await eventually(async () => {
      const predictions = await readTopic(backbone, 'plant-predictions');
      assert.equal(predictions.length, 250);
    }, 15_000);
    const predictions = (await readTopic(backbone, 'plant-predictions')).map(json);
    // the per-row output keeps a day by default (the spec's outputRetentionMs); the params topic
    // the backbone's default, Kafka's seven days
    const retention = async (topic: string) =>
      Number((await backbone.describeTopic(topic)).config['retention.ms']);
    assert.equal(await retention('plant-predictions'), 86_400_000);
    assert.equal(await retention('plant-params'), 604_800_000);
    // every new row predicted once, in order, close to the truth (a linear target)
    const offsets = predictions.map((p) => (p.offsets as Record<string, number>)['s1-a/0']);
    assert.deepEqual(
      offsets,
      rows.map((_, i) => 200 + i),
    );
    const errors = predictions.map((p, i) => Math.abs((p.prediction as number) - rows[i].y));
    assert.ok(Math.max(...errors) < 1, `largest error ${Math.max(...errors)}`);
    // 250 new rows, a retrain every 100: two more retrains, each recorded with its window's lineage
    await eventually(async () => {
      const view = await catalog.describe('plant');
      assert.equal(view.status?.retrains, 3);
      assert.equal(view.status?.predictions, 250);
    }, 10_000);
    const committed = await backbone.committedOffsets(
      'tml.solution.' + `plant.${(await catalog.describe('plant')).createdAt}`,
    );
    assert.deepEqual(
      committed.map((c) => c.offset),
      [450, 450, 450],
    );
    const registry = await catalog.models('plant');
    assert.ok(registry.history.length >= 1);
    for (const version of registry.history) {
      const lineage = version.lineage as { offsets: Record<string, [number, number]>; rows: number };
      assert.equal(lineage.rows, 150);
      assert.equal(lineage.offsets['s1-a/0'][1] - lineage.offsets['s1-a/0'][0], 149);
    }
    const params = (await readTopic(backbone, 'plant-params')).map(json);
    assert.deepEqual(
      params.map((p) => p.version),
      registry.history.map((v) => v.version).reverse(),
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('one micro-model per entity: each device gets its own champion', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    await backbone.createTopic({ name: 'devices', partitions: 3 });
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'fleet',
      inputs: [{ topic: 'devices', variables: ['a', 'b', 'y'] }],
      entityKey: true,
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 60 },
      automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await produceKeyed(backbone, 'devices', 'pump-1', makeRows(70, 3, [2, -3]));
    await produceKeyed(backbone, 'devices', 'pump-2', makeRows(70, 4, [-1, 5]));
    await eventually(
      async () => assert.deepEqual(await catalog.entities('fleet'), ['pump-1', 'pump-2']),
      10_000,
    );
    await eventually(async () => {
      const one = await catalog.models('fleet', { entity: 'pump-1' });
      const two = await catalog.models('fleet', { entity: 'pump-2' });
      assert.ok(one.champion && two.champion);
    }, 10_000);
    const one = (await catalog.models('fleet', { entity: 'pump-1' })).champion!;
    const two = (await catalog.models('fleet', { entity: 'pump-2' })).champion!;
    // each learnt its own device's relation
    const coefficients = (m: typeof one): number[] => {
      const p = m.model.parameters as { coefficients?: number[] };
      return p.coefficients ?? [];
    };
    assert.notDeepEqual(coefficients(one), coefficients(two));
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('a joined solution reads every partition of its inputs, partition p joined with partition p', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `cp-${v}`, partitions: 2 });
    // row i goes to partition i % 2 of every input, so the pairs stay co-partitioned
    const produce = async (rows: ReturnType<typeof makeRows>) => {
      for (const v of ['a', 'b', 'y'] as const) {
        await backbone.produce(
          `cp-${v}`,
          rows.map((r, i) => ({ value: String(r[v]), partition: i % 2 })),
        );
      }
    };
    await produce(makeRows(120, 5));
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'copart',
      inputs: [
        { topic: 'cp-a', variables: ['a'] },
        { topic: 'cp-b', variables: ['b'] },
        { topic: 'cp-y', variables: ['y'] },
      ],
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 1000 },
      automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await eventually(async () => assert.ok((await catalog.models('copart')).champion), 10_000);
    const rows = makeRows(60, 6);
    await produce(rows);
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'copart-predictions')).length, 60);
    }, 15_000);
    const predictions = (await readTopic(backbone, 'copart-predictions')).map(json);
    // both partitions predicted, each row from the same partition of every input, at its own offset
    for (const p of predictions) {
      const offsets = p.offsets as Record<string, number>;
      const keys = Object.keys(offsets).sort();
      const partition = keys[0].endsWith('/0') ? 0 : 1;
      assert.deepEqual(keys, [`cp-a/${partition}`, `cp-b/${partition}`, `cp-y/${partition}`]);
      const i = (offsets[`cp-a/${partition}`] - 60) * 2 + partition;
      assert.ok(Math.abs((p.prediction as number) - rows[i].y) < 1, `row ${i}`);
    }
    assert.equal(predictions.filter((p) => 'cp-a/1' in (p.offsets as object)).length, 30);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('inputs with different partition counts are reported by name and nothing is predicted', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    await backbone.createTopic({ name: 'np-a', partitions: 2 });
    await backbone.createTopic({ name: 'np-y', partitions: 1 });
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'notcopart',
      inputs: [
        { topic: 'np-a', variables: ['a'] },
        { topic: 'np-y', variables: ['y'] },
      ],
      window: { records: 50 },
      dependentVariable: 'y',
      independentVariables: ['a'],
      retrain: { everyRecords: 10 },
      automl: { modelruns: 1, algorithms: ['ols'], timeBudgetMs: 1000 },
    });
    await eventually(async () => {
      const status = (await catalog.describe('notcopart')).status;
      assert.equal(status?.condition, 'problem');
      assert.match(status?.problems.at(-1)?.message ?? '', /np-a: 2, np-y: 1/);
    }, 10_000);
    assert.ok(!(await backbone.listTopics()).includes('notcopart-predictions'), 'no output topic made');
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('a new joined solution starts every input at the same offset, though a producer was mid-row', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `mid-${v}` });
    const history = makeRows(120, 7);
    await produceSplit(backbone, 'mid-', history);
    // the producer has written the next row's y, not yet its a and b, when the solution starts
    const rows = makeRows(40, 8);
    await backbone.produce('mid-y', [{ value: String(rows[0].y), partition: 0 }]);
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'midrow',
      inputs: [
        { topic: 'mid-a', variables: ['a'] },
        { topic: 'mid-b', variables: ['b'] },
        { topic: 'mid-y', variables: ['y'] },
      ],
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 1000 },
      automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await eventually(async () => assert.ok((await catalog.models('midrow')).champion), 10_000);
    for (const v of ['a', 'b'] as const) {
      await backbone.produce(
        `mid-${v}`,
        rows.map((r) => ({ value: String(r[v]), partition: 0 })),
      );
    }
    await backbone.produce(
      'mid-y',
      rows.slice(1).map((r) => ({ value: String(r.y), partition: 0 })),
    );
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'midrow-predictions')).length, 40);
    }, 15_000);
    for (const p of (await readTopic(backbone, 'midrow-predictions')).map(json)) {
      const offsets = p.offsets as Record<string, number>;
      // the row's records share their offset, and the prediction is that row's
      assert.equal(offsets['mid-a/0'], offsets['mid-y/0']);
      assert.equal(offsets['mid-b/0'], offsets['mid-y/0']);
      const row = rows[offsets['mid-y/0'] - 120];
      assert.ok(Math.abs((p.prediction as number) - row.y) < 1, `row at ${offsets['mid-y/0']}`);
    }
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
