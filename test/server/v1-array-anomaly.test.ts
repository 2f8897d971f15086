// The /v1 face and the SDK reach the same controls as VIPER's array=1 and the anomaly calls: a
// model trained on rows by field and predicted from them, peer groups with a summary topic, and
// anomaly scores over the newest share of the rows, bounded by timeoutSeconds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { setUpFlow, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let admin: TmlClient;
let ids: FlowIds;
const producers: Record<string, string> = {};

before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  admin = new TmlClient({ url: `http://127.0.0.1:${address.port}`, token: server.admin });
  ids = await setUpFlow(server, 'v1a');
  for (const t of ['v1a-rows', 'v1a-models', 'v1a-out', 'v1a-peers', 'v1a-summary', 'v1a-alerts']) {
    producers[t] = (await admin.createTopic({ topic: t })).producerId;
  }
  for (let i = 0; i < 40; i++) {
    await viper(server.app, 'producetotopic', {
      vipertoken: server.admin,
      topic: 'v1a-rows',
      producerid: producers['v1a-rows'],
      externalprediction: `${4 * i - (i % 5) + 2},${i},${i % 5}`,
      subtopics: 'y,a,b',
      array: 1,
    });
  }
});
after(async () => {
  await server.close();
});

test('POST /v1/models and /v1/predictions with array: rows read by field', async () => {
  const consumerId = (await admin.subscribe('v1a-rows')).consumerId;
  const trained = await admin.trainModel({
    consumeFrom: 'v1a-rows',
    produceTo: 'v1a-models',
    consumerId,
    producerId: producers['v1a-models'],
    modelruns: 5,
    array: true,
    dependentVariable: 'y',
    independentVariables: ['a', 'b'],
    mainTopic: ids.joined,
  });
  assert.deepEqual(trained.independentVariables, ['a', 'b']);
  assert.equal(trained.rows, 40);
  const predicted = await admin.predict({
    algokey: trained.algokey,
    produceTo: 'v1a-out',
    producerId: producers['v1a-out'],
    stream: 'v1a-rows',
    array: true,
    maxRows: 3,
  });
  assert.deepEqual(
    predicted.predictions.map((p) => p.inputs),
    [37, 38, 39].map((i) => [i, i % 5]),
  );
  for (const [k, p] of predicted.predictions.entries()) {
    const i = 37 + k;
    assert.ok(Math.abs(p.prediction - (4 * i - (i % 5) + 2)) < 8, JSON.stringify(p));
  }
});

test('POST /v1/peer-groups and /v1/anomalies with the anomaly controls', async () => {
  const streams = ids.streams.slice(1);
  const flags = streams
    .map((s) => `topic=${s},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`)
    .join('~');
  const trained = await admin.trainPeerGroups({
    consumeFrom: ids.joined,
    consumerId: ids.joinedConsumer,
    produceTo: 'v1a-peers',
    producerId: producers['v1a-peers'],
    streams,
    flags,
    summaryTo: 'v1a-summary',
    summaryProducerId: producers['v1a-summary'],
    mainTopic: ids.joined,
  });
  assert.equal(trained.topic, 'v1a-peers');
  assert.equal((await server.backbone.listOffsets('v1a-summary'))[0].latest, 1);
  const peersConsumer = (await admin.subscribe('v1a-peers')).consumerId;
  const request = {
    consumeFrom: 'v1a-peers',
    consumerId: peersConsumer,
    inputStream: ids.joined,
    produceTo: 'v1a-alerts',
    producerId: producers['v1a-alerts'],
    streams,
  };
  const before = (await server.backbone.listOffsets('v1a-alerts'))[0].latest;
  await admin.scoreAnomalies({ ...request, rollbackPercent: 20 });
  // 20% of the 50 joined rows: ten anomaly records (and any alerts beside them)
  const { records } = await server.backbone.fetch({ topic: 'v1a-alerts', partition: 0, offset: before });
  const scored = records.filter((r) => 'Scores' in (JSON.parse(r.value!.toString()) as object));
  assert.equal(scored.length, 10);
  const end = (await server.backbone.listOffsets('v1a-alerts'))[0].latest;
  await assert.rejects(admin.scoreAnomalies({ ...request, timeoutSeconds: 0.000001 }), (e: unknown) => {
    assert.ok(e instanceof TmlApiError);
    assert.equal(e.parameter, 'timeoutSeconds');
    return true;
  });
  assert.equal((await server.backbone.listOffsets('v1a-alerts'))[0].latest, end);
});
