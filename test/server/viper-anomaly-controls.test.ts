// viperanomalytrain and viperanomalypredict's controls: produceto (the training summary) with its
// producer and consumer ids, produceinputstreamtest with its producer id, rollbackoffsets on
// prediction (every newest row scored), maintopic, the folders, and timeout; bad values name the
// parameter and leave every topic as it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let ids: FlowIds;
const topics = { peers: 'ac-peers', summary: 'ac-summary', alerts: 'ac-alerts', inputs: 'ac-inputs' };
const producer: Record<string, string> = {};
let summaryConsumer = '';
let peersConsumer = '';
let analysed: string[] = [];

before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'ac');
  for (const t of Object.values(topics)) producer[t] = await createTopic(server, t);
  summaryConsumer = await subscribe(server, topics.summary);
  peersConsumer = await subscribe(server, topics.peers);
  analysed = ids.streams.slice(1);
});
after(async () => {
  await server.close();
});

const flags = () =>
  analysed.map((s) => `topic=${s},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5`).join('~');

const train = (extra: Record<string, string | number> = {}) => ({
  vipertoken: server.user,
  consumefrom: ids.joined,
  consumerid: ids.joinedConsumer,
  producepeergroupto: topics.peers,
  produceridpeergroup: producer[topics.peers],
  streamstoanalyse: analysed.join(','),
  flags: flags(),
  companyname: 'OTICS',
  ...extra,
});

const predict = (extra: Record<string, string | number> = {}) => ({
  vipertoken: server.user,
  consumefrom: topics.peers,
  consumerid: peersConsumer,
  consumeinputstream: ids.joined,
  produceto: topics.alerts,
  producerid: producer[topics.alerts],
  streamstoanalyse: analysed.join(','),
  flags: `riskscore=0.5~complete=or~type=or,topic=${analysed[0]},topictype=numeric,v1>1000,sc>3`,
  companyname: 'OTICS',
  ...extra,
});

async function ends(): Promise<number[]> {
  const all = await Promise.all(Object.values(topics).map((t) => server.backbone.listOffsets(t)));
  return all.map((ps) => ps.reduce((n, p) => n + p.latest, 0));
}

async function recordsFrom(topic: string, from: number): Promise<Array<Record<string, unknown>>> {
  const { records } = await server.backbone.fetch({ topic, partition: 0, offset: from, maxRecords: 1000 });
  return records.map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>);
}

test('viperanomalytrain writes the summary to produceto and records maintopic and the folder', async () => {
  const [peersBefore, summaryBefore] = await ends();
  const trained = await viper(
    server.app,
    'viperanomalytrain',
    train({
      produceto: topics.summary,
      producerid: producer[topics.summary],
      consumeridproduceto: summaryConsumer,
      maintopic: ids.joined,
      fullpathtotrainingdata: './peer-data/',
      timeout: 60,
    }),
  );
  assert.equal(trained.ERROR, undefined, JSON.stringify(trained));
  assert.equal(trained.Maintopic, ids.joined);
  const [peerRecord] = await recordsFrom(topics.peers, peersBefore);
  const [summary] = await recordsFrom(topics.summary, summaryBefore);
  assert.deepEqual(summary, peerRecord, 'the summary is the peer-groups record');
  assert.equal(peerRecord.Maintopic, ids.joined);
  assert.equal(peerRecord.Fullpathtotrainingdata, 'peer-data');
  assert.deepEqual(
    (peerRecord.PeerGroups as Array<{ stream: string }>).map((g) => g.stream),
    analysed,
  );
});

test('viperanomalytrain without producerid writes no summary (the client always sends produceto)', async () => {
  const [peersBefore, summaryBefore] = await ends();
  const trained = await viper(server.app, 'viperanomalytrain', train({ produceto: topics.summary }));
  assert.equal(trained.ERROR, undefined, JSON.stringify(trained));
  const [peersAfter, summaryAfter] = await ends();
  assert.equal(peersAfter, peersBefore + 1);
  assert.equal(summaryAfter, summaryBefore);
});

test('viperanomalytrain: bad summary, maintopic and timeout values name the parameter, write nothing', async () => {
  const stranger = await subscribe(server, topics.alerts);
  const before = await ends();
  const cases: Array<[Record<string, string | number>, string]> = [
    [{ produceto: topics.summary, producerid: producer[topics.alerts] }, 'producerid'],
    [{ produceto: topics.summary, producerid: 'nope' }, 'producerid'],
    [{ produceto: 'no-such-topic', producerid: producer[topics.summary] }, 'produceto'],
    [
      { produceto: topics.summary, producerid: producer[topics.summary], consumeridproduceto: stranger },
      'consumeridproduceto',
    ],
    [{ producerid: producer[topics.summary] }, 'producerid'],
    [{ produceto: topics.summary, consumeridproduceto: summaryConsumer }, 'consumeridproduceto'],
    [{ maintopic: 'no-such-topic' }, 'maintopic'],
    [{ timeout: -1 }, 'timeout'],
    [{ timeout: 'soon' }, 'timeout'],
    // a bound far shorter than the work: past it, nothing is published
    [{ timeout: '0.000001', produceto: topics.summary, producerid: producer[topics.summary] }, 'timeout'],
  ];
  for (const [extra, parameter] of cases) {
    const answer = await viper(server.app, 'viperanomalytrain', train(extra));
    assert.match(String(answer.ERROR), new RegExp(`parameter '${parameter}'`), JSON.stringify(extra));
  }
  assert.deepEqual(await ends(), before);
});

test('viperanomalypredict rollbackoffsets scores the newest rows; the input goes to produceinputstreamtest', async () => {
  await viper(server.app, 'viperanomalytrain', train({ fullpathtotrainingdata: 'peer-data' }));
  const [, , alertsBefore, inputsBefore] = await ends();
  const { records } = await server.backbone.fetch({
    topic: ids.joined,
    partition: 0,
    offset: 0,
    maxRecords: 100,
  });
  const joined = JSON.parse(records.at(-1)!.value!.toString()) as { values: Record<string, number[]> };
  const rows = Math.ceil((Math.min(...analysed.map((s) => joined.values[s].length)) * 10) / 100);
  assert.equal(rows, 5);
  const answer = await viper(
    server.app,
    'viperanomalypredict',
    predict({
      rollbackoffsets: 10,
      produceinputstreamtest: topics.inputs,
      produceridinputstreamtest: producer[topics.inputs],
      maintopic: ids.joined,
      fullpathtopeergroupdata: './peer-data',
      timeout: 60,
    }),
  );
  assert.equal(answer.ERROR, undefined, JSON.stringify(answer));
  assert.equal((answer.Rows as unknown[]).length, rows);
  assert.equal(answer.Maintopic, ids.joined);
  const expected = analysed.map((s) => joined.values[s].slice(-rows));
  const written = (await recordsFrom(topics.alerts, alertsBefore)).filter((r) => Array.isArray(r.Scores));
  assert.equal(written.length, rows, 'one anomaly record per row');
  written.forEach((r, k) => {
    assert.equal(r.Maintopic, ids.joined);
    const values = (r.Scores as Array<{ stream: string; value: number }>).map((s) => s.value);
    assert.deepEqual(
      values,
      expected.map((column) => column[k]),
      `row ${k}`,
    );
  });
  const [input] = await recordsFrom(topics.inputs, inputsBefore);
  assert.deepEqual(input.values, Object.fromEntries(analysed.map((s, i) => [s, expected[i]])));
  assert.equal(input.inputStream, ids.joined);
  // without rollbackoffsets: the newest row only
  const one = await viper(server.app, 'viperanomalypredict', predict());
  assert.equal(one.Rows, undefined);
  assert.deepEqual(
    (one.Scores as Array<{ Value: number }>).map((s) => s.Value),
    expected.map((column) => column[rows - 1]),
  );
});

test('viperanomalypredict: bad values name the parameter and write nothing', async () => {
  await viper(server.app, 'viperanomalytrain', train({ fullpathtotrainingdata: 'peer-data' }));
  const before = await ends();
  const cases: Array<[Record<string, string | number>, string]> = [
    [
      { produceinputstreamtest: topics.inputs, produceridinputstreamtest: producer[topics.alerts] },
      'produceridinputstreamtest',
    ],
    [{ produceinputstreamtest: 'no-such-topic', produceridinputstreamtest: 'x' }, 'produceinputstreamtest'],
    [{ produceridinputstreamtest: producer[topics.inputs] }, 'produceridinputstreamtest'],
    [{ fullpathtopeergroupdata: 'other-folder' }, 'fullpathtopeergroupdata'],
    [{ maintopic: 'no-such-topic' }, 'maintopic'],
    [{ rollbackoffsets: 101 }, 'rollbackoffsets'],
    [{ timeout: 0 }, 'timeout'],
    [
      {
        timeout: '0.000001',
        produceinputstreamtest: topics.inputs,
        produceridinputstreamtest: producer[topics.inputs],
      },
      'timeout',
    ],
  ];
  for (const [extra, parameter] of cases) {
    const answer = await viper(server.app, 'viperanomalypredict', predict(extra));
    assert.match(String(answer.ERROR), new RegExp(`parameter '${parameter}'`), JSON.stringify(extra));
  }
  assert.deepEqual(await ends(), before);
});
