// Every prediction of a running solution carries a conformal interval that adapts to the stream's
// errors, and (when asked) the feature contributions that add up to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionSpecError } from '../../src/solutions/errors.js';
import { validateSolutionSpec } from '../../src/solutions/spec.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { embeddedEnv, readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { mulberry32 } from '../../src/automl/random.js';
import { makeRows, produceSplit } from './stream-fixture.js';

interface PredictionOut {
  prediction: number;
  actual: number;
  inputs: Record<string, number>;
  interval?: { lower: number; upper: number; coverage: number };
  explanation?: { method: string; output: string; baseValue: number; contributions: Record<string, number> };
}

const spec = (extra: Record<string, unknown>) => ({
  name: 'conformal',
  inputs: [
    { topic: 'ci-a', variables: ['a'] },
    { topic: 'ci-b', variables: ['b'] },
    { topic: 'ci-y', variables: ['y'] },
  ],
  window: { records: 150 },
  dependentVariable: 'y',
  independentVariables: ['a', 'b'],
  retrain: { everyRecords: 100 },
  automl: { modelruns: 1, algorithms: ['ols'], timeBudgetMs: 2000 },
  ...extra,
});

test('predictions carry adaptive conformal intervals and contributions that add up', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `ci-${v}` });
    await produceSplit(backbone, 'ci-', makeRows(200, 1));
    const catalog = await openSolutionCatalog(backbone);
    const gamma = 0.05;
    await catalog.create(
      spec({ explain: true, intervals: { coverage: 0.8, learningRate: gamma, window: 100 } }),
    );
    await eventually(async () => assert.ok((await catalog.models('conformal')).champion), 10_000);
    const T = 400;
    await produceSplit(backbone, 'ci-', makeRows(T, 2));
    await eventually(
      async () => assert.equal((await readTopic(backbone, 'conformal-predictions')).length, T),
      20_000,
    );
    const out = (await readTopic(backbone, 'conformal-predictions')).map(
      (r: ConsumedRecord) => JSON.parse(r.value!.toString()) as PredictionOut,
    );
    let misses = 0;
    for (const p of out) {
      if (p.interval !== undefined) {
        assert.equal(p.interval.coverage, 0.8);
        assert.ok(Math.abs(p.interval.upper - p.prediction - (p.prediction - p.interval.lower)) < 1e-9);
        if (p.actual < p.interval.lower || p.actual > p.interval.upper) misses++;
      }
      const e = p.explanation!;
      assert.equal(e.method, 'linear');
      const total = e.baseValue + e.contributions.a + e.contributions.b;
      assert.ok(Math.abs(total - p.prediction) < 1e-9, `${total} vs ${p.prediction}`);
    }
    // Intervals appear once ⌈(n + 1)(1 − αₜ)⌉ ≤ n for n errors seen; each outcome without one
    // raises αₜ by γ·0.2: n = 3 (αₜ 0.23) gives ⌈3.08⌉ = 4 > 3, n = 4 (αₜ 0.24) ⌈3.8⌉ = 4: the 5th.
    assert.equal(out.filter((p) => p.interval === undefined).length, 4);
    // Gibbs & Candès' deterministic bound on the share of misses over any T outcomes.
    const bound = (0.8 + gamma) / (gamma * T);
    assert.ok(Math.abs(misses / T - 0.2) <= bound, `miss rate ${misses / T}, bound ${bound}`);
    // y = 2a − 3b: a above its mean pushes the prediction up, b above its mean pulls it down.
    const high = out.filter((p) => p.inputs.a > 8 && p.inputs.b > 8);
    assert.ok(high.length > 0);
    for (const p of high) assert.ok(p.explanation!.contributions.a > 0 && p.explanation!.contributions.b < 0);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});

test('a coverage outside (0, 1) is refused naming the setting', () => {
  for (const coverage of [0, 1, 1.5, -0.2]) {
    assert.throws(
      () => validateSolutionSpec(spec({ intervals: { coverage } })),
      (e: unknown) => e instanceof SolutionSpecError && e.field === 'intervals.coverage',
    );
  }
  const defaults = validateSolutionSpec(spec({}));
  assert.deepEqual(defaults.intervals, { coverage: 0.9, learningRate: 0.005, window: 500 });
  assert.equal(defaults.explain, false);
});

test('a classification solution: every prediction carries an adaptive conformal set, through a drift', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  const worker = await SolutionWorker.start(backbone, { pollMs: 100 });
  // P(y = 1) = σ(±0.8·(a − b)): the relation flips sign after the first batch of fresh rows.
  const classRows = (count: number, seed: number, sign: number) => {
    const random = mulberry32(seed);
    return Array.from({ length: count }, () => {
      const a = random() * 10;
      const b = random() * 10;
      return { a, b, y: random() < 1 / (1 + Math.exp(-sign * 0.8 * (a - b))) ? 1 : 0 };
    });
  };
  try {
    for (const v of ['a', 'b', 'y']) await backbone.createTopic({ name: `cs-${v}` });
    await produceSplit(backbone, 'cs-', classRows(200, 1, 1));
    const catalog = await openSolutionCatalog(backbone);
    const gamma = 0.05;
    await catalog.create({
      ...spec({ intervals: { coverage: 0.8, learningRate: gamma, window: 100 } }),
      name: 'classes',
      inputs: [
        { topic: 'cs-a', variables: ['a'] },
        { topic: 'cs-b', variables: ['b'] },
        { topic: 'cs-y', variables: ['y'] },
      ],
      automl: { islogistic: true, modelruns: 1, algorithms: ['logistic'], timeBudgetMs: 2000 },
    });
    await eventually(async () => assert.ok((await catalog.models('classes')).champion), 10_000);
    const T = 400;
    await produceSplit(backbone, 'cs-', [...classRows(T / 2, 2, 1), ...classRows(T / 2, 3, -1)]);
    await eventually(
      async () => assert.equal((await readTopic(backbone, 'classes-predictions')).length, T),
      20_000,
    );
    const out = (await readTopic(backbone, 'classes-predictions')).map(
      (r: ConsumedRecord) =>
        JSON.parse(r.value!.toString()) as PredictionOut & { predictionSet: number[]; coverage: number },
    );
    let misses = 0;
    for (const p of out) {
      assert.equal(p.coverage, 0.8);
      assert.equal(p.interval, undefined);
      assert.ok(p.prediction >= 0 && p.prediction <= 1, 'the probability of class 1');
      assert.ok(p.predictionSet.every((c) => [0, 1].includes(c)));
      if (!p.predictionSet.includes(p.actual)) misses++;
    }
    // Before the flip most rows get one class; after it the level adapts (wider sets, misses held).
    const singles = out.slice(0, T / 2).filter((p) => p.predictionSet.length === 1).length;
    assert.ok(singles > T / 4, `confident rows before the flip get one class: ${singles}`);
    // Gibbs & Candès' deterministic bound on the share of misses, counted here from the labels.
    const bound = (0.8 + gamma) / (gamma * T);
    assert.ok(Math.abs(misses / T - 0.2) <= bound, `miss rate ${misses / T}, bound ${bound}`);
  } finally {
    await worker.close();
    await backbone.close();
    await env.cleanup();
  }
});
