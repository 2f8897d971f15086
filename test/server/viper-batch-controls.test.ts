// The batch endpoints' model controls, as the step endpoints read them: processlogic builds the 0/1
// target the solution learns (checked against the rule computed here on new rows), modelsearchtuner
// narrows the algorithms, deploy/identifier/fullpathtotrainingdata are carried in the model records,
// usedeploy needs a deployed model, pathtoalgos the training's folder, topicid a per-device solution
// (one device learnt), array=1 reads rows of one topic, streamstojoin names the model's streams,
// maxrows predicts the newest stored rows. Each bad value: an ERROR naming it, nothing changed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { viperRecordShapers } from '../../src/server/viper/solution-records.js';
import { readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { createTopic, produceStreams, setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vct', 100);
});
after(async () => {
  await server.close();
});

const json = (value: Buffer | null) => JSON.parse(value!.toString()) as Record<string, unknown>;
type Answer = Record<string, unknown> & { ERROR?: string };

const training = (produceto: string, extra: Record<string, unknown> = {}) =>
  viper<Answer>(server.app, 'viperhpdetrainingbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto,
    dependentvariable: flow.streams[0],
    independentvariables: `${flow.streams[1]},${flow.streams[2]}`,
    rollbackoffsets: 60,
    modelruns: 2,
    ...extra,
  });
const predicting = (endpoint: string, consumefrom: string, produceto: string, extra = {}) =>
  viper<Answer>(server.app, endpoint, { vipertoken: server.admin, consumefrom, produceto, ...extra });

test('bad model controls answer an ERROR naming them and change nothing', async () => {
  const catalog = await openSolutionCatalog(server.backbone);
  for (const [extra, pattern] of [
    [{ processlogic: `classification_name=hi:${flow.streams[1]}=50,n` }, /processlogic.*islogistic/],
    [{ islogistic: 1, processlogic: 'classification_name=hi:nosuch=1,n' }, /processlogic.*nosuch/],
    [{ islogistic: 1, processlogic: `classification_name=hi:${flow.streams[1]}=9,1` }, /processlogic/],
    [{ modelsearchtuner: 101 }, /modelsearchtuner/],
    [{ deploy: 2 }, /deploy/],
    [{ topicid: 'x' }, /topicid/],
    [
      { array: 1, consumefrom: `${flow.streams[0]},${flow.streams[1]}` },
      /consumefrom.*one topic of rows when array=1/,
    ],
  ] as const) {
    const y = await training('vct-bad-params', extra);
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.deepEqual(
    (await catalog.list()).map((v) => v.name),
    [],
  );

  // a solution trained with deploy=0 into folder models/a, one model for all rows
  const y = await training('vct-params', {
    deploy: 0,
    fullpathtotrainingdata: './models/a/',
    identifier: 'A-7',
  });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const before = JSON.stringify((await catalog.describe('viper-vct-params')).spec);
  for (const [endpoint, extra, pattern] of [
    ['viperhpdepredictbatch', { usedeploy: 1 }, /usedeploy.*deploy=0/],
    ['viperhpdeoptimizebatch', { usedeploy: 1 }, /usedeploy.*deploy=0/],
    ['viperhpdepredictbatch', { pathtoalgos: './models/b' }, /pathtoalgos.*models\/b.*models\/a/],
    ['viperhpdepredictbatch', { topicid: 3 }, /topicid.*one model for all rows/],
    ['viperhpdeoptimizebatch', { topicid: 3 }, /topicid.*one model for all rows/],
    ['viperhpdepredictbatch', { streamstojoin: flow.streams[1] }, /streamstojoin.*vct-dv/],
    ['viperhpdepredictbatch', { array: 1 }, /array.*inputdata/],
    ['viperhpdepredictbatch', { maxrows: -1 }, /maxrows/],
  ] as const) {
    const answer = await predicting(endpoint, 'vct-params', 'vct-out', extra);
    assert.match(String(answer.ERROR), pattern, `${endpoint} ${JSON.stringify(extra)}`);
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-vct-params')).spec), before);
  const ok = await predicting('viperhpdepredictbatch', 'vct-params', 'vct-out', {
    pathtoalgos: 'models/a',
    streamstojoin: [...flow.streams].reverse().join(','),
  });
  assert.equal(ok.Action, 'updated', JSON.stringify(ok));
  const { spec } = await catalog.describe('viper-vct-params');
  assert.deepEqual(spec.registry, {
    deploy: false,
    predictWith: 'champion',
    identifier: 'A-7',
    folder: 'models/a',
  });
  assert.deepEqual(
    spec.inputs.map((i) => i.topic),
    flow.streams,
    'the same streams: the same inputs',
  );
  await catalog.delete('viper-vct-params');
});

test('modelsearchtuner 100 searches the two strongest families; 80 and below every family', async () => {
  const catalog = await openSolutionCatalog(server.backbone);
  await training('vct-tuned-params', { modelsearchtuner: 100 });
  assert.equal((await catalog.describe('viper-vct-tuned-params')).spec.automl.algorithms?.length, 2);
  await training('vct-tuned-params', { modelsearchtuner: 80 });
  assert.equal((await catalog.describe('viper-vct-tuned-params')).spec.automl.algorithms, undefined);
  await catalog.delete('viper-vct-tuned-params');
});

test('processlogic: the solution learns the rule (checked on new rows); maxrows predicts the newest stored rows', async () => {
  const rule = `classification_name=high:${flow.streams[1]}=50,n`;
  const y = await training('vct-rule-params', {
    islogistic: 1,
    processlogic: rule,
    modelruns: 4,
    deploy: 1,
    identifier: 'plant-3',
  });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const p = await predicting('viperhpdepredictbatch', 'vct-rule-params', 'vct-rule-predictions', {
    usedeploy: 1,
    maxrows: 10,
  });
  assert.equal(p.Action, 'updated', JSON.stringify(p));
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    // the newest 10 stored rows are predicted before any new row arrives
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vct-rule-predictions')).length, 10),
      30_000,
    );
    const model = json((await readTopic(server.backbone, 'vct-rule-params'))[0].value);
    assert.deepEqual(
      [model.Deployed, model.DeployedTo, model.Identifier, model.Processlogic],
      [1, 'deploy', 'plant-3', rule],
    );
    await produceStreams(server, flow.streams, flow.producers, 40);
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vct-rule-predictions')).length, 50),
      30_000,
    );
    const predictions = (await readTopic(server.backbone, 'vct-rule-predictions')).map((r) => json(r.value));
    let right = 0;
    for (const prediction of predictions.slice(10)) {
      assert.equal(prediction.Usedeploy, 1);
      const [x1] = String(prediction.Inputdata).split(',').map(Number);
      const probability = prediction.Hyperprediction as number;
      assert.ok(probability >= 0 && probability <= 1, String(probability));
      if ((probability >= 0.5 ? 1 : 0) === (x1 >= 50 ? 1 : 0)) right++;
    }
    // the dependent stream's values are not 0/1: only the rule's target is learnable this well
    assert.ok(right >= 36, `${right} of 40 predictions agree with the rule`);
  } finally {
    await worker.close();
  }
});

test('array=1 trains on rows of one topic; topicid learns one device only', async () => {
  await server.backbone.createTopic({ name: 'vct-rows' });
  // rows as producetotopic with array=1 writes them: one JSON object per record, keys = subtopics
  const rows = Array.from({ length: 120 }, (_, i) => {
    const a = (i * 37) % 100;
    const b = (i * 53) % 90;
    return { device: String(i % 2 === 0 ? 7 : 8), row: { y: 3 * a - b, a, b } };
  });
  await server.backbone.produce(
    'vct-rows',
    rows.map((r) => ({ key: r.device, value: JSON.stringify(r.row) })),
  );
  const catalog = await openSolutionCatalog(server.backbone);
  const rowsTraining = (produceto: string, extra: Record<string, unknown>) =>
    viper<Answer>(server.app, 'viperhpdetrainingbatch', {
      vipertoken: server.admin,
      consumefrom: 'vct-rows',
      produceto,
      dependentvariable: 'y',
      independentvariables: 'a,b',
      rollbackoffsets: 40,
      modelruns: 2,
      offset: 0,
      ...extra,
    });
  assert.equal((await rowsTraining('vct-array-params', { array: 1 })).Action, 'created');
  assert.equal((await rowsTraining('vct-device-params', { topicid: 7 })).Action, 'created');
  assert.deepEqual((await catalog.describe('viper-vct-device-params')).spec.io, {
    entity: '7',
    startOffset: 'earliest',
  });
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      const model = json((await readTopic(server.backbone, 'vct-array-params')).at(-1)!.value);
      assert.deepEqual(model.IndependentVariables, ['a', 'b']);
      assert.ok((model.Forecastaccuracy as number) > 0.9, JSON.stringify(model.Forecastaccuracy));
    }, 30_000);
    await eventually(async () => {
      assert.ok((await readTopic(server.backbone, 'vct-device-params')).length >= 1);
      assert.deepEqual(await catalog.entities('viper-vct-device-params'), ['7']);
    }, 30_000);
    for (const record of await readTopic(server.backbone, 'vct-device-params')) {
      assert.equal(json(record.value).Topicid, '7');
    }
  } finally {
    await worker.close();
  }
});

test('anomaly batch with topicid scores one device of a keyed stream; bad topicid answers an ERROR', async () => {
  await server.backbone.createTopic({ name: 'vct-keyed' });
  const produce = (count: number, from: number) =>
    server.backbone.produce(
      'vct-keyed',
      Array.from({ length: count }, (_, i) => ({
        key: (from + i) % 2 === 0 ? '3' : '4',
        value: String(50 + ((from + i) % 5)),
      })),
    );
  await produce(120, 0);
  const flags = 'topic=vct-keyed,topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5';
  const anomaly = (extra: Record<string, unknown>) =>
    viper<Answer>(server.app, 'viperanomalytrainbatch', {
      vipertoken: server.admin,
      consumefrom: flow.joined,
      produceto: 'vct-keyed-anomalies',
      producepeergroupto: 'vct-keyed-peers',
      streamstoanalyse: 'vct-keyed',
      flags,
      rollbackoffsets: 80,
      ...extra,
    });
  const two = await anomaly({ topicid: 3, streamstoanalyse: `vct-keyed,${flow.streams[1]}` });
  assert.match(String(two.ERROR), /topicid.*one stream/);
  const y = await anomaly({ topicid: 3 });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const catalog = await openSolutionCatalog(server.backbone);
  const { spec } = await catalog.describe('viper-anomaly-vct-keyed-peers');
  assert.equal(spec.entityKey, true);
  assert.deepEqual(spec.io, { entity: '3' });
  // a solution of all rows refuses a device
  await anomaly({ producepeergroupto: 'vct-all-peers' });
  const refused = await viper<Answer>(server.app, 'viperanomalypredictbatch', {
    vipertoken: server.admin,
    consumefrom: 'vct-all-peers',
    produceto: 'vct-all-anomalies',
    topicid: 3,
  });
  assert.match(String(refused.ERROR), /topicid.*one model for all rows/);
  await catalog.delete('viper-anomaly-vct-all-peers');
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      assert.deepEqual(await catalog.entities('viper-anomaly-vct-keyed-peers'), ['3']);
      assert.ok(((await catalog.describe('viper-anomaly-vct-keyed-peers')).status?.retrains ?? 0) >= 1);
    }, 30_000);
    await produce(20, 120); // 10 rows of device 3, 10 of device 4
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vct-keyed-anomalies')).length, 10),
      30_000,
    );
    for (const record of await readTopic(server.backbone, 'vct-keyed-anomalies')) {
      assert.equal(json(record.value).Topicid, '3');
    }
  } finally {
    await worker.close();
  }
});

test('viperanomalypredictbatch republishes each scored row to produceinputstreamtest, labelled with its producer id', async () => {
  const stream = flow.streams[2];
  const flags = `topic=${stream},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`;
  const trained = await viper<Answer>(server.app, 'viperanomalytrainbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto: 'vct-scores',
    producepeergroupto: 'vct-scored-peers',
    streamstoanalyse: stream,
    flags,
    rollbackoffsets: 60,
  });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const inputsProducer = await createTopic(server, 'vct-scored-inputs');
  const base = {
    vipertoken: server.admin,
    consumefrom: 'vct-scored-peers',
    produceto: 'vct-scores',
    produceinputstreamtest: 'vct-scored-inputs',
  };
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vct-scored-peers')).spec);
  for (const [extra, pattern] of [
    [{ produceridinputstreamtest: flow.joinedProducer }, /produceridinputstreamtest.*not the producer id/],
    [{ produceinputstreamtest: '', produceridinputstreamtest: inputsProducer }, /produceridinputstreamtest/],
    [{ produceinputstreamtest: 'bad topic!' }, /produceinputstreamtest/],
  ] as const) {
    const y = await viper<Answer>(server.app, 'viperanomalypredictbatch', { ...base, ...extra });
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vct-scored-peers')).spec), before);
  const y = await viper<Answer>(server.app, 'viperanomalypredictbatch', {
    ...base,
    produceridinputstreamtest: inputsProducer,
  });
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      assert.ok(((await catalog.describe('viper-anomaly-vct-scored-peers')).status?.retrains ?? 0) >= 1);
    }, 30_000);
    const from = (await readTopic(server.backbone, stream)).length;
    await produceStreams(server, flow.streams, flow.producers, 10);
    const produced = (await readTopic(server.backbone, stream))
      .slice(from)
      .map((r) => Number(r.value!.toString()));
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vct-scored-inputs')).length, 10),
      30_000,
    );
    const scored = (await readTopic(server.backbone, 'vct-scored-inputs')).map((r) => json(r.value));
    assert.deepEqual(
      scored.map((s) => (s.Values as Record<string, number>)[stream]),
      produced,
    );
    assert.ok(scored.every((s) => s.ProducerId === inputsProducer));
    assert.equal(
      (await readTopic(server.backbone, 'vct-scores')).length,
      10,
      'one anomaly record per scored row',
    );
  } finally {
    await worker.close();
  }
});
