// Updating a solution in place (a JSON merge patch of its spec): a running solution keeps its
// registry, champion and committed input offsets, and the worker restarts it with the new settings;
// a patch that changes what the models were learnt on, renames it or does not validate is refused
// and the stored solution is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionChangeError, SolutionSpecError } from '../../src/solutions/errors.js';
import { mergePatch, patchBetween } from '../../src/solutions/spec-update.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceSplit } from './stream-fixture.js';

test('merge patch (RFC 7386 examples) and the patch between two specs', () => {
  // RFC 7386 §3's example
  assert.deepEqual(
    mergePatch(
      { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'] },
      { title: 'Hello!', author: { familyName: null }, tags: ['example'], phoneNumber: '+01-123-456-7890' },
    ),
    { title: 'Hello!', author: { givenName: 'John' }, tags: ['example'], phoneNumber: '+01-123-456-7890' },
  );
  assert.deepEqual(mergePatch({ a: 'b' }, { a: null }), {});
  assert.deepEqual(mergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  const from = { a: 1, b: { c: 2, d: 3 }, e: [1] };
  const to = { a: 1, b: { c: 4 }, f: true };
  assert.deepEqual(patchBetween(from, to), { b: { c: 4, d: null }, e: null, f: true });
  assert.deepEqual(mergePatch(from, patchBetween(from, to)), to);
});

test('an update keeps the registry, champion and offsets; a model-changing one is refused', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `up-${v}` });
    await produceSplit(backbone, 'up-', makeRows(200, 1));
    const catalog = await openSolutionCatalog(backbone);
    const created = await catalog.create({
      name: 'upd',
      inputs: [
        { topic: 'up-a', variables: ['a'] },
        { topic: 'up-b', variables: ['b'] },
        { topic: 'up-y', variables: ['y'] },
      ],
      window: { records: 150 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 1000 },
      automl: { modelruns: 3, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
    });
    await eventually(async () => {
      assert.equal((await catalog.models('upd')).champion?.version, 1);
    }, 10_000);
    await produceSplit(backbone, 'up-', makeRows(50, 2));
    await eventually(
      async () => assert.equal((await readTopic(backbone, 'upd-predictions')).length, 50),
      10_000,
    );

    const updated = await catalog.update('upd', {
      description: 'retrains every 40 rows now',
      retrain: { everyRecords: 40 },
      automl: { modelruns: 2 },
    });
    assert.equal(updated.createdAt, created.createdAt, 'the same incarnation');
    assert.deepEqual(updated.spec.retrain, { everyRecords: 40 });
    assert.equal(updated.spec.automl.modelruns, 2);
    assert.deepEqual(updated.spec.automl.algorithms, ['ols', 'ridge'], 'fields the patch leaves out stay');
    // the restarted runner starts from the committed offsets (no row predicted twice) with the same
    // champion, and retrains by the new rule: 80 new rows at every 40 → versions 2 and 3
    await produceSplit(backbone, 'up-', makeRows(80, 3));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'upd-predictions')).length, 130);
      // two retrains by the new rule, on top of the first one (status and registry state carried over)
      assert.equal((await catalog.describe('upd')).status?.retrains, 3);
      assert.equal((await catalog.models('upd')).history.at(-1)?.version, 1, 'version 1 is still there');
    }, 15_000);
    const offsets = (await readTopic(backbone, 'upd-predictions')).map(
      (r) => (JSON.parse(r.value!.toString()) as { offsets: Record<string, number> }).offsets['up-a/0'],
    );
    assert.deepEqual(
      offsets,
      Array.from({ length: 130 }, (_, i) => 200 + i),
      'each row once, in order',
    );

    const before = JSON.stringify(await catalog.describe('upd').then((v) => v.spec));
    await assert.rejects(
      catalog.update('upd', { independentVariables: ['a'] }),
      (e: unknown) => e instanceof SolutionChangeError && e.field === 'independentVariables',
    );
    await assert.rejects(
      catalog.update('upd', {
        inputs: [...created.spec.inputs, { topic: 'up-z', variables: ['z'] }],
      }),
      (e: unknown) => e instanceof SolutionChangeError && e.field === 'inputs',
    );
    await assert.rejects(
      catalog.update('upd', { name: 'other' }),
      (e: unknown) => e instanceof SolutionSpecError && e.field === 'name',
    );
    await assert.rejects(
      catalog.update('upd', { window: { records: 5 } }),
      (e: unknown) => e instanceof SolutionSpecError && e.field === 'window.records',
    );
    await assert.rejects(catalog.update('upd', [1]), (e: unknown) => e instanceof SolutionSpecError);
    assert.equal(JSON.stringify((await catalog.describe('upd')).spec), before, 'nothing changed');
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
