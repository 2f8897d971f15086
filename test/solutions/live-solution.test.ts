import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { forEachBackbone, uniqueName } from '../helpers/backbones.js';
import { LiveSolution, type LiveSolutionSpec } from '../../src/solutions/live-solution.js';
import { DemoStreamGenerator, type DemoStreamNames } from '../../src/solutions/demo-streams.js';

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  /** Unique topic names: a Kafka broker outlives one test file. */
  function names(): { streams: DemoStreamNames; spec: LiveSolutionSpec } {
    const run = uniqueName('live');
    const streams = { load: `${run}-load`, temperature: `${run}-temp`, humidity: `${run}-hum` };
    return {
      streams,
      spec: {
        name: run,
        dependentVariable: streams.load,
        independentVariables: [streams.temperature, streams.humidity],
        windowRecords: 200,
        modelruns: 6,
        timeBudgetMs: 2000,
        paramsTopic: `${run}-params`,
        predictionsTopic: `${run}-predictions`,
        optimalTopic: `${run}-optimal`,
        anomaliesTopic: `${run}-anomalies`,
        ismin: 0,
      },
    };
  }

  async function values(topic: string): Promise<Array<Record<string, unknown>>> {
    const { records } = await backbone.fetch({ topic, partition: 0, offset: 0, maxRecords: 10_000 });
    return records.map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>);
  }

  test('a live solution trains on the latest window, publishes its champion and keeps predicting', async () => {
    const { streams, spec } = names();
    for (const name of Object.values(streams)) await backbone.ensureTopic({ name });
    const solution = new LiveSolution(backbone, spec);
    await solution.createTopics();
    const problems: string[] = [];
    solution.on('problem', (p) => problems.push(p));

    // not enough data yet: reported as a problem, the solution stays usable
    const generator = new DemoStreamGenerator(400, 3);
    await generator.produce(backbone, 10, streams);
    assert.equal(await solution.retrain(), undefined);
    assert.match(problems[0], /at least 30 aligned rows/);

    await generator.produce(backbone, 290, streams);
    const first = await solution.retrain();
    assert.ok(first, 'the first window with enough rows gives a champion');
    assert.equal(first.champion.version, 1);
    assert.equal(first.window.rows, 200);
    assert.ok(first.champion.forecastAccuracy > 0.8, `forecast accuracy ${first.champion.forecastAccuracy}`);

    const params = await values(spec.paramsTopic);
    assert.equal(params.length, 1);
    const model = params[0].model as { algorithm: string; lineage: { offsets: Record<string, unknown> } };
    assert.equal(model.algorithm, first.champion.algorithm);
    // lineage: the offsets of the window of every stream
    assert.deepEqual(model.lineage.offsets[streams.load], [{ partition: 0, from: 100, to: 300 }]);

    const prediction = await solution.predictLatest();
    assert.ok(prediction && Number.isFinite(prediction.prediction));
    assert.ok(Math.abs(prediction.prediction - prediction.actual) < 10, JSON.stringify(prediction));
    const predictions = await values(spec.predictionsTopic);
    assert.equal(predictions.length, 1);
    assert.equal(predictions[0].Hyperprediction, prediction.prediction);

    const optimal = await values(spec.optimalTopic!);
    assert.equal(optimal.length, 1);
    const optimum = optimal[0] as { OptimizedValues: { Objective: string; OptimalValues: object[] } };
    assert.equal(optimum.OptimizedValues.Objective, 'Maximization');
    assert.equal(optimum.OptimizedValues.OptimalValues.length, 2);
    assert.equal((await values(spec.anomaliesTopic!)).length, 1);

    // after the drift the old champion predicts badly: a new window gives a new champion
    await generator.produce(backbone, 300, streams);
    const afterDrift = await solution.retrain();
    assert.ok(afterDrift?.promoted, 'a drifted window promotes a new champion');
    assert.equal(afterDrift.champion.version, 2);
    // the report says whom it replaced and why: the old champion did worse on the same newest rows
    assert.equal(afterDrift.replaced?.version, 1);
    assert.ok(afterDrift.replaced.rmse > afterDrift.champion.rmse, JSON.stringify(afterDrift.replaced));
    assert.equal(first.replaced, undefined);
    assert.equal((await values(spec.paramsTopic)).length, 2);
  });

  test('non-numeric stream values are skipped, never passed to training', async () => {
    const { streams, spec } = names();
    for (const name of Object.values(streams)) await backbone.ensureTopic({ name });
    const generator = new DemoStreamGenerator(10_000, 5);
    await generator.produce(backbone, 100, streams);
    await backbone.produce(streams.temperature, [{ value: 'abc' }, { value: 'NaN' }, { value: null }]);
    await generator.produce(backbone, 50, streams);
    const solution = new LiveSolution(backbone, {
      ...spec,
      windowRecords: 500,
      optimalTopic: undefined,
      anomaliesTopic: undefined,
    });
    await solution.createTopics();
    const report = await solution.retrain();
    assert.ok(report);
    assert.equal(report.window.rows, 150);
    assert.equal(report.window.droppedRows, 0);
  });
});
