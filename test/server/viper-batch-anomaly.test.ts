// The anomaly batch endpoints' controls, read as viperanomalytrain/viperanomalypredict read them:
// viperanomalytrainbatch publishes each window's peer groups to producepeergroupto labelled with
// produceridpeergroup and filed under fullpathtotrainingdata; timeout bounds each window's learning (a
// window past it publishes nothing and the status names the timeout); consumeridproduceto is a
// consumer of produceto. viperanomalypredictbatch names the training's streams and folder, its flags
// decide each row's anomalies, rollbackoffsets scores stored rows first, timeout bounds each cycle's
// scoring, consumeinputstream carries the streams scored and consumeridinputstream counts the reads.
// Each bad value: an ERROR naming it, nothing created or changed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { viperRecordShapers } from '../../src/server/viper/solution-records.js';
import { readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { createTopic, produceStreams, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vat', 100);
});
after(async () => {
  await server.close();
});

type Answer = Record<string, unknown> & { ERROR?: string };
const json = (value: Buffer | null) => JSON.parse(value!.toString()) as Record<string, unknown>;

const train = (peers: string, extra: Record<string, unknown> = {}) =>
  viper<Answer>(server.app, 'viperanomalytrainbatch', {
    vipertoken: server.admin,
    consumefrom: flow.joined,
    produceto: 'vat-anomalies',
    producepeergroupto: peers,
    streamstoanalyse: flow.streams[1],
    flags: `topic=${flow.streams[1]},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`,
    rollbackoffsets: 60,
    ...extra,
  });

test('bad anomaly training controls answer an ERROR naming them and create nothing', async () => {
  const catalog = await openSolutionCatalog(server.backbone);
  const peersProducer = await createTopic(server, 'vat-bad-peers');
  const otherReader = await subscribe(server, flow.streams[0]);
  for (const [extra, pattern] of [
    [{ timeout: 0 }, /timeout/],
    [{ timeout: -5 }, /timeout/],
    [{ timeout: 90_000 }, /timeout/],
    [{ timeout: 'soon' }, /timeout/],
    [{ fullpathtotrainingdata: 'models/\u0001a' }, /fullpathtotrainingdata.*control characters/],
    [
      { produceridpeergroup: flow.joinedProducer },
      /produceridpeergroup.*not the producer id of 'vat-bad-peers'/,
    ],
    [{ produceridpeergroup: 'nosuch' }, /produceridpeergroup/],
    [{ consumeridproduceto: 'nosuch' }, /consumeridproduceto/],
    [{ consumeridproduceto: otherReader }, /consumeridproduceto/],
  ] as const) {
    const y = await train('vat-bad-peers', { produceridpeergroup: peersProducer, ...extra });
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.deepEqual(
    (await catalog.list()).map((v) => v.name),
    [],
  );
  assert.deepEqual(await readTopic(server.backbone, 'vat-bad-peers'), []);
});

test('each window publishes its peer groups to producepeergroupto, labelled and filed under the folder', async () => {
  const peersProducer = await createTopic(server, 'vat-peers');
  await createTopic(server, 'vat-anomalies');
  const reader = await subscribe(server, 'vat-anomalies');
  const y = await train('vat-peers', {
    produceridpeergroup: peersProducer,
    consumeridproduceto: reader,
    fullpathtotrainingdata: './models/peers/',
    timeout: 60,
  });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const catalog = await openSolutionCatalog(server.backbone);
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      assert.ok((await readTopic(server.backbone, 'vat-peers')).length >= 1);
    }, 30_000);
    const record = json((await readTopic(server.backbone, 'vat-peers'))[0].value);
    assert.equal(record.ProducerId, peersProducer);
    assert.equal(record.Fullpathtotrainingdata, 'models/peers');
    assert.deepEqual(record.Streams, [flow.streams[1]]);
    const [group] = record.PeerGroups as Array<{ stream: string; window: { count: number; mean: number } }>;
    assert.equal(group.stream, flow.streams[1]);
    // the window: the newest 60 values of the stream, averaged here independently
    const values = (await readTopic(server.backbone, flow.streams[1])).map((r) =>
      Number(r.value!.toString()),
    );
    const newest = values.slice(-group.window.count);
    assert.equal(group.window.count, 60);
    assert.ok(Math.abs(group.window.mean - newest.reduce((a, b) => a + b, 0) / newest.length) < 1e-9);
    assert.equal((await catalog.describe('viper-anomaly-vat-peers')).status?.problems?.length ?? 0, 0);
  } finally {
    await worker.close();
  }
});

test('a window whose peer-group learning passes timeout publishes nothing, and the status names it', async () => {
  // one microsecond: the learning (after a turn of the event loop) always takes longer
  const y = await train('vat-slow-peers', { timeout: 0.000001 });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const catalog = await openSolutionCatalog(server.backbone);
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      const view = await catalog.describe('viper-anomaly-vat-slow-peers');
      assert.match(
        String(view.status?.problems?.at(-1)?.message),
        /peer groups not published: timeout of 0.000001 s passed/,
      );
    }, 30_000);
    assert.deepEqual(await readTopic(server.backbone, 'vat-slow-peers').catch(() => []), []);
  } finally {
    await worker.close();
  }
});

test('viperanomalypredictbatch must name the streams and folder of the training solution', async () => {
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vat-peers')).spec);
  const predict = (extra: Record<string, unknown>) =>
    viper<Answer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vat-peers',
      produceto: 'vat-anomalies',
      streamstoanalyse: flow.streams[1],
      ...extra,
    });
  for (const [extra, pattern] of [
    [{ streamstoanalyse: flow.streams[2] }, /streamstoanalyse.*vat-iv2.*learns peer groups of 'vat-iv1'/],
    [{ streamstoanalyse: `${flow.streams[1]},${flow.streams[2]}` }, /streamstoanalyse/],
    [{ fullpathtopeergroupdata: 'models/other' }, /fullpathtopeergroupdata.*models\/other.*models\/peers/],
    [{ fullpathtopeergroupdata: 'a\u0002b' }, /fullpathtopeergroupdata.*control characters/],
  ] as const) {
    const y = await predict(extra);
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vat-peers')).spec), before);
  // the same streams and folder, spelt another way: accepted (the update sets the scoring timeout)
  const y = await predict({ fullpathtopeergroupdata: './models/peers/' });
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  assert.equal((await catalog.describe('viper-anomaly-vat-peers')).spec.registry?.folder, 'models/peers');

  // without a training solution the peer groups the new solution learns are filed under the folder
  const created = await predict({ consumefrom: 'vat-untrained-peers', fullpathtopeergroupdata: 'models/u/' });
  assert.equal(created.Action, 'created', JSON.stringify(created));
  const { spec } = await catalog.describe('viper-anomaly-vat-untrained-peers');
  assert.deepEqual(spec.registry, { deploy: true, predictWith: 'champion', folder: 'models/u' });
});

test("viperanomalypredictbatch's flags decide each row's anomalies as viperanomalypredict's do", async () => {
  const stream = flow.streams[2];
  const trained = await train('vat-rule-peers', {
    produceto: 'vat-rule-anomalies',
    streamstoanalyse: stream,
    flags: `topic=${stream},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`,
  });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vat-rule-peers')).spec);
  const predict = (flags: string) =>
    viper<Answer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vat-rule-peers',
      produceto: 'vat-rule-anomalies',
      streamstoanalyse: stream,
      flags,
    });
  for (const [flags, pattern] of [
    [`riskscore=0.5~topic=${stream},topictype=numeric,lag=7`, /flags.*lag=7.*lag=5/],
    [`riskscore=0.5~topic=${stream},topictype=numeric,zthresh=2`, /flags.*zthresh=2.*zthresh=3/],
    [
      `riskscore=0.5~topic=${flow.streams[1]},topictype=numeric,v1>1`,
      /flags.*vat-iv1.*not in streamstoanalyse/,
    ],
    [`riskscore=2~topic=${stream},topictype=numeric,v1>1`, /flags.*riskscore/],
    [`complete=some~topic=${stream},topictype=numeric,v1>1`, /flags.*complete/],
  ] as const) {
    const y = await predict(flags);
    assert.match(String(y.ERROR), pattern, flags);
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vat-rule-peers')).spec), before);
  // every value of the stream is at least 0: under this rule every row is anomalous (the peer group
  // alone finds none in these rows), and riskscore 0.05 alerts on risks the default 0.5 would not
  const y = await predict(`riskscore=0.05~complete=or~type=or,topic=${stream},topictype=numeric,v1>-1`);
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      assert.ok(((await catalog.describe('viper-anomaly-vat-rule-peers')).status?.retrains ?? 0) >= 1);
    }, 30_000);
    await produceStreams(server, flow.streams, flow.producers, 10);
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vat-rule-anomalies')).length, 10),
      30_000,
    );
    const risks = (await readTopic(server.backbone, 'vat-rule-anomalies')).map((r) => json(r.value));
    for (const risk of risks) {
      assert.deepEqual(risk.anomalousStreams, [stream], JSON.stringify(risk));
      assert.equal(risk.alert, (risk.risk as number) >= 0.05, JSON.stringify(risk));
    }
    assert.ok(
      risks.some((r) => r.alert === true && (r.risk as number) < 0.5),
      JSON.stringify(risks.map((r) => r.risk)),
    );
  } finally {
    await worker.close();
  }
});

test('viperanomalypredictbatch rollbackoffsets: a new solution first scores that share of its window', async () => {
  const trained = await train('vat-roll-peers', { produceto: 'vat-roll-anomalies' });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vat-roll-peers')).spec);
  const predict = (rollbackoffsets: number | string) =>
    viper<Answer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vat-roll-peers',
      produceto: 'vat-roll-anomalies',
      rollbackoffsets,
    });
  for (const bad of [101, -1, 'most']) {
    assert.match(String((await predict(bad)).ERROR), /rollbackoffsets/, String(bad));
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vat-roll-peers')).spec), before);
  // 50% of the 60-row window: the newest 30 stored rows are scored before any new one arrives
  const y = await predict(50);
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  assert.equal((await catalog.describe('viper-anomaly-vat-roll-peers')).spec.io?.startOffset, -30);
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    const stored = (await readTopic(server.backbone, flow.streams[1])).map((r) =>
      Number(r.value!.toString()),
    );
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vat-roll-anomalies')).length, 30),
      30_000,
    );
    const scored = (await readTopic(server.backbone, 'vat-roll-anomalies')).map(
      (r) => (json(r.value).Values as Record<string, number>)[flow.streams[1]],
    );
    assert.deepEqual(scored, stored.slice(-30));
  } finally {
    await worker.close();
  }
});

test('viperanomalypredictbatch timeout: a cycle whose scoring passes it publishes no scores', async () => {
  const trained = await train('vat-late-peers', { produceto: 'vat-late-anomalies' });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vat-late-peers')).spec);
  const predict = (timeout: number | string) =>
    viper<Answer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vat-late-peers',
      produceto: 'vat-late-anomalies',
      rollbackoffsets: 50,
      timeout,
    });
  for (const bad of [0, -1, 90_000, 'later']) {
    assert.match(String((await predict(bad)).ERROR), /timeout/, String(bad));
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vat-late-peers')).spec), before);
  // one microsecond: a cycle (fetching its rows, then scoring them) always takes longer; the 30
  // stored rows rollbackoffsets asks for are scored in such a cycle, and none is published
  const y = await predict(0.000001);
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(async () => {
      const view = await catalog.describe('viper-anomaly-vat-late-peers');
      assert.match(
        String(view.status?.problems?.at(-1)?.message),
        /anomaly scores not published: timeout of 0.000001 s passed/,
      );
    }, 30_000);
    assert.deepEqual(await readTopic(server.backbone, 'vat-late-anomalies').catch(() => []), []);
  } finally {
    await worker.close();
  }
});

test('viperanomalypredictbatch consumeinputstream carries the streams scored; consumeridinputstream counts the reads', async () => {
  const trained = await train('vat-input-peers', { produceto: 'vat-input-anomalies' });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const catalog = await openSolutionCatalog(server.backbone);
  const before = JSON.stringify((await catalog.describe('viper-anomaly-vat-input-peers')).spec);
  const otherReader = await subscribe(server, flow.streams[0]);
  const predict = (extra: Record<string, unknown>) =>
    viper<Answer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vat-input-peers',
      produceto: 'vat-input-anomalies',
      rollbackoffsets: 50,
      consumeinputstream: flow.joined,
      ...extra,
    });
  for (const [extra, pattern] of [
    [{ consumeinputstream: flow.streams[0] }, /consumeinputstream.*not 'vat-iv1'/],
    [{ consumeinputstream: 'vat-nosuch' }, /consumeinputstream/],
    [{ consumeridinputstream: 'nosuch' }, /consumeridinputstream/],
    [{ consumeridinputstream: otherReader }, /consumeridinputstream/],
    [
      { consumeinputstream: '', consumeridinputstream: flow.joinedConsumer },
      /consumeridinputstream.*without/,
    ],
  ] as const) {
    const y = await predict(extra);
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.equal(JSON.stringify((await catalog.describe('viper-anomaly-vat-input-peers')).spec), before);
  const y = await predict({ consumeridinputstream: flow.joinedConsumer });
  assert.equal(y.Action, 'updated', JSON.stringify(y));
  assert.equal(
    (await catalog.describe('viper-anomaly-vat-input-peers')).spec.io?.consumerId,
    flow.joinedConsumer,
  );
  const usage = async () =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/v1/aims',
        headers: { authorization: `Bearer ${server.admin}` },
      })
    )
      .json<{ consumers: Array<{ consumerId: string; recordsRead: number }> }>()
      .consumers.find((c) => c.consumerId === flow.joinedConsumer)?.recordsRead ?? 0;
  const readBefore = await usage();
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  worker.on('read', (r) => server.app.noteSolutionRead(r.consumerId, r.bytes, r.records));
  try {
    // the 30 stored rows rollbackoffsets asks for are read (and scored): they count for the consumer
    await eventually(
      async () => assert.equal((await readTopic(server.backbone, 'vat-input-anomalies')).length, 30),
      30_000,
    );
    await eventually(async () => assert.ok((await usage()) - readBefore >= 30), 10_000);
  } finally {
    await worker.close();
  }
});
