// The records a VIPER batch endpoint's solution writes carry the keys of the matching step endpoint:
// predictions as viperhpdepredict's (`Hyperprediction`, `Algokey`, `Inputdata`, ...), each new
// champion with viperhpdetraining's keys. A worker given the VIPER face's record shapes (as `tml
// serve` and `tml worker` start theirs) runs the solution the endpoints created; a worker without
// them writes nothing for it and says why. Predictions are checked against the streams' relation
// (y = 2·x1 − x2 + 5 within ±0.3), not the code's output.
// (No `timedelay`: the solutions would pause that long after their first cycle, as VIPER sleeps.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { viperRecordShapers } from '../../src/server/viper/solution-records.js';
import { readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { produceStreams, setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vr', 100);
});
after(async () => {
  await server.close();
});

const json = (value: Buffer | null) => JSON.parse(value!.toString()) as Record<string, unknown>;

test('a worker without the VIPER record shape writes nothing for the solution and says why', async () => {
  const y = await viper(server.app, 'viperhpdetrainingbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto: 'vr-bare-params',
    dependentvariable: flow.streams[0],
    independentvariables: `${flow.streams[1]},${flow.streams[2]}`,
    rollbackoffsets: 60,
    modelruns: 2,
  });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const worker = await SolutionWorker.start(server.backbone, { pollMs: 100 });
  try {
    const catalog = await (
      await import('../../src/solutions/catalog.js')
    ).openSolutionCatalog(server.backbone);
    await eventually(async () => {
      const view = await catalog.describe('viper-vr-bare-params');
      assert.match(
        String(view.status?.problems?.at(-1)?.message),
        /'viper' shape, which this worker was started without/,
      );
    }, 15_000);
    assert.deepEqual(await readTopic(server.backbone, 'vr-bare-params').catch(() => []), []);
    await catalog.delete('viper-vr-bare-params');
  } finally {
    await worker.close();
  }
});

test("viperhpdetrainingbatch + viperhpdepredictbatch: the solution writes VIPER's keys", async () => {
  const trained = await viper(server.app, 'viperhpdetrainingbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto: 'vr-live-params',
    dependentvariable: flow.streams[0],
    independentvariables: `${flow.streams[1]},${flow.streams[2]}`,
    rollbackoffsets: 60,
    modelruns: 3,
  });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const predicted = await viper(server.app, 'viperhpdepredictbatch', {
    vipertoken: server.admin,
    consumefrom: 'vr-live-params',
    produceto: 'vr-live-predictions',
  });
  assert.equal(predicted.Action, 'updated', JSON.stringify(predicted));
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(
      async () => assert.ok((await readTopic(server.backbone, 'vr-live-params')).length >= 1),
      20_000,
    );
    const model = json((await readTopic(server.backbone, 'vr-live-params'))[0].value);
    assert.equal(model.Algokey, 'viper-vr-live-params');
    assert.equal(model.DependentVariable, flow.streams[0]);
    assert.deepEqual(model.IndependentVariables, flow.streams.slice(1));
    assert.equal(model.Fieldnames, `Date,${flow.streams[1]},${flow.streams[2]}`);
    assert.ok((model.Forecastaccuracy as number) > 0.9, JSON.stringify(model.Forecastaccuracy));
    assert.equal(model.DeployedTo, 'deploy');
    // new rows: each predicted by the champion, in viperhpdepredict's keys
    await produceStreams(server, flow.streams, flow.producers, 20);
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vr-live-predictions')).length, 20),
      20_000,
    );
    for (const record of await readTopic(server.backbone, 'vr-live-predictions')) {
      const p = json(record.value);
      for (const key of [
        'Hyperprediction',
        'Algokey',
        'Algo',
        'MachineLearningAlgorithm',
        'Usedeploy',
        'Created',
        'Consumefrom',
        'Produceto',
        'Fieldnames',
        'Islogistic',
        'Inputdata',
        'kafkakey',
      ]) {
        assert.ok(key in p, `${key} in ${JSON.stringify(p)}`);
      }
      assert.equal(p.Algokey, 'viper-vr-live-params');
      assert.equal(p.Consumefrom, 'vr-live-params');
      assert.equal(p.Produceto, 'vr-live-predictions');
      const [x1, x2] = String(p.Inputdata).split(',').map(Number);
      assert.ok(Math.abs((p.Hyperprediction as number) - (2 * x1 - x2 + 5)) < 1.5, JSON.stringify(p));
      assert.equal(p.prediction, undefined, "tml's own keys are not written");
    }
  } finally {
    await worker.close();
  }
});

test('anomaly and preprocess batch solutions work on one stream and train no model', async () => {
  const stream = flow.streams[2];
  const stats = await viper(server.app, 'preprocessbatch', {
    vipertoken: server.admin,
    topicname: stream,
    producerid: flow.producers[stream],
    offset: -1,
    maxrows: 60,
    preprocesslogic: 'min,max,avg',
    preprocesstopic: 'vr-stats',
  });
  assert.equal(stats.Action, 'created', JSON.stringify(stats));
  const anomaly = await viper(server.app, 'viperanomalytrainbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto: 'vr-anoms',
    producepeergroupto: 'vr-peers',
    streamstoanalyse: stream,
    flags: `topic=${stream},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`,
    rollbackoffsets: 60,
  });
  assert.equal(anomaly.Action, 'created', JSON.stringify(anomaly));
  const { openSolutionCatalog } = await import('../../src/solutions/catalog.js');
  const catalog = await openSolutionCatalog(server.backbone);
  for (const name of [String(stats.Solution), String(anomaly.Solution)]) {
    const { spec } = await catalog.describe(name);
    assert.equal(spec.model, false, name);
    assert.deepEqual(spec.inputs, [{ topic: stream }]);
  }
  const values = (await readTopic(server.backbone, stream)).map((r) => Number(r.value!.toString()));
  const window = values.slice(-60);
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vr-stats')).length, 3),
      20_000,
    );
    const items = (await readTopic(server.backbone, 'vr-stats')).map((r) => json(r.value));
    const byType = Object.fromEntries(items.map((i) => [i.Preprocesstype, Number(i.hyperprediction)]));
    assert.equal(byType.Min, Math.min(...window));
    assert.equal(byType.Max, Math.max(...window));
    assert.ok(Math.abs(byType.Avg - window.reduce((s, v) => s + v, 0) / 60) < 1e-9, JSON.stringify(byType));
    assert.equal(items[0].Topic, `${stream}_preprocessed_Min`);
    // new rows are scored against the one stream's peer group, in viperanomalypredict's keys
    await produceStreams(server, flow.streams, flow.producers, 10);
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vr-anoms')).length, 10),
      20_000,
    );
    for (const r of await readTopic(server.backbone, 'vr-anoms')) {
      const a = json(r.value);
      assert.equal(typeof a.risk, 'number', JSON.stringify(a));
      assert.ok('alert' in a && 'Created' in a && 'kafkakey' in a, JSON.stringify(a));
      assert.deepEqual(Object.keys(a.Values as object), [stream]);
    }
    // no model was trained: no champion, no params records
    for (const name of [String(stats.Solution), String(anomaly.Solution)]) {
      assert.equal((await catalog.models(name)).champion, undefined, name);
      assert.ok(((await catalog.describe(name)).status?.retrains ?? 0) >= 1, name);
    }
  } finally {
    await worker.close();
  }
});
