import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedEnv } from '../helpers/backbones.js';
import {
  LiveSolution,
  type LiveSolutionSpec,
  type RetrainReport,
} from '../../src/solutions/live-solution.js';
import { DemoStreamGenerator, DEMO_STREAMS } from '../../src/solutions/demo-streams.js';

const env = await embeddedEnv();
const backbone = await env.open();
after(async () => {
  await backbone.close();
  await env.cleanup();
});

const spec: LiveSolutionSpec = {
  name: 'test',
  dependentVariable: DEMO_STREAMS.load,
  independentVariables: [DEMO_STREAMS.temperature, DEMO_STREAMS.humidity],
  windowRecords: 200,
  modelruns: 6,
  timeBudgetMs: 2000,
  paramsTopic: 'test-params',
  predictionsTopic: 'test-predictions',
  optimalTopic: 'test-optimal',
  anomaliesTopic: 'test-anomalies',
  ismin: 0,
};

async function values(topic: string): Promise<Array<Record<string, unknown>>> {
  const { records } = await backbone.fetch({ topic, partition: 0, offset: 0, maxRecords: 10_000 });
  return records.map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>);
}

test('a live solution trains on the latest window, publishes its champion and keeps predicting', async () => {
  for (const name of Object.values(DEMO_STREAMS)) await backbone.ensureTopic({ name });
  const solution = new LiveSolution(backbone, spec);
  await solution.createTopics();
  const problems: string[] = [];
  solution.on('problem', (p) => problems.push(p));

  // not enough data yet: reported as a problem, the solution stays usable
  const generator = new DemoStreamGenerator(400, 3);
  await generator.produce(backbone, 10);
  assert.equal(await solution.retrain(), undefined);
  assert.match(problems[0], /at least 30 aligned rows/);

  await generator.produce(backbone, 290);
  const reports: RetrainReport[] = [];
  solution.on('retrain', (r) => reports.push(r));
  const first = await solution.retrain();
  assert.ok(first, 'the first window with enough rows gives a champion');
  assert.equal(first.champion.version, 1);
  assert.equal(first.window.rows, 200);
  assert.ok(first.champion.forecastAccuracy > 0.8, `forecast accuracy ${first.champion.forecastAccuracy}`);

  const params = await values('test-params');
  assert.equal(params.length, 1);
  const model = params[0].model as { algorithm: string; lineage: { offsets: Record<string, unknown> } };
  assert.equal(model.algorithm, first.champion.algorithm);
  // lineage: the offsets of the window of every stream
  assert.deepEqual(model.lineage.offsets[DEMO_STREAMS.load], [{ partition: 0, from: 100, to: 300 }]);

  const prediction = await solution.predictLatest();
  assert.ok(prediction && Number.isFinite(prediction.prediction));
  assert.ok(Math.abs(prediction.prediction - prediction.actual) < 10, JSON.stringify(prediction));
  const predictions = await values('test-predictions');
  assert.equal(predictions.length, 1);
  assert.equal(predictions[0].Hyperprediction, prediction.prediction);

  const optimal = await values('test-optimal');
  assert.equal(optimal.length, 1);
  const optimum = optimal[0] as { OptimizedValues: { Objective: string; OptimalValues: object[] } };
  assert.equal(optimum.OptimizedValues.Objective, 'Maximization');
  assert.equal(optimum.OptimizedValues.OptimalValues.length, 2);
  assert.equal((await values('test-anomalies')).length, 1);

  // after the drift the old champion predicts badly: a new window gives a new champion
  await generator.produce(backbone, 300);
  const afterDrift = await solution.retrain();
  assert.ok(afterDrift?.promoted, 'a drifted window promotes a new champion');
  assert.equal(afterDrift.champion.version, 2);
  assert.equal((await values('test-params')).length, 2);
});

test('non-numeric stream values are skipped, never passed to training', async () => {
  const names = { load: 'nn-load', temperature: 'nn-temp', humidity: 'nn-hum' };
  for (const name of Object.values(names)) await backbone.ensureTopic({ name });
  const generator = new DemoStreamGenerator(10_000, 5);
  await generator.produce(backbone, 100, names);
  await backbone.produce(names.temperature, [{ value: 'abc' }, { value: 'NaN' }, { value: null }]);
  await generator.produce(backbone, 50, names);
  const solution = new LiveSolution(backbone, {
    ...spec,
    name: 'nn',
    dependentVariable: names.load,
    independentVariables: [names.temperature, names.humidity],
    windowRecords: 500,
    paramsTopic: 'nn-params',
    predictionsTopic: 'nn-predictions',
    optimalTopic: undefined,
    anomaliesTopic: undefined,
  });
  await solution.createTopics();
  const report = await solution.retrain();
  assert.ok(report);
  assert.equal(report.window.rows, 150);
  assert.equal(report.window.droppedRows, 0);
});
