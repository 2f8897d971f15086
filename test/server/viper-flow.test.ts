// The TML flow through the VIPER face on the embedded backbone: join, training data, AutoML,
// predictions from values and from a stream, optimisation, anomaly detection, preprocessing, stats.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let ids: FlowIds;
before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'flow');
});
after(async () => {
  await server.close();
});

test('createjointopicstreams answers the seed shape, and WARN when the topic exists', async () => {
  const again = await viper(server.app, 'createjointopicstreams', {
    vipertoken: server.admin,
    topicname: ids.joined,
    topicstojoin: ids.streams.join(','),
    ...CONTACT,
  });
  assert.equal(again.WARN, 'Topic already exists');
  assert.equal(again.Topic, ids.joined);
  assert.equal(again.ProducerId, ids.joinedProducer);
});

test('producetotopicstream writes one joined record of the latest maxrows of each stream', async () => {
  const answer = await viper<Array<Record<string, unknown>>>(server.app, 'producetotopicstream', {
    vipertoken: server.user,
    topicname: ids.joined,
    producerid: ids.joinedProducer,
    offset: -1,
    maxrows: 40,
  });
  assert.equal(answer.length, 4);
  const streams = answer.slice(0, 3);
  assert.deepEqual(
    streams.map((e) => e.Topic),
    ids.streams,
  );
  assert.ok(streams.every((e) => e.Rows === 40 && !('Partition' in e)));
  const last = answer[3];
  assert.equal(last.Topic, ids.joined);
  assert.equal(typeof last.Partition, 'number');
  assert.equal(typeof last.Offset, 'number');
  const { records } = await server.backbone.fetch({
    topic: ids.joined,
    partition: last.Partition as number,
    offset: last.Offset as number,
  });
  const joined = JSON.parse(records[0].value!.toString()) as { values: Record<string, number[]> };
  assert.equal(joined.values[ids.streams[1]].length, 40);
  assert.equal(joined.values[ids.streams[1]].at(-1), (99 * 37) % 100);
});

test('viperhpdetraining answers the seed keys and registers the model under its algokey', async () => {
  const trained = await viper(server.app, 'viperhpdetraining', {
    vipertoken: server.user,
    consumefrom: ids.training,
    produceto: ids.params,
    consumerid: ids.trainingConsumer,
    producerid: ids.paramsProducer,
    companyname: 'OTICS',
    modelruns: 10,
    timeout: 60,
  });
  assert.equal(trained.Algokey, `${ids.trainingConsumer}_json`);
  assert.match(String(trained.Algo), new RegExp(`^${ids.trainingConsumer}_json\\w+$`));
  assert.equal(trained.DependentVariable, ids.streams[0]);
  assert.equal(trained.Fieldnames, `Date,${ids.streams[1]},${ids.streams[2]}`);
  const accuracy = trained.Forecastaccuracy as number;
  assert.ok(accuracy >= 0.9 && accuracy <= 1, `a linear relation is learnt: ${accuracy}`);
  assert.equal(trained.Modelruns, 10);
  assert.equal(trained.Islogistic, 0);
  assert.ok(Array.isArray(trained.Leaderboard) && (trained.Leaderboard as unknown[]).length >= 5);
  assert.equal(typeof trained.Partition, 'number');
  assert.equal((await server.store.models.resolve(ids.algokey))?.record?.topic, ids.params);
});

test('viperhpdepredict from values and from the joined stream', async () => {
  const one = await viper(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    consumefrom: ids.params,
    consumerid: ids.paramsConsumer,
    produceto: ids.predictions,
    producerid: ids.predictionsProducer,
    companyname: 'OTICS',
    inputdata: '40,30',
    hpdehost: 'ignored',
    pathtoalgos: 'ignored',
  });
  assert.ok(Math.abs((one.Hyperprediction as number) - (2 * 40 - 30 + 5)) < 5, String(one.Hyperprediction));
  assert.equal(one.Inputdata, '40,30');
  assert.equal(one.Algokey, ids.algokey);
  const byKey = await viper(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    algokey: ids.algokey,
    produceto: ids.predictions,
    producerid: ids.predictionsProducer,
    inputdata: '40,30',
    coverage: '0.8',
    explain: '1',
  });
  assert.equal(byKey.Hyperprediction, one.Hyperprediction);
  // tml's additions: the 90% interval by default, 0.8 when asked (narrower), contributions on request.
  const [lower, upper] = [byKey.Lower as number, byKey.Upper as number];
  assert.equal(byKey.Coverage, 0.8);
  assert.ok(Math.abs(upper + lower - 2 * (byKey.Hyperprediction as number)) < 1e-9);
  assert.ok(upper - lower <= (one.Upper as number) - (one.Lower as number));
  assert.equal(one.Coverage, 0.9);
  assert.equal(one.Contributions, undefined);
  const contributions = byKey.Contributions as Record<string, number>;
  const added = Object.values(contributions).reduce((p, q) => p + q, byKey.BaseValue as number);
  assert.ok(Math.abs(added - (byKey.Hyperprediction as number)) < 1e-9);
  const many = await viper<Array<Record<string, unknown>>>(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    consumefrom: ids.params,
    consumerid: ids.paramsConsumer,
    produceto: ids.predictions,
    producerid: ids.predictionsProducer,
    inputdata: ids.joined,
  });
  assert.ok(Array.isArray(many));
  assert.equal(many.length, 40, 'one prediction per row of the latest joined record');
  assert.ok(many.every((p) => Number.isFinite(p.Hyperprediction) && typeof p.Offset === 'number'));
  const limited = await viper<unknown[]>(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    algokey: ids.algokey,
    produceto: ids.predictions,
    producerid: ids.predictionsProducer,
    inputdata: ids.joined,
    maxrows: 5,
  });
  assert.equal(limited.length, 5);
  const offsets = await server.backbone.listOffsets(ids.predictions);
  assert.equal(offsets[0].latest, 1 + 1 + 40 + 5, 'every prediction is written');
});

test('viperhpdeoptimize answers the seed shape with optimal values inside the constraints', async () => {
  for (const ismin of [1, 0]) {
    const opt = await viper<{
      OptimizedValues: {
        Objective: string;
        ObjectiveFunctionValue: number;
        OptimalValues: Array<Record<string, number>>;
      };
      Constraints: Array<{ Max: number; Min: number; Variable: string }>;
      DescriptiveStats: unknown[];
      AdditionDetails: Record<string, unknown>;
    }>(server.app, 'viperhpdeoptimize', {
      vipertoken: server.user,
      consumefrom: ids.params,
      consumerid: ids.paramsConsumer,
      produceto: ids.optimal,
      producerid: ids.optimalProducer,
      companyname: 'OTICS',
      ismin,
    });
    assert.equal(opt.OptimizedValues.Objective, ismin ? 'Minimization' : 'Maximization');
    assert.equal(opt.Constraints.length, 2);
    for (const c of opt.Constraints) {
      const v = opt.OptimizedValues.OptimalValues.find((o) => c.Variable in o)![c.Variable];
      assert.ok(v >= c.Min - 1e-9 && v <= c.Max + 1e-9, `${c.Variable}=${v} in [${c.Min}, ${c.Max}]`);
    }
    // y = 2·x1 − x2 + 5 is maximal at x1 max, x2 min
    if (!ismin) assert.ok(opt.OptimizedValues.ObjectiveFunctionValue > 150);
    assert.equal(typeof opt.AdditionDetails.Partition, 'number');
  }
  const bounded = await viper<{ OptimizedValues: { OptimalValues: Array<Record<string, number>> } }>(
    server.app,
    'viperhpdeoptimize',
    {
      vipertoken: server.user,
      consumefrom: ids.params,
      consumerid: ids.paramsConsumer,
      produceto: ids.optimal,
      producerid: ids.optimalProducer,
      ismin: 0,
      constraints: `${ids.streams[1]}:10:20`,
    },
  );
  const x1 = bounded.OptimizedValues.OptimalValues[0][ids.streams[1]];
  assert.ok(x1 >= 10 && x1 <= 20, String(x1));
});

test('viperanomalytrain and viperanomalypredict: peer groups, then a risk for the newest values', async () => {
  const peer = 'flow-peergroups';
  const peerProducer = await createTopic(server, peer);
  const alerts = 'flow-anomalies';
  const alertsProducer = await createTopic(server, alerts);
  const flags = ids.streams
    .slice(1)
    .map((s) => `topic=${s},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`)
    .join('~');
  const trained = await viper<{ PeerGroups: Array<{ Stream: string; Count: number }>; Partition: number }>(
    server.app,
    'viperanomalytrain',
    {
      vipertoken: server.user,
      consumefrom: ids.joined,
      consumerid: ids.joinedConsumer,
      producepeergroupto: peer,
      produceridpeergroup: peerProducer,
      streamstoanalyse: ids.streams.slice(1).join(','),
      flags,
      companyname: 'OTICS',
    },
  );
  assert.deepEqual(
    trained.PeerGroups.map((g) => g.Stream),
    ids.streams.slice(1),
  );
  assert.equal(typeof trained.Partition, 'number');
  const peerConsumer = await subscribe(server, peer);
  const scored = await viper<{
    Risk: number;
    Scores: Array<{ Stream: string; Probability: number }>;
    Offset: number;
  }>(server.app, 'viperanomalypredict', {
    vipertoken: server.user,
    consumefrom: peer,
    consumerid: peerConsumer,
    consumeinputstream: ids.joined,
    produceto: alerts,
    producerid: alertsProducer,
    streamstoanalyse: ids.streams.slice(1).join(','),
    flags: `riskscore=0.5~complete=or~type=or,topic=${ids.streams[1]},topictype=numeric,v1>1000,sc>3`,
  });
  assert.ok(scored.Risk >= 0 && scored.Risk <= 1);
  assert.equal(scored.Scores.length, 2);
  assert.equal(scored.Offset, 0);
});

test('viperanomalytrain rollbackoffsets learns from the newest share; consumeridinputstream must read the input', async () => {
  const peer = 'flow-peers-rollback';
  const peerProducer = await createTopic(server, peer);
  const trained = await viper<{ PeerGroups: Array<{ Stream: string; Count: number; Mean: number }> }>(
    server.app,
    'viperanomalytrain',
    {
      vipertoken: server.user,
      consumefrom: ids.joined,
      consumerid: ids.joinedConsumer,
      producepeergroupto: peer,
      produceridpeergroup: peerProducer,
      streamstoanalyse: ids.streams[1],
      flags: `topic=${ids.streams[1]},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`,
      companyname: 'OTICS',
      rollbackoffsets: 20,
    },
  );
  // 20 % of the newest joined record's values of the stream: its newest ⌈n/5⌉
  const [{ latest }] = await server.backbone.listOffsets(ids.joined);
  const { records } = await server.backbone.fetch({ topic: ids.joined, partition: 0, offset: latest - 1 });
  const all = (JSON.parse(records[0].value!.toString()) as { values: Record<string, number[]> }).values[
    ids.streams[1]
  ];
  const newest = all.slice(all.length - Math.ceil(all.length / 5));
  assert.ok(newest.length < all.length);
  assert.equal(trained.PeerGroups[0].Count, newest.length, JSON.stringify(trained));
  assert.ok(Math.abs(trained.PeerGroups[0].Mean - newest.reduce((a, b) => a + b, 0) / newest.length) < 1e-9);
  const bad = await viper(server.app, 'viperanomalytrain', {
    vipertoken: server.user,
    consumefrom: ids.joined,
    consumerid: ids.joinedConsumer,
    producepeergroupto: peer,
    produceridpeergroup: peerProducer,
    streamstoanalyse: ids.streams[1],
    flags: `topic=${ids.streams[1]},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`,
    companyname: 'OTICS',
    rollbackoffsets: 101,
  });
  assert.match(String(bad.ERROR), /rollbackoffsets/, JSON.stringify(bad));

  const peerConsumer = await subscribe(server, peer);
  const alerts = 'flow-anomalies-checked';
  const alertsProducer = await createTopic(server, alerts);
  const predict = (consumeridinputstream: string) =>
    viper(server.app, 'viperanomalypredict', {
      vipertoken: server.user,
      consumefrom: peer,
      consumerid: peerConsumer,
      consumeinputstream: ids.joined,
      consumeridinputstream,
      produceto: alerts,
      producerid: alertsProducer,
      streamstoanalyse: ids.streams[1],
      flags: 'riskscore=0.5~complete=or',
    });
  for (const [id, pattern] of [
    ['ConsumerId-nobody', /consumeridinputstream.*not subscribed/],
    [peerConsumer, /consumeridinputstream/],
  ] as const) {
    const y = await predict(id);
    assert.match(String(y.ERROR), pattern, JSON.stringify(y));
  }
  assert.deepEqual(await server.backbone.listOffsets(alerts), [{ partition: 0, earliest: 0, latest: 0 }]);
  const ok = await predict(ids.joinedConsumer);
  assert.equal(ok.ERROR, undefined, JSON.stringify(ok));
});

test('preprocessproducetotopicstream writes <stream>_preprocessed_<Type> items', async () => {
  const items = await viper<Array<Record<string, unknown>>>(server.app, 'preprocessproducetotopicstream', {
    vipertoken: server.user,
    topicname: ids.joined,
    producerid: ids.joinedProducer,
    offset: -1,
    maxrows: 10,
    preprocesslogic: 'max,min,avg',
  });
  assert.deepEqual(
    items.map((i) => i.Topic),
    [
      `${ids.streams[0]}_preprocessed_Max`,
      `${ids.streams[1]}_preprocessed_Min`,
      `${ids.streams[2]}_preprocessed_Avg`,
    ],
  );
  const x1 = Array.from({ length: 10 }, (_, k) => ((90 + k) * 37) % 100);
  assert.equal(items[1].hyperprediction, String(Math.min(...x1)));
  assert.equal(items[1].Numberofmessages, 10);
  assert.equal(typeof items[2].Offset, 'number');
});

test('consumefromstreamtopic reads joined records as JSON, viperstats counts the registrations', async () => {
  const read = await viper<{ StreamTopicDetails: { TopicReads: Array<{ Value: { streams?: string[] } }> } }>(
    server.app,
    'consumefromstreamtopic',
    {
      vipertoken: server.user,
      topic: ids.joined,
      consumerid: ids.joinedConsumer,
      companyname: 'OTICS',
      offset: 0,
    },
  );
  assert.deepEqual(read.StreamTopicDetails.TopicReads[0].Value.streams, ids.streams);
  const stats = await viper<{ Topics: Array<{ Topic: string }>; Models: number; JoinedTopics: number }>(
    server.app,
    'viperstats',
    { vipertoken: server.user },
  );
  assert.ok(stats.Topics.some((t) => t.Topic === ids.joined));
  assert.equal(stats.Models, 1);
  assert.equal(stats.JoinedTopics, 1);
});
