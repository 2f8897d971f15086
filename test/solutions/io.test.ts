// A solution's `io` (src/solutions/spec-io.ts) on the embedded backbone: `partition` reads one
// partition of every input and writes its outputs to that partition; `startOffset` decides where a
// new solution starts (the rows already stored are predicted from `earliest`, none from the default
// window); `pauseSeconds` holds the solution between cycles; reads are reported for `consumerId`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { makeRows } from './stream-fixture.js';

const json = (r: ConsumedRecord): Record<string, unknown> =>
  JSON.parse(r.value!.toString()) as Record<string, unknown>;

const spec = (name: string, prefix: string, io: Record<string, unknown>) => ({
  name,
  inputs: ['a', 'b', 'y'].map((v) => ({ topic: `${prefix}${v}`, variables: [v] })),
  window: { records: 40 },
  dependentVariable: 'y',
  independentVariables: ['a', 'b'],
  retrain: { everyRecords: 20 },
  automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 2000 },
  io,
});

test('io.partition: only partition 1 of each input is read, and the predictions go to partition 1', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `p1-${v}`, partitions: 2 });
    // partition 0 holds y = 2a − 3b; partition 1 holds y = −a + 4b: a model of both would fit neither
    const rows0 = makeRows(100, 1, [2, -3]);
    const rows1 = makeRows(100, 2, [-1, 4]);
    for (const v of ['a', 'b', 'y'] as const) {
      await backbone.produce(`p1-${v}`, [
        ...rows0.map((r) => ({ value: String(r[v]), partition: 0 })),
        ...rows1.map((r) => ({ value: String(r[v]), partition: 1 })),
      ]);
    }
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create(spec('one-partition', 'p1-', { partition: 1, startOffset: 'earliest' }));
    await eventually(async () => {
      const predictions = await readTopic(backbone, 'one-partition-predictions');
      assert.ok(predictions.length >= 60, String(predictions.length));
    }, 20_000);
    const records = await readTopic(backbone, 'one-partition-predictions');
    assert.equal((await backbone.describeTopic('one-partition-predictions')).partitions.length, 2);
    for (const record of records) {
      assert.equal(record.partition, 1);
      const p = json(record);
      assert.deepEqual(Object.keys(p.offsets as object).sort(), ['p1-a/1', 'p1-b/1', 'p1-y/1']);
    }
    // the last predictions follow partition 1's relation
    const last = records.slice(-20).map(json);
    for (const p of last) {
      const i = (p.offsets as Record<string, number>)['p1-a/1'];
      assert.ok(Math.abs((p.prediction as number) - rows1[i].y) < 1, `row ${i}: ${String(p.prediction)}`);
    }
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('io.startOffset: from offset 50 the rows 50.. are read; io.consumerId gets the reads; io.pauseSeconds holds', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  const reads: Array<{ consumerId: string; records: number; bytes: number }> = [];
  worker.on('read', (r) => reads.push(r));
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `so-${v}` });
    const rows = makeRows(100, 3);
    for (const v of ['a', 'b', 'y'] as const) {
      await backbone.produce(
        `so-${v}`,
        rows.map((r) => ({ value: String(r[v]), partition: 0 })),
      );
    }
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create(
      spec('from-fifty', 'so-', { startOffset: 50, consumerId: 'ConsumerId-reader', pauseSeconds: 600 }),
    );
    await eventually(async () => {
      const view = await catalog.describe('from-fifty');
      assert.ok((view.status?.retrains ?? 0) >= 1);
    }, 20_000);
    // the first model learnt from rows 50..69 (retrain after 20 rows): nothing before offset 50
    const lineage = (await catalog.models('from-fifty')).history.at(-1)!.lineage as {
      offsets: Record<string, [number, number]>;
    };
    assert.ok(lineage.offsets['so-a/0'][0] >= 50, JSON.stringify(lineage));
    // 50 rows of three topics read for the consumer id, with their bytes
    const bytes = ['a', 'b', 'y'].reduce(
      (sum, v) =>
        sum + rows.slice(50).reduce((s, r) => s + Buffer.byteLength(String(r[v as 'a' | 'b' | 'y'])), 0),
      0,
    );
    await eventually(() => {
      assert.deepEqual(
        [reads.reduce((s, r) => s + r.records, 0), reads.reduce((s, r) => s + r.bytes, 0)],
        [150, bytes],
      );
      assert.ok(reads.every((r) => r.consumerId === 'ConsumerId-reader'));
    }, 10_000);
    // paused for 600 s after that cycle: new rows wait (a solution without a pause predicts them at once)
    const more = makeRows(10, 4);
    for (const v of ['a', 'b', 'y'] as const) {
      await backbone.produce(
        `so-${v}`,
        more.map((r) => ({ value: String(r[v]), partition: 0 })),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(
      reads.reduce((s, r) => s + r.records, 0),
      150,
      'nothing read during the pause',
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
