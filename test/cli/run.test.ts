// tml run: a solution from a spec file, trained and predicting, continued by the next run, and
// refused with a clear message when the spec is wrong or would silently replace another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { dataDir, tml } from './tml.js';

const SPEC = `
name: cli-plant
inputs:
  - topic: cli-readings
    variables: [a, b, y]
window: { records: 80 }
dependentVariable: y
independentVariables: [a, b]
retrain: { everyRecords: 25 }
automl: { modelruns: 2, algorithms: [ols, ridge], timeBudgetMs: 1000 }
`;

async function append(dir: string, from: number, count: number): Promise<void> {
  const backbone = await EmbeddedBackbone.open({ dataDir: dir, maintenanceIntervalMs: 0 });
  try {
    await backbone.ensureTopic({ name: 'cli-readings' });
    await backbone.produce(
      'cli-readings',
      Array.from({ length: count }, (_, k) => {
        const i = from + k;
        const a = (i % 17) / 2;
        const b = (i % 5) * 1.5;
        return { value: JSON.stringify({ a, b, y: 4 * a - b + 1 }) };
      }),
    );
  } finally {
    await backbone.close();
  }
}

async function stored(dir: string, topic: string): Promise<Array<Record<string, unknown>>> {
  const backbone = await EmbeddedBackbone.open({ dataDir: dir, maintenanceIntervalMs: 0 });
  try {
    const { records } = await backbone.fetch({ topic, partition: 0, offset: 0, maxRecords: 10_000 });
    return records.map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>);
  } finally {
    await backbone.close();
  }
}

const events = (stderr: string): Array<Record<string, unknown>> =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('tml run trains a solution from its spec, and the next run continues it', async (t) => {
  const dir = dataDir(t);
  const spec = join(dir, 'plant.yaml');
  writeFileSync(spec, SPEC);
  await append(dir, 0, 100);

  const first = await tml(dir, ['run', spec, '--duration', '2', '--events', 'json']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /cli-plant: created/);
  const retrains = events(first.stderr).filter((e) => e.event === 'retrain');
  assert.equal(retrains[0]?.trigger, 'start', first.stderr);
  assert.equal(retrains[0]?.rows, 80);

  await append(dir, 100, 60);
  const second = await tml(dir, ['run', spec, '--duration', '2']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /cli-plant: continuing \(retrains so far: 1\)/);
  // the 60 new rows: predicted once each, retrained after 25 and 50 of them
  assert.match(second.stderr, /retrain #2 \(records\)/);
  assert.match(second.stderr, /retrain #3 \(records\)/);
  assert.match(second.stderr, /3 retrains, 60 predictions/);
  const predictions = await stored(dir, 'cli-plant-predictions');
  assert.deepEqual(
    predictions.map((p) => (p.offsets as Record<string, number>)['cli-readings/0']),
    Array.from({ length: 60 }, (_, i) => 100 + i),
  );
  for (const p of predictions) assert.ok(Math.abs((p.prediction as number) - (p.actual as number)) < 1e-6);
});

test('tml run refuses a changed spec without --replace, and an invalid one naming the field', async (t) => {
  const dir = dataDir(t);
  const spec = join(dir, 'plant.yaml');
  writeFileSync(spec, SPEC);
  await append(dir, 0, 40);
  assert.equal((await tml(dir, ['run', spec, '--duration', '1'])).code, 0);

  writeFileSync(spec, SPEC.replace('records: 80', 'records: 60'));
  const changed = await tml(dir, ['run', spec, '--duration', '1']);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /a solution named cli-plant exists with another spec: use --replace/);
  const replaced = await tml(dir, ['run', spec, '--replace', '--duration', '1']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stderr, /deleted \(--replace\)[\s\S]*cli-plant: created/);

  writeFileSync(spec, SPEC.replace('dependentVariable: y', 'dependentVariable: power'));
  const invalid = await tml(dir, ['run', spec, '--duration', '1']);
  assert.equal(invalid.code, 2);
  assert.match(
    invalid.stderr,
    /solution spec: dependentVariable: power is not one of the input variables \(a, b, y\)/,
  );
  const missing = await tml(dir, ['run', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the spec .*nope\.yaml/);
});
