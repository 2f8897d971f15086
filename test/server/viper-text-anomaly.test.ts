// Anomalies on text through the VIPER face: topictype=string peer groups (how often each value occurs
// in the joined window), the newest value scored by its rarity, VIPER's string rules
// (`stringcontains`, `v2=a^b|c`, `sc`), the alert record of an alerting score, and bad rule syntax
// answering an ERROR that names `flags` with nothing written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopic, subscribe } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function records(topic: string): Promise<number> {
  const offsets = await server.backbone.listOffsets(topic);
  return offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
}

interface Scored {
  ERROR?: string;
  Alert: boolean;
  Risk: number;
  Scores: Array<{ Stream: string; Text?: string; Value: number; Score: number; Anomaly: boolean }>;
}

test('a text stream: peer group of its values, rarity scores and string rules', async () => {
  const statusProducer = await createTopic(server, 'door-status');
  const tempProducer = await createTopic(server, 'door-temp');
  // 10 values: ok ×7, warn ×3 (text); temperatures steady
  const produce = (topic: string, producerid: string, values: Array<string | number>) =>
    viper(server.app, 'producetotopicbulk', {
      vipertoken: server.user,
      topic,
      producerid,
      externalprediction: values.join(','),
    });
  await produce('door-status', statusProducer, [
    'ok',
    'ok',
    'warn',
    'ok',
    'ok',
    'warn',
    'ok',
    'ok',
    'warn',
    'ok',
  ]);
  await produce('door-temp', tempProducer, [20, 21, 20, 22, 21, 20, 21, 22, 20, 21]);
  const joined = await viper(server.app, 'createjointopicstreams', {
    vipertoken: server.admin,
    topicname: 'door-joined',
    topicstojoin: 'door-status,door-temp',
  });
  const joinedProducer = String(joined.ProducerId);
  const join = () =>
    viper(server.app, 'producetotopicstream', {
      vipertoken: server.user,
      topicname: 'door-joined',
      producerid: joinedProducer,
      offset: -1,
      maxrows: 10,
    });
  await join();
  const joinedConsumer = await subscribe(server, 'door-joined');
  const peerProducer = await createTopic(server, 'door-peers');
  const outProducer = await createTopic(server, 'door-anomalies');
  const trained = await viper(server.app, 'viperanomalytrain', {
    vipertoken: server.user,
    consumefrom: 'door-joined',
    consumerid: joinedConsumer,
    producepeergroupto: 'door-peers',
    produceridpeergroup: peerProducer,
    streamstoanalyse: 'door-status,door-temp',
    flags: 'topic=door-status,topictype=string~topic=door-temp,topictype=numeric,lag=5,zthresh=3',
  });
  assert.equal(trained.ERROR, undefined, JSON.stringify(trained));
  const peersConsumer = await subscribe(server, 'door-peers');
  const score = (flags: string) =>
    viper<Scored>(server.app, 'viperanomalypredict', {
      vipertoken: server.user,
      consumefrom: 'door-peers',
      consumerid: peersConsumer,
      consumeinputstream: 'door-joined',
      produceto: 'door-anomalies',
      producerid: outProducer,
      streamstoanalyse: 'door-status,door-temp',
      flags,
    });

  // the newest status is 'ok': 7 of the 10 values, share 0.7, score 0.3, seen: no anomaly
  const calm = await score('riskscore=0.5');
  assert.equal(calm.ERROR, undefined, JSON.stringify(calm));
  const status = calm.Scores.find((s) => s.Stream === 'door-status');
  assert.deepEqual(status && [status.Text, status.Value, Number(status.Score.toFixed(12)), status.Anomaly], [
    'ok',
    0.7,
    0.3,
    false,
  ]);
  assert.equal(calm.Alert, false);

  // 'warn' is 3 of 10: sc = 0.7 > .6 holds; a pattern on it holds; 'fire' was never seen
  await produce('door-status', statusProducer, ['warn']);
  await produce('door-temp', tempProducer, [21]);
  await join();
  const rare = await score('type=and,topic=door-status,topictype=string,sc>.6');
  assert.equal(rare.Scores[0].Anomaly, true);
  const contains = await score('type=or,topic=door-status,topictype=string,stringcontains=1,v2=fire|ar^wa');
  assert.equal(contains.Scores[0].Anomaly, true); // 'warn' contains 'ar' and 'wa'
  const exact = await score('type=or,topic=door-status,topictype=string,stringcontains=0,v2=fire|ar^wa');
  assert.equal(exact.Scores[0].Anomaly, false); // 'warn' is neither 'fire' nor both 'ar' and 'wa'
  const before = await records('door-anomalies');

  await produce('door-status', statusProducer, ['fire']);
  await produce('door-temp', tempProducer, [21]);
  await join();
  const unseen = await score('riskscore=0.5');
  const fire = unseen.Scores[0];
  assert.deepEqual([fire.Text, fire.Value, fire.Score, fire.Anomaly], ['fire', 0, 1, true]);
  // severity 1²/(1² + 0.5²) = 0.8 ≥ riskscore 0.5: an alert, and its alert record after the anomaly record
  assert.ok(Math.abs(unseen.Risk - 0.8) < 1e-12, String(unseen.Risk));
  assert.equal(unseen.Alert, true);
  assert.equal(await records('door-anomalies'), before + 2);

  // bad rules: ERROR naming flags, nothing written
  for (const [flags, part] of [
    ['topic=door-status,topictype=string,v2=a^^b', 'a^^b'],
    ['topic=door-status,topictype=string,stringcontains=yes', 'stringcontains'],
    ['topic=door-temp,topictype=numeric,v2=hot', 'topictype=string'],
    ['topic=door-temp,topictype=string,v2=hot', "door-temp' has a numeric peer group"],
  ]) {
    const bad = await score(flags);
    assert.match(String(bad.ERROR), /flags/, flags);
    assert.ok(String(bad.ERROR).includes(part), `${flags}: ${bad.ERROR}`);
  }
  assert.equal(await records('door-anomalies'), before + 2);
});
