// viperhpdepredictprocess (max, min, avg, median, trend, all over a joined stream's predictions) and
// the training folder (fullpathtotrainingdata) that predict's pathtoalgos must name. The summaries
// are checked against the stream's own predictions (processtype=all) reduced here by hand; bad input
// answers an ERROR naming the parameter and writes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let ids: FlowIds;
before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'pp');
});
after(async () => {
  await server.close();
});

async function snapshot(): Promise<string> {
  const topics = (await server.backbone.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const offsets = await Promise.all(topics.map((t) => server.backbone.listOffsets(t)));
  const models = (await server.store.models.aliases()).map((a) => JSON.stringify(a.champion)).sort();
  return JSON.stringify({ topics, offsets, models });
}

const process = (processtype: string, inputdata = ids.joined) => ({
  vipertoken: server.user,
  consumefrom: ids.params,
  consumerid: ids.paramsConsumer,
  produceto: ids.predictions,
  producerid: ids.predictionsProducer,
  inputdata,
  processtype,
});

type Prediction = {
  Hyperprediction: number;
  Inputdata: string;
  Processtype?: string;
  Numberofpredictions?: number;
  Row?: number;
};

test('processtype summarises the stream predictions: max, min, avg, median, trend; all is every one', async () => {
  const all = await viper<Prediction[]>(server.app, 'viperhpdepredictprocess', process('all'));
  assert.ok(Array.isArray(all) && all.length === 50, JSON.stringify(all).slice(0, 300));
  const values = all.map((p) => p.Hyperprediction);
  const sorted = [...values].sort((a, b) => a - b);
  const n = values.length;
  const expected: Record<string, number> = {
    max: sorted[n - 1],
    min: sorted[0],
    avg: values.reduce((s, v) => s + v, 0) / n,
    median: (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    // least squares slope over rows 0..n-1: (nΣxy − ΣxΣy) / (nΣx² − (Σx)²)
    trend: (() => {
      const sx = (n * (n - 1)) / 2;
      const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
      const sy = values.reduce((s, v) => s + v, 0);
      const sxy = values.reduce((s, v, i) => s + i * v, 0);
      return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    })(),
  };
  for (const [kind, want] of Object.entries(expected)) {
    const before = await server.backbone.listOffsets(ids.predictions);
    const y = await viper<Prediction>(server.app, 'viperhpdepredictprocess', process(kind));
    assert.ok(!Array.isArray(y), `${kind}: one object`);
    assert.ok(
      Math.abs(y.Hyperprediction - want) <= 1e-9 * Math.max(1, Math.abs(want)),
      `${kind}: ${y.Hyperprediction} vs ${want}`,
    );
    assert.equal(y.Processtype, kind);
    assert.equal(y.Numberofpredictions, 50);
    const afterOffsets = await server.backbone.listOffsets(ids.predictions);
    assert.equal(afterOffsets[0].latest - before[0].latest, 1, `${kind}: one record written`);
    if (kind === 'max' || kind === 'min') {
      // the row it names is that row of the stream, with its inputs
      assert.equal(all[y.Row!].Hyperprediction, want);
      assert.equal(y.Inputdata, all[y.Row!].Inputdata);
    } else {
      assert.equal(y.Inputdata, '', `${kind} stands for no single row`);
    }
  }
  // one row of inputdata: its prediction is its own max, and the answer is what viperhpdepredict says
  const one = await viper<Prediction>(server.app, 'viperhpdepredictprocess', process('max', '40,20'));
  const direct = await viper<Prediction>(server.app, 'viperhpdepredict', { ...process('max', '40,20') });
  assert.equal(one.Hyperprediction, direct.Hyperprediction);
});

test('bad processtype, trend of one row: ERROR naming processtype, nothing written', async () => {
  const was = await snapshot();
  for (const [params, pattern] of [
    [process('biggest'), /processtype.*max, min, avg, median, trend or all/],
    [process(''), /processtype/],
    [process('trend', '40,20'), /processtype.*two predictions/],
  ] as const) {
    const y = await viper(server.app, 'viperhpdepredictprocess', params);
    assert.match(String(y.ERROR), pattern, JSON.stringify(y));
  }
  assert.equal(await snapshot(), was);
});

test('fullpathtotrainingdata files the model; pathtoalgos must name that folder', async () => {
  const consumer = await subscribe(server, ids.training);
  const trained = await viper(server.app, 'viperhpdetraining', {
    vipertoken: server.user,
    consumefrom: ids.training,
    produceto: ids.params,
    consumerid: consumer,
    producerid: ids.paramsProducer,
    companyname: 'OTICS',
    modelruns: 4,
    timeout: 60,
    fullpathtotrainingdata: './tml/models/plant1/',
  });
  assert.equal(trained.Fullpathtomodels, 'tml/models/plant1', JSON.stringify(trained));
  const ask = (pathtoalgos: string) =>
    viper(server.app, 'viperhpdepredict', { ...process('all', '40,20'), pathtoalgos });
  for (const same of ['tml/models/plant1', './tml/models/plant1/', '']) {
    const y = await ask(same);
    assert.equal(typeof y.Hyperprediction, 'number', `${same}: ${JSON.stringify(y)}`);
  }
  const was = await snapshot();
  const wrong = await ask('/tml/models/plant2');
  assert.match(String(wrong.ERROR), /pathtoalgos.*plant2.*tml\/models\/plant1/, JSON.stringify(wrong));
  const processed = await viper(server.app, 'viperhpdepredictprocess', {
    ...process('avg'),
    pathtoalgos: 'elsewhere',
  });
  assert.match(String(processed.ERROR), /pathtoalgos/, JSON.stringify(processed));
  const control = await viper(server.app, 'viperhpdetraining', {
    vipertoken: server.user,
    consumefrom: ids.training,
    produceto: ids.params,
    consumerid: consumer,
    producerid: ids.paramsProducer,
    companyname: 'OTICS',
    modelruns: 4,
    fullpathtotrainingdata: 'bad\u0001folder',
  });
  assert.match(String(control.ERROR), /fullpathtotrainingdata.*control characters/, JSON.stringify(control));
  assert.equal(await snapshot(), was);
});
