// The seed flow's set-up through the VIPER face, shared by the flow and bad-input tests: three
// streams with a learnable relation, joined, rolled back, turned into a training set and trained.
import assert from 'node:assert/strict';
import { CONTACT, viper, type TestServer } from './helpers.js';

export interface FlowIds {
  streams: string[];
  producers: Record<string, string>;
  joined: string;
  joinedProducer: string;
  joinedConsumer: string;
  training: string;
  trainingProducer: string;
  trainingConsumer: string;
  params: string;
  paramsProducer: string;
  paramsConsumer: string;
  predictions: string;
  predictionsProducer: string;
  optimal: string;
  optimalProducer: string;
  algokey: string;
}

export async function createTopic(server: TestServer, topic: string): Promise<string> {
  const y = await viper<{ ProducerId: string }>(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic,
    ...CONTACT,
    numpartitions: 1,
  });
  assert.ok(y.ProducerId, `createtopics ${topic}: ${JSON.stringify(y)}`);
  return y.ProducerId;
}

export async function subscribe(server: TestServer, topic: string): Promise<string> {
  const y = await viper<{ Consumerid: string }>(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic,
    ...CONTACT,
  });
  assert.ok(y.Consumerid, `subscribeconsumer ${topic}: ${JSON.stringify(y)}`);
  return y.Consumerid;
}

/** y = 2·x1 − x2 + 5 + small noise, `rows` values per stream. */
export async function produceStreams(
  server: TestServer,
  streams: string[],
  producers: Record<string, string>,
  rows: number,
) {
  const x1 = Array.from({ length: rows }, (_, i) => (i * 37) % 100);
  const x2 = Array.from({ length: rows }, (_, i) => (i * 53) % 90);
  const y = x1.map((v, i) => 2 * v - x2[i] + 5 + ((i % 7) - 3) * 0.1);
  for (const [stream, values] of [
    [streams[0], y],
    [streams[1], x1],
    [streams[2], x2],
  ] as const) {
    const r = await viper<{ Records: number }>(server.app, 'producetotopicbulk', {
      vipertoken: server.user,
      topic: stream,
      producerid: producers[stream],
      externalprediction: values.join(','),
    });
    assert.equal(r.Records, rows);
  }
}

export async function setUpFlow(server: TestServer, prefix: string, rows = 100): Promise<FlowIds> {
  const streams = [`${prefix}-dv`, `${prefix}-iv1`, `${prefix}-iv2`];
  const producers: Record<string, string> = {};
  for (const s of streams) producers[s] = await createTopic(server, s);
  await produceStreams(server, streams, producers, rows);
  const joined = `${prefix}-joined`;
  const join = await viper<{ ProducerId: string }>(server.app, 'createjointopicstreams', {
    vipertoken: server.admin,
    topicname: joined,
    topicstojoin: streams.join(','),
    ...CONTACT,
  });
  const joinedProducer = join.ProducerId;
  const joinedConsumer = await subscribe(server, joined);
  const stream = await viper<Array<Record<string, unknown>>>(server.app, 'producetotopicstream', {
    vipertoken: server.user,
    topicname: joined,
    producerid: joinedProducer,
    offset: -1,
    maxrows: 50,
  });
  assert.ok(Array.isArray(stream), JSON.stringify(stream));
  const training = `${prefix}-training`;
  const trainingProducer = await createTopic(server, training);
  const data = await viper(server.app, 'createtrainingdata', {
    vipertoken: server.user,
    consumefrom: joined,
    produceto: training,
    dependentvariable: streams[0],
    independentvariables: `${streams[1]},${streams[2]}`,
    consumerid: joinedConsumer,
    producerid: trainingProducer,
    companyname: 'OTICS',
  });
  assert.equal(data.Rows, 50, JSON.stringify(data));
  const trainingConsumer = await subscribe(server, training);
  const params = `${prefix}-params`;
  const paramsProducer = await createTopic(server, params);
  const trained = await viper<{ Algokey: string }>(server.app, 'viperhpdetraining', {
    vipertoken: server.user,
    consumefrom: training,
    produceto: params,
    consumerid: trainingConsumer,
    producerid: paramsProducer,
    companyname: 'OTICS',
    modelruns: 10,
    timeout: 60,
  });
  assert.ok(trained.Algokey, JSON.stringify(trained));
  const paramsConsumer = await subscribe(server, params);
  const predictions = `${prefix}-predictions`;
  const predictionsProducer = await createTopic(server, predictions);
  const optimal = `${prefix}-optimal`;
  const optimalProducer = await createTopic(server, optimal);
  return {
    streams,
    producers,
    joined,
    joinedProducer,
    joinedConsumer,
    training,
    trainingProducer,
    trainingConsumer,
    params,
    paramsProducer,
    paramsConsumer,
    predictions,
    predictionsProducer,
    optimal,
    optimalProducer,
    algokey: trained.Algokey,
  };
}
