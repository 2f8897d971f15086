// A continuous solution that preprocesses before it learns (spec `steps`): raw nested JSON of four
// devices → the custom-JSON step (rows per device, and named streams) → a model trained on the
// preprocessed rows, and a stream query per device; a step that fails (a time that does not parse)
// is reported in the status and the solution goes on. Every number is worked by hand below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { validateSolutionSpec } from '../../src/solutions/spec.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';

const CRITERIA =
  'uid=device.id,filter:kind=sensor~subtopics=r.0.name,r.1.name,r.2.name~values=r.0.value,r.1.value,r.2.value~datetime=time';
const DEVICES = ['d0', 'd1', 'd2', 'd3'];

/** Device k's reading j: V = 200 + 10k + j, C = 1 + k + j/2, T = 0.5·V + 3·C (so per average too). */
function reading(k: number, j: number, time = `2024-05-01T10:00:${String(j).padStart(2, '0')}`) {
  const v = 200 + 10 * k + j;
  const c = 1 + k + j / 2;
  return {
    kind: 'sensor',
    time,
    device: { id: DEVICES[k] },
    r: [
      { name: 'V', value: v },
      { name: 'C', value: c },
      { name: 'T', value: 0.5 * v + 3 * c },
    ],
  };
}

async function produceJson(backbone: Backbone, topic: string, docs: object[]): Promise<void> {
  await backbone.produce(
    topic,
    docs.map((d) => ({ value: JSON.stringify(d) })),
  );
}

async function values(backbone: Backbone, topic: string): Promise<Array<{ key: string; value: unknown }>> {
  const [{ earliest, latest }] = await backbone.listOffsets(topic);
  if (latest === earliest) return [];
  const { records } = await backbone.fetch({ topic, partition: 0, offset: earliest, maxRecords: 10_000 });
  return records.map((r) => ({ key: r.key?.toString() ?? '', value: JSON.parse(r.value!.toString()) }));
}

const spec = {
  name: 'iot',
  steps: [
    {
      kind: 'customJson',
      everySeconds: 0.2,
      topic: 'raw',
      criteria: CRITERIA,
      statistics: ['avg'],
      maxRows: 12,
      output: 'rows',
    },
    {
      kind: 'customJson',
      everySeconds: 0.2,
      topic: 'raw',
      criteria: CRITERIA,
      statistics: ['avg', 'max'],
      maxRows: 12,
      output: 'pre',
      form: 'streams',
    },
    {
      kind: 'streamQuery',
      everySeconds: 0.2,
      topic: 'pre',
      streams: ['V_preprocessed_Avg', 'C_preprocessed_Max'],
      conditions: 'V_preprocessed_Avg > 215 and C_preprocessed_Max > 3',
      devices: DEVICES,
      output: 'alerts',
    },
  ],
  inputs: [{ topic: 'rows', variables: ['V_preprocessed_Avg', 'C_preprocessed_Avg', 'T_preprocessed_Avg'] }],
  window: { records: 30 },
  dependentVariable: 'T_preprocessed_Avg',
  independentVariables: ['V_preprocessed_Avg', 'C_preprocessed_Avg'],
  retrain: { everyRecords: 30 },
  automl: { modelruns: 2, algorithms: ['ols'], timeBudgetMs: 1000 },
};

test('a spec validates its steps and names the field at fault', () => {
  const parsed = validateSolutionSpec(spec);
  const forms = parsed.steps?.map((s) => ('form' in s ? s.form : undefined));
  assert.deepEqual(forms, ['rows', 'streams', undefined], 'form defaults to rows');
  assert.throws(() => validateSolutionSpec({ ...spec, steps: [{ ...spec.steps[0], maxRows: 0 }] }), /steps/);
});

test('a solution preprocesses raw JSON per device, queries, learns from the preprocessed rows, and reports a failing step', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 50 });
  try {
    await backbone.createTopic({ name: 'raw' });
    // three readings per device (j = 0, 1, 2), and a heartbeat the filter leaves out
    const docs = [0, 1, 2].flatMap((j) => DEVICES.map((_, k) => reading(k, j)));
    await produceJson(backbone, 'raw', [...docs, { kind: 'heartbeat', device: { id: 'd0' }, r: [] }]);
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create(spec);

    // rows: per device the averages of j = 0..2 — V = 201 + 10k, C = 1.5 + k, T = 0.5·V + 3·C
    await eventually(async () => {
      const rows = await values(backbone, 'rows');
      assert.ok(rows.length >= 4, `rows written: ${rows.length}`);
      const d2 = rows.find((r) => r.key === 'd2')!.value as Record<string, number>;
      assert.deepEqual(d2, { V_preprocessed_Avg: 221, C_preprocessed_Avg: 3.5, T_preprocessed_Avg: 121 });
    }, 10_000);
    // alerts: V avg = 201 + 10k > 215 (d2, d3) and C max = 2 + k > 3 (d2, d3)
    await eventually(async () => {
      const alerts = await values(backbone, 'alerts');
      const byDevice = new Map(alerts.map((a) => [a.key, (a.value as { result: number }).result]));
      assert.deepEqual(
        DEVICES.map((d) => byDevice.get(d)),
        [0, 0, 1, 1],
      );
    }, 10_000);
    // a model learnt from the preprocessed rows
    await eventually(async () => assert.ok((await catalog.models('iot')).champion), 20_000);

    // a time that does not parse: the step fails, the status names it, nothing new is written
    await produceJson(backbone, 'raw', [reading(0, 3, 'yesterday')]);
    await eventually(async () => {
      const view = await catalog.describe('iot');
      const messages = view.status?.problems.map((p) => p.message).join('\n') ?? '';
      assert.match(messages, /steps\.0 \(customJson\): 'criteria' datetime 'yesterday'/);
    }, 10_000);
    // ... and it goes on: once the bad record has left the window (maxRows 12), rows come again
    const before = (await values(backbone, 'rows')).length;
    await produceJson(
      backbone,
      'raw',
      [4, 5, 6].flatMap((j) => DEVICES.map((_, k) => reading(k, j))),
    );
    await eventually(async () => {
      const rows = await values(backbone, 'rows');
      assert.ok(rows.length > before + 4, `rows after the bad record: ${rows.length} (before ${before})`);
      const d1 = rows.at(-1)!.key === 'd3' ? rows.at(-3)!.value : undefined;
      // the newest window for d1: j = 4, 5, 6 → V = 215, C = 4.5, T = 121
      assert.deepEqual(d1, { V_preprocessed_Avg: 215, C_preprocessed_Avg: 4.5, T_preprocessed_Avg: 121 });
    }, 10_000);
    assert.ok(
      worker.runners().some((r) => r.spec.name === 'iot'),
      'the solution still runs',
    );
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('a steps-only solution (no inputs) runs its steps: a stream query per device', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 50 });
  try {
    await backbone.createTopic({ name: 'raw' });
    await produceJson(
      backbone,
      'raw',
      [0, 1, 2].flatMap((j) => DEVICES.map((_, k) => reading(k, j))),
    );
    const catalog = await openSolutionCatalog(backbone);
    await catalog.create({ name: 'queries', inputs: [], steps: [spec.steps[1], spec.steps[2]] });
    await eventually(async () => {
      const alerts = await values(backbone, 'alerts');
      const byDevice = new Map(alerts.map((a) => [a.key, (a.value as { result: number }).result]));
      assert.deepEqual(
        DEVICES.map((d) => byDevice.get(d)),
        [0, 0, 1, 1],
      );
    }, 10_000);
    assert.equal((await catalog.describe('queries')).spec.predict, false);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
