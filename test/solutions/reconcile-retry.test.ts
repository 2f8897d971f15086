// A worker whose catalog partition could not be opened (Kafka answered NOT_COORDINATOR while the
// transaction coordinator was still starting: seen in CI's three-broker run, where every worker then
// waited forever) tries again on its own: no catalog record or rebalance has to come first. The
// coordinator's refusal cannot be caused on the embedded backbone, so the backbone's
// transactionalProducer refuses its first two calls here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceSplit } from './stream-fixture.js';

test('a catalog partition that could not be opened is opened on a later try, and its solution runs', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  let refusals = 2;
  const flaky = new Proxy(backbone, {
    get(target, property) {
      if (property === 'transactionalProducer') {
        return (...args: Parameters<Backbone['transactionalProducer']>) =>
          refusals-- > 0
            ? Promise.reject(new Error('This is not the correct coordinator. (NOT_COORDINATOR)'))
            : target.transactionalProducer(...args);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `rr-${v}` });
  await produceSplit(backbone, 'rr-', makeRows(100, 1));
  // the solution exists before the worker starts: no catalog record arrives after its first try
  const catalog = await openSolutionCatalog(backbone);
  await catalog.create({
    name: 'retried',
    inputs: [
      { topic: 'rr-a', variables: ['a'] },
      { topic: 'rr-b', variables: ['b'] },
      { topic: 'rr-y', variables: ['y'] },
    ],
    window: { records: 60 },
    dependentVariable: 'y',
    independentVariables: ['a', 'b'],
    retrain: { everyRecords: 1000 },
    automl: { modelruns: 1, algorithms: ['ols'], timeBudgetMs: 2000 },
  });
  const errors: string[] = [];
  const worker = await SolutionWorker.start(flaky, { pollMs: 100 });
  worker.on('error', (error) => errors.push(error.message));
  try {
    // the partition opens on a later try: the solution learns its first model on the window...
    await eventually(async () => {
      assert.equal((await catalog.models('retried')).champion?.version, 1, `errors: ${errors.join('; ')}`);
    }, 20_000);
    // ...and predicts the rows that come after it
    await produceSplit(backbone, 'rr-', makeRows(20, 2));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'retried-predictions')).length, 20);
    }, 20_000);
    assert.ok(refusals < 0, 'the producer was refused twice, then opened');
    assert.ok(
      errors.some((m) => m.includes('NOT_COORDINATOR')),
      errors.join('; '),
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
