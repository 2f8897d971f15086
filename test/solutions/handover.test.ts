// A worker whose catalog partition was taken over (its transactional producer fenced by another
// worker's) and then given back by a later assignment must run that partition's solutions again,
// from what was committed. In the three-broker bench a worker fenced during a broker's failover
// kept the fenced producer and the stopped runner of a partition its group gave back to it, and
// the solution never predicted again.
//
// On the embedded backbone, in one process: the takeover is a producer opened with the worker's
// transactional id (as the new owner's would be), and the new assignment comes from a consumer of
// another topic joining the workers' group, which leaves every catalog partition where it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { DEFAULT_CATALOG_PARTITIONS } from '../../src/solutions/topics.js';
import { DEFAULT_WORKER_GROUP, SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows, produceSplit } from './stream-fixture.js';

const offsetsOf = (records: ConsumedRecord[]): number[] =>
  records.map(
    (r) => (JSON.parse(r.value!.toString()) as { offsets: Record<string, number> }).offsets['h-a/0'],
  );

test('a worker fenced out of a catalog partition runs its solutions again when the partition is given back', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  const problems: string[] = [];
  worker.on('runner', (runner) => runner.on('problem', (p) => problems.push(p.message)));
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `h-${v}` });
    await backbone.createTopic({ name: 'h-elsewhere' });
    await produceSplit(backbone, 'h-', makeRows(100, 1));
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({
      name: 'handed',
      inputs: [
        { topic: 'h-a', variables: ['a'] },
        { topic: 'h-b', variables: ['b'] },
        { topic: 'h-y', variables: ['y'] },
      ],
      window: { records: 100 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 1000 },
      automl: { modelruns: 1, algorithms: ['ols'], timeBudgetMs: 1000 },
    });
    await eventually(async () => {
      assert.equal((await catalog.describe('handed')).status?.retrains, 1);
    }, 15_000);
    await produceSplit(backbone, 'h-', makeRows(20, 2));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'handed-predictions')).length, 20);
    }, 15_000);

    // another worker takes every catalog partition over, and lets it go again
    for (let p = 0; p < DEFAULT_CATALOG_PARTITIONS; p++) {
      const owner = await backbone.transactionalProducer({
        transactionalId: `${DEFAULT_WORKER_GROUP}.p${p}`,
      });
      await owner.close();
    }
    await produceSplit(backbone, 'h-', makeRows(20, 3));
    await eventually(() => assert.ok(problems.some((m) => m.startsWith('handed over'))), 10_000);

    // a new assignment (the group changed) gives this worker the same partitions again
    const other = await backbone.consumer({ groupId: DEFAULT_WORKER_GROUP, topics: ['h-elsewhere'] });
    await other.close();
    await produceSplit(backbone, 'h-', makeRows(20, 4));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'handed-predictions')).length, 60);
    }, 15_000);
    // every row after the window predicted exactly once, the fenced runner's last step not among them
    assert.deepEqual(
      offsetsOf(await readTopic(backbone, 'handed-predictions')),
      Array.from({ length: 60 }, (_, i) => 100 + i),
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
