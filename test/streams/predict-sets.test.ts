// Conformal prediction sets from the one-shot train and predict steps: a classifier keeps its
// held-out class scores, every prediction carries the set at the coverage asked for, and on fresh
// rows of the same stream the share of true classes inside their sets is about that coverage
// (counted here from the labels, not taken from the code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/automl/random.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import {
  createTrainingSet,
  joinLatestWindows,
  ModelRegistry,
  neutralShapers,
  predict,
  resolveModel,
  StepInputError,
  trainModel,
} from '../../src/streams/index.js';
import type { Backbone } from '../../src/backbone/types.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';

/** Rows of a noisy binary stream: P(y = 1) = σ(0.8·(a − b)), so many rows are ambiguous. */
function classRows(count: number, seed: number): { a: number[]; b: number[]; y: number[] } {
  const random = mulberry32(seed);
  const a: number[] = [];
  const b: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    a.push(random() * 10);
    b.push(random() * 10);
    y.push(random() < 1 / (1 + Math.exp(-0.8 * (a[i] - b[i]))) ? 1 : 0);
  }
  return { a, b, y };
}

async function produce(backbone: Backbone, topic: string, values: number[]): Promise<void> {
  await backbone.produce(
    topic,
    values.map((v) => ({ value: String(v) })),
  );
}

const N = 2000;

test('a classifier keeps held-out class scores; predictions carry sets that cover about 90%', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  try {
    const rows = classRows(N, 41);
    for (const name of [
      'ps-y',
      'ps-a',
      'ps-b',
      'ps-joined',
      'ps-fresh',
      'ps-sets',
      'ps-params',
      'ps-out',
      'ps-bad',
    ])
      await backbone.createTopic({ name });
    await produce(backbone, 'ps-y', rows.y);
    await produce(backbone, 'ps-a', rows.a);
    await produce(backbone, 'ps-b', rows.b);
    const record = await joinLatestWindows(backbone, ['ps-y', 'ps-a', 'ps-b'], { lastOffsets: N });
    await backbone.produce('ps-joined', [{ value: JSON.stringify(record) }]);
    await createTrainingSet(backbone, {
      consumeFrom: 'ps-joined',
      produceTo: 'ps-sets',
      dependentVariable: 'ps-y',
      independentVariables: ['ps-a', 'ps-b'],
      partition: -1,
    });
    const registry = new ModelRegistry(await MetadataStore.open(backbone, { topic: 'ps-registry' }));
    const services = { backbone, registry, shapers: neutralShapers };
    const trained = await trainModel(services, {
      consumeFrom: 'ps-sets',
      produceTo: 'ps-params',
      partition: -1,
      modelruns: 3,
      islogistic: true,
      timeoutSeconds: 60,
      alias: 'ps_class',
    });
    const scores = trained.record.model.calibration!.classScores!;
    assert.equal(trained.record.model.calibration!.absoluteResiduals, undefined);
    assert.equal(scores.length, 400, 'the newest 20% of 2000 rows');
    assert.deepEqual(
      scores,
      [...scores].sort((p, q) => p - q),
    );
    assert.ok(scores[0] >= 0 && scores[399] <= 1);
    // The 90% quantile: the ⌈(400 + 1)·0.9⌉ = 361st smallest score.
    const q = scores[360];

    // Fresh rows of the same stream, predicted from a joined record of their features.
    const fresh = classRows(N, 42);
    await produce(backbone, 'ps-a', fresh.a);
    await produce(backbone, 'ps-b', fresh.b);
    const features = await joinLatestWindows(backbone, ['ps-a', 'ps-b'], { lastOffsets: N });
    await backbone.produce('ps-fresh', [{ value: JSON.stringify(features) }]);
    const resolved = await resolveModel(services, { alias: 'ps_class' });
    const predictions = await predict(services, resolved, {
      produceTo: 'ps-out',
      stream: 'ps-fresh',
      maxRows: 0,
    });
    assert.equal(predictions.length, N);
    let covered = 0;
    let both = 0;
    predictions.forEach((p, i) => {
      assert.deepEqual(p.inputs, [fresh.a[i], fresh.b[i]]);
      assert.equal(p.coverage, 0.9);
      const p1 = p.probability1!;
      const expected = [0, 1].filter((c) => 1 - (c === 1 ? p1 : 1 - p1) <= q);
      assert.deepEqual(p.predictionSet, expected, `row ${i}, p̂₁ ${p1}, q ${q}`);
      if (p.predictionSet!.includes(fresh.y[i])) covered++;
      if (p.predictionSet!.length === 2) both++;
    });
    const coverage = covered / N;
    // 400 scores: the coverage given them has sd ≈ √(0.09/402) ≈ 0.015; 2000 rows add ≈ 0.007.
    assert.ok(Math.abs(coverage - 0.9) < 0.04, `empirical coverage ${coverage}`);
    assert.ok(both > 0 && both < N, `ambiguous rows get both classes, others one: ${both}`);
    const written = (await readTopic(backbone, 'ps-out')).map(
      (r) => JSON.parse(r.value!.toString()) as { predictionSet?: number[]; coverage?: number },
    );
    assert.deepEqual(written[0].predictionSet, predictions[0].predictionSet);
    assert.equal(written[0].coverage, 0.9);

    // A lower coverage asks for smaller sets: fewer rows keep both classes.
    const at60 = await predict(services, resolved, {
      produceTo: 'ps-out',
      stream: 'ps-fresh',
      maxRows: 0,
      coverage: 0.6,
    });
    const covered60 = at60.filter((p, i) => p.predictionSet!.includes(fresh.y[i])).length / N;
    assert.ok(Math.abs(covered60 - 0.6) < 0.05, `empirical coverage at 0.6: ${covered60}`);
    assert.ok(at60.every((p) => p.coverage === 0.6 && p.interval === undefined));

    // Bad settings: refused by name, nothing written.
    for (const coverage of [0, 1, 1.5, -0.1, Number.NaN]) {
      await assert.rejects(
        predict(services, resolved, { produceTo: 'ps-bad', inputs: [4, 1], maxRows: 0, coverage }),
        (error: unknown) => error instanceof StepInputError && error.field === 'coverage',
      );
    }
    // A classifier from before class scores were kept: no set by default, an error when asked.
    const old = { ...resolved, json: { ...resolved.json, calibration: undefined } };
    const [plain] = await predict(services, old, { produceTo: 'ps-out', inputs: [4, 1], maxRows: 0 });
    assert.equal(plain.predictionSet, undefined);
    await assert.rejects(
      predict(services, old, { produceTo: 'ps-bad', inputs: [4, 1], maxRows: 0, coverage: 0.9 }),
      (error: unknown) =>
        error instanceof StepInputError &&
        error.field === 'coverage' &&
        /no held-out class scores/.test(error.message),
    );
    assert.equal((await readTopic(backbone, 'ps-bad')).length, 0, 'nothing published on failure');
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});
