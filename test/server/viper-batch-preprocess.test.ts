// preprocessbatch's controls, as preprocessproducetotopicstream reads them: preprocessconditions (the
// range each stream's statistics are computed over — checked against the window filtered here),
// identifier, rawdataoutput (the values computed over), saveasarray (one record holding the items),
// array=1 (the fields of one topic's rows) and topicid (one device's records). Bad values: an ERROR
// naming the parameter, nothing created.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { viperRecordShapers } from '../../src/server/viper/solution-records.js';
import { readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vpp', 100);
});
after(async () => {
  await server.close();
});

type Answer = Record<string, unknown> & { ERROR?: string };
const json = (value: Buffer | null) => JSON.parse(value!.toString()) as unknown;
const preprocess = (extra: Record<string, unknown>) =>
  viper<Answer>(server.app, 'preprocessbatch', {
    vipertoken: server.admin,
    topicname: flow.streams[1],
    producerid: flow.producers[flow.streams[1]],
    offset: -1,
    maxrows: 60,
    preprocesslogic: 'min,max,avg',
    ...extra,
  });

test('bad preprocess controls answer an ERROR naming them and create nothing', async () => {
  const catalog = await openSolutionCatalog(server.backbone);
  for (const [extra, pattern] of [
    [{ preprocessconditions: 'nosuch=1,5' }, /preprocessconditions.*nosuch/],
    [{ preprocessconditions: `${flow.streams[1]}=9,1` }, /preprocessconditions/],
    [{ topicid: 4, topicname: flow.joined, producerid: flow.joinedProducer }, /topicid.*3 streams/],
    [{ array: 1 }, /streamstojoin.*array=1/],
    [{ saveasarray: 2 }, /saveasarray/],
    [{ rawdataoutput: 'x' }, /rawdataoutput/],
  ] as const) {
    const y = await preprocess(extra);
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
  }
  assert.deepEqual(
    (await catalog.list()).map((v) => v.name),
    [],
  );
});

test('preprocessconditions, identifier, rawdataoutput, saveasarray: one array of items over the values in range', async () => {
  const stream = flow.streams[1];
  const y = await preprocess({
    preprocessconditions: `${stream}=20,60`,
    identifier: 'line-4',
    rawdataoutput: 1,
    saveasarray: 1,
    preprocesstopic: 'vpp-stats',
  });
  assert.equal(y.Action, 'created', JSON.stringify(y));
  const values = (await readTopic(server.backbone, stream)).map((r) => Number(r.value!.toString()));
  const inRange = values.slice(-60).filter((v) => v >= 20 && v <= 60);
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(
      async () => assert.ok((await readTopic(server.backbone, 'vpp-stats')).length >= 1),
      20_000,
    );
    const items = json((await readTopic(server.backbone, 'vpp-stats'))[0].value) as Array<
      Record<string, unknown>
    >;
    assert.ok(Array.isArray(items), 'saveasarray: one record holding the items');
    const byType = Object.fromEntries(items.map((i) => [i.Preprocesstype, Number(i.hyperprediction)]));
    assert.equal(byType.Min, Math.min(...inRange));
    assert.equal(byType.Max, Math.max(...inRange));
    assert.ok(Math.abs(byType.Avg - inRange.reduce((s, v) => s + v, 0) / inRange.length) < 1e-9);
    for (const item of items) {
      assert.equal(item.Identifier, 'line-4');
      assert.equal(item.Preprocessconditions, `${stream}=20,60`);
      assert.deepEqual(item.RawData, inRange);
    }
  } finally {
    await worker.close();
  }
});

test("array=1 preprocesses the fields of one topic's rows; topicid one device's", async () => {
  await server.backbone.createTopic({ name: 'vpp-rows' });
  const rows = Array.from({ length: 80 }, (_, i) => ({ device: i % 2 === 0 ? '3' : '4', a: i, b: 100 - i }));
  await server.backbone.produce(
    'vpp-rows',
    rows.map((r) => ({ key: r.device, value: JSON.stringify({ a: r.a, b: r.b }) })),
  );
  const rowsCall = (extra: Record<string, unknown>) =>
    viper<Answer>(server.app, 'preprocessbatch', {
      vipertoken: server.admin,
      topicname: 'vpp-rows',
      offset: -1,
      maxrows: 70,
      preprocesslogic: 'max',
      streamstojoin: 'a,b',
      array: 1,
      ...extra,
    });
  assert.equal((await rowsCall({ preprocesstopic: 'vpp-all', topicid: 3 })).Action, 'created');
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    const catalog = await openSolutionCatalog(server.backbone);
    await eventually(async () => {
      const status = JSON.stringify((await catalog.describe('viper-preprocess-vpp-rows')).status);
      assert.equal((await readTopic(server.backbone, 'vpp-all')).length, 2, status);
    }, 20_000);
    const items = (await readTopic(server.backbone, 'vpp-all')).map(
      (r) => json(r.value) as Record<string, unknown>,
    );
    // the window: the topic's newest 70 records, device 3's of them (35, above the 30 a window needs)
    const device3 = rows.slice(-70).filter((r) => r.device === '3');
    const max = Object.fromEntries(items.map((i) => [String(i.Topic), Number(i.hyperprediction)]));
    assert.deepEqual(max, {
      a_preprocessed_Max: Math.max(...device3.map((r) => r.a)),
      b_preprocessed_Max: Math.max(...device3.map((r) => r.b)),
    });
    assert.ok(items.every((i) => i.Topicid === '3'));
  } finally {
    await worker.close();
  }
});
