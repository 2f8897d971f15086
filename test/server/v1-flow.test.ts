// The TML flow through the /v1 API and the SDK: the same operations as the VIPER face, with JSON
// bodies, status codes and problem details naming the field.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient, type PreprocessRequest } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let admin: TmlClient;
let user: TmlClient;
before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://127.0.0.1:${address.port}`;
  admin = new TmlClient({ url, token: server.admin });
  user = new TmlClient({ url, token: server.user });
});
after(async () => {
  await server.close();
});

async function rejects(
  call: Promise<unknown>,
  status: number,
  parameterOrCode: string | RegExp,
): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof TmlApiError, String(e));
    assert.equal(e.status, status, `${e.status} ${e.code} ${e.parameter} ${e.message}`);
    if (typeof parameterOrCode === 'string') assert.equal(e.parameter, parameterOrCode, e.message);
    else assert.match(e.message, parameterOrCode);
    return true;
  });
}

test('the flow through the SDK: join, training set, model, predictions, optimum, anomalies', async () => {
  const streams = ['v1-y', 'v1-a', 'v1-b'];
  const producers: string[] = [];
  for (const s of streams) producers.push((await admin.createTopic({ topic: s })).producerId);
  const a = Array.from({ length: 80 }, (_, i) => (i * 13) % 50);
  const b = Array.from({ length: 80 }, (_, i) => (i * 7) % 40);
  const y = a.map((v, i) => 3 * v + b[i]);
  await user.produceBulk(streams[0], producers[0], y);
  await user.produceBulk(streams[1], producers[1], a);
  await user.produceBulk(streams[2], producers[2], b);

  const join = await admin.createJoinTopic({ topic: 'v1-joined', streams });
  assert.equal(join.existed, false);
  assert.deepEqual(join.streams, streams);
  assert.equal((await admin.createJoinTopic({ topic: 'v1-joined', streams })).producerId, join.producerId);
  const joined = await user.produceJoined('v1-joined', { producerId: join.producerId, maxRows: 60 });
  assert.equal(joined.rows, 60);
  const joinedConsumer = (await user.subscribe('v1-joined')).consumerId;
  const read = await user.consumeJoined(joinedConsumer, { offset: 0 });
  assert.deepEqual((read.records[0].value as { streams: string[] }).streams, streams);

  const trainingProducer = (await admin.createTopic({ topic: 'v1-training' })).producerId;
  const set = await user.createTrainingSet({
    consumeFrom: 'v1-joined',
    produceTo: 'v1-training',
    dependentVariable: streams[0],
    independentVariables: streams.slice(1),
    consumerId: joinedConsumer,
    producerId: trainingProducer,
  });
  assert.equal(set.rows, 60);
  const trainingConsumer = (await user.subscribe('v1-training')).consumerId;
  const paramsProducer = (await admin.createTopic({ topic: 'v1-params' })).producerId;
  const model = await user.trainModel({
    consumeFrom: 'v1-training',
    produceTo: 'v1-params',
    consumerId: trainingConsumer,
    producerId: paramsProducer,
    modelruns: 10,
  });
  assert.equal(model.algokey, `${trainingConsumer}_json`);
  assert.ok(model.forecastAccuracy > 0.9 && model.forecastAccuracy <= 1);
  assert.ok(model.leaderboard.length >= 5);

  const predictionsProducer = (await admin.createTopic({ topic: 'v1-predictions' })).producerId;
  const one = await user.predict({
    algokey: model.algokey,
    produceTo: 'v1-predictions',
    producerId: predictionsProducer,
    inputs: [10, 20],
    explain: true,
  });
  assert.ok(Math.abs(one.predictions[0].prediction - 50) < 3, String(one.predictions[0].prediction));
  // The interval and the contributions reach the reply: contributions add up to the prediction.
  const { interval, explanation } = one.predictions[0];
  assert.ok(interval && interval.coverage === 0.9 && interval.lower <= one.predictions[0].prediction);
  assert.ok(Math.abs(interval.upper + interval.lower - 2 * one.predictions[0].prediction) < 1e-9);
  assert.deepEqual(Object.keys(explanation!.contributions), streams.slice(1));
  const added = Object.values(explanation!.contributions).reduce((p, q) => p + q, explanation!.baseValue);
  assert.ok(Math.abs(added - one.predictions[0].prediction) < 1e-9, `${added}`);
  await assert.rejects(
    user.predict({
      algokey: model.algokey,
      produceTo: 'v1-predictions',
      producerId: predictionsProducer,
      inputs: [10, 20],
      coverage: 1.5,
    }),
    /coverage/,
  );
  const paramsConsumer = (await user.subscribe('v1-params')).consumerId;
  const many = await user.predict({
    consumeFrom: 'v1-params',
    consumerId: paramsConsumer,
    produceTo: 'v1-predictions',
    producerId: predictionsProducer,
    stream: 'v1-joined',
    maxRows: 7,
  });
  assert.equal(many.predictions.length, 7);

  const optimalProducer = (await admin.createTopic({ topic: 'v1-optimal' })).producerId;
  const optimum = await user.optimize({
    algokey: model.algokey,
    produceTo: 'v1-optimal',
    producerId: optimalProducer,
    minimize: false,
  });
  assert.equal(optimum.objective, 'Maximization');
  for (const bound of optimum.bounds) {
    const v = optimum.optimalValues[bound.variable];
    assert.ok(v >= bound.min && v <= bound.max);
  }

  const peerProducer = (await admin.createTopic({ topic: 'v1-peers' })).producerId;
  const peers = await user.trainPeerGroups({
    consumeFrom: 'v1-joined',
    consumerId: joinedConsumer,
    produceTo: 'v1-peers',
    producerId: peerProducer,
    streams: streams.slice(1),
    flags: `topic=${streams[1]},lag=5,zthresh=3`,
  });
  assert.equal(peers.peerGroups.length, 2);
  const peersConsumer = (await user.subscribe('v1-peers')).consumerId;
  const risk = await user.scoreAnomalies({
    consumeFrom: 'v1-peers',
    consumerId: peersConsumer,
    inputStream: 'v1-joined',
    produceTo: 'v1-predictions',
    producerId: predictionsProducer,
    streams: streams.slice(1),
  });
  assert.ok(risk.risk >= 0 && risk.risk <= 1 && risk.scores.length === 2);

  const pre = await user.preprocess('v1-joined', {
    producerId: join.producerId,
    maxRows: 5,
    logic: ['count'],
  });
  assert.deepEqual(
    pre.items.map((i) => [i.topic, i.value]),
    streams.map((s) => [`${s}_preprocessed_Count`, 5]),
  );
  // conditions, raw data and an offset; MEANCI95 answers 'mean,low,high'
  const window = await user.preprocess('v1-joined', {
    producerId: join.producerId,
    maxRows: 60,
    offset: 0,
    logic: ['count', 'meanci95'],
    streams: [streams[1], streams[2]],
    conditions: `${streams[1]}=n,3`,
    rawData: true,
  });
  const low = window.items[0].rawData ?? [];
  assert.ok(low.length > 0 && low.every((v) => typeof v === 'number' && v <= 3));
  assert.equal(window.items[0].value, low.length);
  assert.equal(window.items[0].conditions, `${streams[1]}=n,3`);
  assert.equal(window.items[0].writtenTo, 'v1-joined');
  assert.match(String(window.items[1].value), /^[\d.]+,[\d.]+,[\d.]+$/);
  // bad input: a problem document naming the field, nothing written
  const before = await user.preprocess('v1-joined', {
    producerId: join.producerId,
    maxRows: 1,
    logic: ['count'],
  });
  const bad: Array<[Partial<PreprocessRequest>, string]> = [
    [{ logic: ['average'] }, 'logic'],
    [{ logic: ['timediff'] }, 'logic'],
    [{ conditions: `${streams[1]}=1` }, 'conditions'],
    [{ conditions: `${streams[1]}=1000,n` }, 'conditions'],
    [{ topicId: 99 }, 'maxRows'],
    [{ preprocessTopic: 'v1-no-such-topic' }, 'preprocessTopic'],
  ];
  for (const [body, field] of bad) {
    await rejects(
      user.preprocess('v1-joined', { producerId: join.producerId, maxRows: 5, logic: ['count'], ...body }),
      field === 'preprocessTopic' ? 404 : 400,
      field,
    );
  }
  const after = await user.preprocess('v1-joined', {
    producerId: join.producerId,
    maxRows: 1,
    logic: ['count'],
  });
  assert.equal(after.items[0].offset, before.items[before.items.length - 1].offset + 1);
  // a stream query on the newest counts (1: the call just above read one record per stream)
  const counted = `${streams[0]}_preprocessed_Count`;
  const query = await user.streamQuery('v1-joined', {
    producerId: join.producerId,
    streams: [counted],
    conditions: `${counted} = 1:${counted} > 1`,
  });
  assert.deepEqual(
    query.results.map((r) => [r.result, r.inputs[counted].value, r.inputs[counted].offset]),
    [
      [1, 1, after.items[0].offset],
      [0, 1, after.items[0].offset],
    ],
  );
  await rejects(
    user.streamQuery('v1-joined', {
      producerId: join.producerId,
      streams: [counted],
      conditions: `${counted} > one`,
    }),
    400,
    'conditions',
  );
  const stats = await user.stats();
  assert.equal(stats.models, 1);
  assert.equal(stats.joinedTopics, 1);

  // bad input: problem details naming the /v1 field
  await rejects(user.createJoinTopic({ topic: 'x', streams }), 403, /admin/);
  await rejects(admin.createJoinTopic({ topic: 'x', streams: ['nope'] }), 404, 'streams');
  await rejects(user.produceJoined('v1-joined', { producerId: join.producerId, maxRows: 0 }), 400, 'maxRows');
  await rejects(
    user.predict({
      algokey: model.algokey,
      produceTo: 'v1-predictions',
      producerId: predictionsProducer,
      inputs: [1],
    }),
    400,
    'inputs',
  );
  await rejects(
    user.predict({
      algokey: 'nope_json',
      produceTo: 'v1-predictions',
      producerId: predictionsProducer,
      inputs: [1, 2],
    }),
    404,
    'algokey',
  );
  await rejects(
    user.predict({ algokey: model.algokey, produceTo: 'v1-predictions', producerId: predictionsProducer }),
    400,
    'inputs',
  );
  await rejects(
    user.trainModel({
      consumeFrom: 'v1-training',
      produceTo: 'v1-params',
      consumerId: trainingConsumer,
      producerId: paramsProducer,
      modelruns: 0,
    }),
    400,
    'modelruns',
  );
  await rejects(
    user.optimize({
      algokey: model.algokey,
      produceTo: 'v1-optimal',
      producerId: optimalProducer,
      constraints: 'zz:1:2',
    }),
    400,
    'constraints',
  );
  // too short: a joined record of 20 rows
  await user.produceJoined('v1-joined', { producerId: join.producerId, maxRows: 20 });
  await rejects(
    user.createTrainingSet({
      consumeFrom: 'v1-joined',
      produceTo: 'v1-training',
      dependentVariable: streams[0],
      independentVariables: streams.slice(1),
      consumerId: joinedConsumer,
      producerId: trainingProducer,
    }),
    400,
    /at least 30 aligned rows/,
  );
});

test('the flow operations are in the OpenAPI document', async () => {
  const doc = (await server.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  for (const id of [
    'createJoinTopic',
    'produceJoined',
    'preprocess',
    'streamQuery',
    'createTrainingSet',
    'trainModel',
    'predict',
    'optimize',
    'trainPeerGroups',
    'scoreAnomalies',
    'stats',
    'consumeJoined',
  ]) {
    assert.ok(ids.includes(id), `${id} in /v1/openapi.json`);
  }
});
