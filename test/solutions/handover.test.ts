// A worker whose transactional producer of a catalog partition was fenced by another worker's
// must run that partition's solutions again when its assignment still gives it the partition. In
// the three-broker bench a worker still on an assignment the group had replaced took a partition
// for a moment and fenced its new owner; the owner kept the fenced producer and the stopped runner
// (or, with a first fix, waited for an assignment that never came), and the solution never
// predicted again.
//
// On the embedded backbone, in one process: the intruder is a producer opened with the worker's
// transactional id, as the other worker's would be, closed again at once; the group does not
// change, so this worker's assignment still names every catalog partition.
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

test('a worker fenced out of a catalog partition it is still assigned runs its solutions again', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  const problems: string[] = [];
  worker.on('runner', (runner) => runner.on('problem', (p) => problems.push(p.message)));
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `h-${v}` });
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

    // the assignment still says this worker: it takes the partition again (after a rebalance
    // timeout, 10 s, in which a worker that is behind would have seen a new assignment)
    await produceSplit(backbone, 'h-', makeRows(20, 4));
    await eventually(async () => {
      assert.equal((await readTopic(backbone, 'handed-predictions')).length, 60);
    }, 40_000);
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
