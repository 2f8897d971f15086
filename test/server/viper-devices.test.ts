// Per-device (topicid) one-shot calls through the VIPER face: a device's records travel as their
// Kafka key through produce, join, training set, model and predictions; predict's maintopic,
// offset and streamstojoin and optimize's offset pick the joined record and the model; an unknown
// topicid is an ERROR naming it, with nothing written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, subscribe } from './flow-fixture.js';

let server: TestServer;
const ids: Record<string, string> = {};
/** y = a·x + b per device; the two devices' relations differ clearly. */
const RELATIONS: Record<string, [number, number]> = { '3': [2, 10], '8': [-1.5, 200] };
const ROWS = 40;

async function call(endpoint: string, params: Record<string, string | number>) {
  return viper<Record<string, unknown>>(server.app, endpoint, { vipertoken: server.admin, ...params });
}

function ok<T = Record<string, unknown>>(body: unknown, what: string): T {
  assert.equal(
    (body as { ERROR?: string }).ERROR,
    undefined,
    `${what}: ${JSON.stringify(body).slice(0, 300)}`,
  );
  return body as T;
}

async function flow(device: string) {
  ok(
    await call('producetotopicstream', {
      topicname: 'dj',
      producerid: ids.dj,
      offset: -1,
      maxrows: ROWS,
      topicid: device,
    }),
    'join',
  );
  ok(
    await call('createtrainingdata', {
      consumefrom: 'dj',
      produceto: 'dt',
      dependentvariable: 'dy',
      independentvariables: 'dx',
      consumerid: ids.djConsumer,
      producerid: ids.dt,
      topicid: device,
    }),
    'training set',
  );
  return ok<{ Algokey: string; Topicid: number }>(
    await call('viperhpdetraining', {
      consumefrom: 'dt',
      produceto: 'dp',
      consumerid: ids.dtConsumer,
      producerid: ids.dp,
      modelruns: 4,
      topicid: device,
    }),
    'training',
  );
}

before(async () => {
  server = await startTestServer();
  for (const t of ['dx', 'dy', 'dt', 'dp', 'dpred']) ids[t] = await createTopic(server, t);
  ids.dj = String(
    ok(await call('createjointopicstreams', { topicname: 'dj', topicstojoin: 'dy,dx' }), 'join').ProducerId,
  );
  ids.djConsumer = await subscribe(server, 'dj');
  ids.dtConsumer = await subscribe(server, 'dt');
  ids.dpConsumer = await subscribe(server, 'dp');
  // the two devices' rows interleaved, as devices report side by side
  for (let i = 0; i < ROWS; i++) {
    for (const [device, [a, b]] of Object.entries(RELATIONS)) {
      const x = (i * 37 + Number(device)) % 100;
      ok(
        await call('producetotopic', {
          topic: 'dy,dx',
          producerid: `${ids.dy},${ids.dx}`,
          externalprediction: `${a * x + b},${x}`,
          topicid: device,
        }),
        'produce',
      );
    }
  }
});
after(async () => {
  await server.close();
});

test('a device record is keyed with its topicid, and each device trains its own model', async () => {
  const read = await server.backbone.fetch({ topic: 'dx', partition: 0, offset: 0, maxRecords: 4 });
  assert.deepEqual(
    read.records.map((r) => r.key?.toString()),
    ['3', '8', '3', '8'],
  );
  const three = await flow('3');
  const eight = await flow('8');
  assert.equal(three.Topicid, 3);
  assert.equal(eight.Topicid, 8);
  assert.equal(three.Algokey, eight.Algokey, 'one alias, one model per device under it');
  // each device's model predicts its own relation (a·50 + b, worked by hand)
  for (const [device, [a, b]] of Object.entries(RELATIONS)) {
    const p = ok<{ Hyperprediction: number; Topicid: number }>(
      await call('viperhpdepredict', {
        algokey: three.Algokey,
        produceto: 'dpred',
        producerid: ids.dpred,
        inputdata: '50',
        topicid: device,
      }),
      'predict',
    );
    assert.ok(Math.abs(p.Hyperprediction - (a * 50 + b)) < 1, `device ${device}: ${p.Hyperprediction}`);
    assert.equal(p.Topicid, Number(device));
  }
  const stream = await call('consumefromstreamtopic', {
    topic: 'dj',
    consumerid: ids.djConsumer,
    offset: 0,
    topicid: 8,
  });
  const reads = (stream.StreamTopicDetails as { TopicReads: Array<{ Offset: number }> }).TopicReads;
  assert.deepEqual(
    reads.map((r) => r.Offset),
    [1],
    'consumefromstreamtopic with topicid reads that device only',
  );
});

test("predict reads the device's joined record from maintopic, at offset, through streamstojoin", async () => {
  const predict = (extra: Record<string, string | number>) =>
    call('viperhpdepredict', {
      consumefrom: 'dp',
      consumerid: ids.dpConsumer,
      produceto: 'dpred',
      producerid: ids.dpred,
      maintopic: 'dj',
      streamstojoin: 'dx',
      ...extra,
    });
  const [a, b] = RELATIONS['3'];
  const rows = ok<Array<{ Hyperprediction: number; Inputdata: string }>>(
    await predict({ topicid: 3 }),
    'rows',
  );
  assert.equal(rows.length, ROWS);
  for (const r of rows) assert.ok(Math.abs(r.Hyperprediction - (a * Number(r.Inputdata) + b)) < 1);
  // offset 0 of dj is device 3's joined record; device 8's is at offset 1
  const atZero = ok<unknown[]>(await predict({ topicid: 3, offset: 0 }), 'offset 0');
  assert.equal(atZero.length, ROWS);
  const wrong = await predict({ topicid: 3, offset: 1 });
  assert.match(String(wrong.ERROR), /'topicid'/);
  const tooMany = await predict({ topicid: 3, streamstojoin: 'dx,dy' });
  assert.match(String(tooMany.ERROR), /'streamstojoin'/);
  // optimize's offset picks the model record: offset 1 of dp is device 8's model
  const optimal = ok<{ AdditionDetails: { Topicid: number } }>(
    await call('viperhpdeoptimize', {
      consumefrom: 'dp',
      consumerid: ids.dpConsumer,
      produceto: 'dpred',
      producerid: ids.dpred,
      offset: 1,
      topicid: 8,
    }),
    'optimize',
  );
  assert.equal(optimal.AdditionDetails.Topicid, 8);
});

test('an unknown topicid is an ERROR naming topicid, and nothing is written', async () => {
  const offsets = async () =>
    JSON.stringify(await Promise.all(['dj', 'dt', 'dp', 'dpred'].map((t) => server.backbone.listOffsets(t))));
  const before = await offsets();
  const unknown = 77;
  const cases: Array<[string, Record<string, string | number>]> = [
    ['producetotopicstream', { topicname: 'dj', producerid: ids.dj, offset: -1, maxrows: 10 }],
    [
      'createtrainingdata',
      {
        consumefrom: 'dj',
        produceto: 'dt',
        dependentvariable: 'dy',
        independentvariables: 'dx',
        consumerid: ids.djConsumer,
        producerid: ids.dt,
      },
    ],
    [
      'viperhpdetraining',
      { consumefrom: 'dt', produceto: 'dp', consumerid: ids.dtConsumer, producerid: ids.dp },
    ],
    [
      'viperhpdepredict',
      {
        consumefrom: 'dp',
        consumerid: ids.dpConsumer,
        produceto: 'dpred',
        producerid: ids.dpred,
        inputdata: '5',
      },
    ],
    [
      'viperhpdeoptimize',
      { consumefrom: 'dp', consumerid: ids.dpConsumer, produceto: 'dpred', producerid: ids.dpred },
    ],
  ];
  for (const [endpoint, params] of cases) {
    const body = await call(endpoint, { ...params, topicid: unknown });
    assert.match(String(body.ERROR), /'topicid'/, `${endpoint}: ${JSON.stringify(body)}`);
  }
  const bad = await call('viperhpdetraining', {
    consumefrom: 'dt',
    produceto: 'dp',
    consumerid: ids.dtConsumer,
    producerid: ids.dp,
    topicid: '1,2',
  });
  assert.match(String(bad.ERROR), /'topicid'/);
  assert.equal(await offsets(), before);
});

test("anomaly train and predict read the device's joined record and peer groups", async () => {
  for (const t of ['dpg', 'dalerts']) ids[t] = await createTopic(server, t);
  ids.dpgConsumer = await subscribe(server, 'dpg');
  const train = (device: number) =>
    call('viperanomalytrain', {
      consumefrom: 'dj',
      consumerid: ids.djConsumer,
      producepeergroupto: 'dpg',
      produceridpeergroup: ids.dpg,
      streamstoanalyse: 'dy',
      flags: 'topic=dy,topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5',
      topicid: device,
    });
  // each device's y values, worked by hand from the rows produced above
  const ys = (device: string) =>
    Array.from({ length: ROWS }, (_, i) => {
      const [a, b] = RELATIONS[device];
      return a * ((i * 37 + Number(device)) % 100) + b;
    });
  for (const device of ['3', '8']) {
    const trained = ok<{ PeerGroups: Array<{ Count: number; Mean: number }> }>(
      await train(Number(device)),
      'anomaly train',
    );
    const values = ys(device);
    assert.equal(trained.PeerGroups[0].Count, ROWS);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    assert.ok(
      Math.abs(trained.PeerGroups[0].Mean - mean) < 1e-9,
      `device ${device}: ${trained.PeerGroups[0].Mean}`,
    );
  }
  // device 3's peer groups were written first: predicting for device 3 must still find them
  for (const device of ['3', '8']) {
    const scored = ok<{ Scores: Array<{ Value: number }> }>(
      await call('viperanomalypredict', {
        consumefrom: 'dpg',
        consumerid: ids.dpgConsumer,
        consumeinputstream: 'dj',
        produceto: 'dalerts',
        producerid: ids.dalerts,
        streamstoanalyse: 'dy',
        flags: 'riskscore=0.5~complete=or~type=or,topic=dy,topictype=numeric,v1>1000,sc>3',
        topicid: device,
      }),
      'anomaly predict',
    );
    assert.equal(scored.Scores[0].Value, ys(device).at(-1), `device ${device}'s newest value is scored`);
  }
  const unknown = await train(77);
  assert.match(String(unknown.ERROR), /'topicid'/);
});
