// The one-shot train and predict steps with intervals and explanations: the champion keeps its
// held-out residuals, a prediction's interval is ± their conformal quantile, contributions add up,
// and bad settings are refused by name with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Model } from '../../src/automl/model.js';
import { mulberry32 } from '../../src/automl/random.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import {
  createTrainingSet,
  joinLatestWindows,
  MAX_STREAM_PREDICTIONS,
  ModelRegistry,
  neutralShapers,
  predict,
  resolveModel,
  StepInputError,
  trainModel,
  type ResolvedModel,
} from '../../src/streams/index.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';

const N = 200;
const random = mulberry32(31);
const a = Array.from({ length: N }, () => random() * 10);
const b = Array.from({ length: N }, () => random() * 10);
// Uniform noise on (−1, 1): the 90% conformal half-width should be near 0.9.
const noise = () => 2 * random() - 1;
const y = a.map((ai, i) => 2 * ai - 3 * b[i] + 5 + noise());

test('train keeps held-out residuals; predict answers split-conformal intervals and explanations', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  try {
    for (const [name, values] of [
      ['pi-y', y],
      ['pi-a', a],
      ['pi-b', b],
    ] as const) {
      await backbone.createTopic({ name });
      await backbone.produce(
        name,
        values.map((v) => ({ value: String(v) })),
      );
    }
    for (const name of ['pi-joined', 'pi-sets', 'pi-params', 'pi-out', 'pi-bad'])
      await backbone.createTopic({ name });
    const record = await joinLatestWindows(backbone, ['pi-y', 'pi-a', 'pi-b'], { lastOffsets: N });
    await backbone.produce('pi-joined', [{ value: JSON.stringify(record) }]);
    await createTrainingSet(backbone, {
      consumeFrom: 'pi-joined',
      produceTo: 'pi-sets',
      dependentVariable: 'pi-y',
      independentVariables: ['pi-a', 'pi-b'],
      partition: -1,
    });
    const registry = new ModelRegistry(await MetadataStore.open(backbone, { topic: 'pi-registry' }));
    const services = { backbone, registry, shapers: neutralShapers };
    const trained = await trainModel(services, {
      consumeFrom: 'pi-sets',
      produceTo: 'pi-params',
      partition: -1,
      modelruns: 3,
      islogistic: false,
      timeoutSeconds: 60,
      alias: 'pi_line',
    });
    const residuals = trained.record.model.calibration!.absoluteResiduals!;
    assert.equal(residuals.length, 40, 'the newest 20% of 200 rows');
    assert.deepEqual(
      residuals,
      [...residuals].sort((p, q) => p - q),
    );
    assert.ok(residuals[39] < 1.3 && residuals[0] >= 0, `uniform(−1, 1) noise: ${residuals[39]}`);
    // Registry: global importances, a (slope 2, spread 10) and b (slope −3) both matter, b more.
    const importances = trained.version.importances!;
    assert.ok(
      importances['pi-b'] > importances['pi-a'] && importances['pi-a'] > 3,
      JSON.stringify(importances),
    );

    const resolved = await resolveModel(services, { alias: 'pi_line' });
    const [p] = await predict(services, resolved, {
      produceTo: 'pi-out',
      inputs: [4, 1],
      maxRows: 0,
      explain: true,
    });
    // ⌈(40 + 1)·0.9⌉ = 37: the 37th smallest residual.
    const width = residuals[36];
    assert.ok(Math.abs(p.interval!.upper - p.prediction - width) < 1e-12);
    assert.ok(Math.abs(p.prediction - p.interval!.lower - width) < 1e-12);
    assert.equal(p.interval!.coverage, 0.9);
    const e = p.explanation!;
    assert.ok(Math.abs(e.baseValue + e.contributions[0] + e.contributions[1] - p.prediction) < 1e-9);
    const [p50] = await predict(services, resolved, {
      produceTo: 'pi-out',
      inputs: [4, 1],
      maxRows: 0,
      coverage: 0.5,
    });
    assert.ok(Math.abs(p50.interval!.upper - p50.prediction - residuals[20]) < 1e-12); // ⌈41 · 0.5⌉ = 21
    const written = (await readTopic(backbone, 'pi-out')).map(
      (r) => JSON.parse(r.value!.toString()) as { interval?: unknown },
    );
    assert.deepEqual(written[0].interval, p.interval);

    // Fresh rows of the same relation: about 90% fall inside (40 residuals: ±0.05 is ~1 sd).
    const fresh = mulberry32(32);
    let inside = 0;
    for (let i = 0; i < 2000; i++) {
      const [fa, fb] = [fresh() * 10, fresh() * 10];
      const actual = 2 * fa - 3 * fb + 5 + (2 * fresh() - 1);
      if (Math.abs(actual - resolved.model.predictRow([fa, fb])) <= width) inside++;
    }
    assert.ok(inside / 2000 > 0.8 && inside / 2000 < 0.99, `coverage ${inside / 2000}`);

    // Bad settings: refused by name, nothing written.
    for (const coverage of [0, 1, 1.5, Number.NaN]) {
      await assert.rejects(
        predict(services, resolved, { produceTo: 'pi-bad', inputs: [4, 1], maxRows: 0, coverage }),
        (error: unknown) => error instanceof StepInputError && error.field === 'coverage',
      );
    }
    // A tree model from before explanations (no covers) cannot explain; an interval needs residuals.
    const x = Float64Array.from(a.flatMap((ai, i) => [ai, b[i]]));
    const json = Model.fit(
      'gbdt',
      {
        rows: N,
        features: 2,
        x,
        y: Float64Array.from(y),
        featureNames: ['pi-a', 'pi-b'],
        targetName: 'pi-y',
      },
      { rounds: 5 },
      'regression',
    ).toJSON();
    delete json.explanation;
    const old: ResolvedModel = {
      alias: 'old',
      json,
      model: Model.fromJSON(json),
      stats: [],
      topic: 'pi-params',
    };
    await assert.rejects(
      predict(services, old, { produceTo: 'pi-bad', inputs: [4, 1], maxRows: 0, explain: true }),
      (error: unknown) =>
        error instanceof StepInputError && error.field === 'explain' && /no node covers/.test(error.message),
    );
    await assert.rejects(
      predict(services, old, { produceTo: 'pi-bad', inputs: [4, 1], maxRows: 0, coverage: 0.9 }),
      (error: unknown) =>
        error instanceof StepInputError &&
        error.field === 'coverage' &&
        /no held-out residuals/.test(error.message),
    );
    await assert.rejects(
      predict(services, resolved, { produceTo: 'pi-bad', stream: 'pi-joined', maxRows: 0, explain: true }),
      (error: unknown) =>
        error instanceof StepInputError &&
        error.field === 'explain' &&
        /at most 100 rows/.test(error.message),
    );
    const [plain] = await predict(services, old, { produceTo: 'pi-out', inputs: [4, 1], maxRows: 0 });
    assert.equal(plain.interval, undefined, 'by default a model without residuals answers no interval');
    assert.equal((await readTopic(backbone, 'pi-bad')).length, 0, 'nothing published on failure');

    // At most 10,000 predictions a call from a stream (docs/security.md): a stream of 10,001 rows
    // is refused naming maxRows before anything is predicted; maxRows 10,000 is served.
    const more = MAX_STREAM_PREDICTIONS + 1 - N;
    for (const name of ['pi-a', 'pi-b'])
      await backbone.produce(
        name,
        Array.from({ length: more }, (_, i) => ({ value: String(i % 10) })),
      );
    await backbone.createTopic({ name: 'pi-joined-big' });
    const big = await joinLatestWindows(backbone, ['pi-a', 'pi-b'], {
      lastOffsets: MAX_STREAM_PREDICTIONS + 1,
    });
    await backbone.produce('pi-joined-big', [{ value: JSON.stringify(big) }]);
    await assert.rejects(
      predict(services, resolved, { produceTo: 'pi-bad', stream: 'pi-joined-big', maxRows: 0 }),
      (error: unknown) =>
        error instanceof StepInputError &&
        error.field === 'maxRows' &&
        /at most 10000 are predicted per call/.test(error.message),
    );
    assert.equal((await readTopic(backbone, 'pi-bad')).length, 0, 'nothing published on failure');
    const served = await predict(services, resolved, {
      produceTo: 'pi-out',
      stream: 'pi-joined-big',
      maxRows: MAX_STREAM_PREDICTIONS,
    });
    assert.equal(served.length, MAX_STREAM_PREDICTIONS);
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});
