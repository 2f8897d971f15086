// The batch endpoints' reading and labelling parameters (the solution spec's `io`): `offset` 0 starts
// a new solution at the streams' beginning (it predicts the rows already stored; the default starts at
// the newest and predicts none of them), `consumerid` must be subscribed to consumefrom and the
// solution's reads count as its usage in AiMS, `producerid` must be produceto's producer id and
// `maintopic` a registered topic, both carried in the records; `partition` must exist; each bad one
// answers an ERROR naming it, with nothing created. Predictions are checked against the streams'
// relation (y = 2·x1 − x2 + 5), not the code's output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SolutionWorker } from '../../src/solutions/worker.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { viperRecordShapers } from '../../src/server/viper/solution-records.js';
import { readTopic } from '../helpers/backbones.js';
import { eventually } from '../helpers/wait.js';
import { createTopic, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vio', 100);
});
after(async () => {
  await server.close();
});

const json = (value: Buffer | null) => JSON.parse(value!.toString()) as Record<string, unknown>;

const training = (produceto: string) => ({
  vipertoken: server.admin,
  consumefrom: flow.joined,
  produceto,
  dependentvariable: flow.streams[0],
  independentvariables: `${flow.streams[1]},${flow.streams[2]}`,
  rollbackoffsets: 40,
  modelruns: 2,
});

test('bad io parameters answer an ERROR naming them and create nothing', async () => {
  const paramsProducer = await createTopic(server, 'vio-bad-params');
  const otherConsumer = await subscribe(server, flow.streams[0]);
  const catalog = await openSolutionCatalog(server.backbone);
  for (const [extra, pattern] of [
    [{ consumerid: 'ConsumerId-nobody' }, /consumerid.*not subscribed/],
    [{ consumerid: otherConsumer }, /consumerid.*subscribed to topic 'vio-dv'/],
    [{ producerid: 'ProducerId-nobody' }, /producerid.*not the producer id of 'vio-bad-params'/],
    [{ producerid: flow.joinedProducer }, /producerid.*not the producer id/],
    [{ partition: 3 }, /partition.*is 3, but topic 'vio-dv' has 1 partition/],
    [{ partition: -2 }, /partition/],
    [{ offset: -5 }, /offset/],
    [{ offset: 'x' }, /offset/],
    [{ timedelay: -1 }, /timedelay/],
    [{ maintopic: 'vio-no-such-topic' }, /maintopic.*vio-no-such-topic/],
  ] as const) {
    const y = await viper<{ ERROR?: string }>(server.app, 'viperhpdetrainingbatch', {
      ...training('vio-bad-params'),
      producerid: paramsProducer,
      ...extra,
    });
    assert.match(String(y.ERROR), pattern, JSON.stringify(extra));
    assert.deepEqual(
      (await catalog.list()).map((v) => v.name),
      [],
      `${JSON.stringify(extra)} created a solution`,
    );
  }
  assert.deepEqual(await readTopic(server.backbone, 'vio-bad-params'), []);
});

test('offset=0, consumerid, producerid, maintopic: the stored rows are predicted, attributed and labelled', async () => {
  const paramsProducer = await createTopic(server, 'vio-params');
  const predictionsProducer = await createTopic(server, 'vio-predictions');
  const trained = await viper<Record<string, unknown>>(server.app, 'viperhpdetrainingbatch', {
    ...training('vio-params'),
    consumerid: flow.joinedConsumer,
    producerid: paramsProducer,
    maintopic: flow.joined,
    offset: 0,
    partition: 0,
  });
  assert.equal(trained.Action, 'created', JSON.stringify(trained));
  const predicted = await viper<Record<string, unknown>>(server.app, 'viperhpdepredictbatch', {
    vipertoken: server.admin,
    consumefrom: 'vio-params',
    produceto: 'vio-predictions',
    producerid: predictionsProducer,
    timedelay: 0,
  });
  assert.equal(predicted.Action, 'updated', JSON.stringify(predicted));
  const catalog = await openSolutionCatalog(server.backbone);
  const { spec } = await catalog.describe('viper-vio-params');
  // the training call's io stays; the predict call's producer id labels its outputs
  assert.deepEqual(spec.io, {
    partition: 0,
    startOffset: 'earliest',
    consumerId: flow.joinedConsumer,
    producerId: predictionsProducer,
    mainTopic: flow.joined,
  });
  const usage = async () =>
    (
      await server.app.inject({
        method: 'GET',
        url: '/v1/aims',
        headers: { authorization: `Bearer ${server.admin}` },
      })
    )
      .json<{ consumers: Array<{ consumerId: string; recordsRead: number; bytesRead: number }> }>()
      .consumers.find((c) => c.consumerId === flow.joinedConsumer);
  const readBefore = (await usage())?.recordsRead ?? 0;
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  worker.on('read', (r) => server.app.noteSolutionRead(r.consumerId, r.bytes, r.records));
  try {
    // no new row is produced: from offset 0 the 100 stored rows are read as new and, once the first
    // model is learnt (after a tenth of the window), predicted
    await eventually(
      async () => assert.ok((await readTopic(server.backbone, 'vio-predictions')).length >= 50),
      30_000,
    );
    for (const record of await readTopic(server.backbone, 'vio-predictions')) {
      const p = json(record.value);
      assert.equal(p.ProducerId, predictionsProducer);
      assert.equal(p.Maintopic, flow.joined);
      assert.equal(record.partition, 0);
    }
    const last = json((await readTopic(server.backbone, 'vio-predictions')).at(-1)!.value);
    const [x1, x2] = String(last.Inputdata).split(',').map(Number);
    assert.ok(Math.abs((last.Hyperprediction as number) - (2 * x1 - x2 + 5)) < 5, JSON.stringify(last));
    // the joined topic's records read by the solution count for the consumer id (3 streams × 100 rows)
    await eventually(async () => assert.ok(((await usage())?.recordsRead ?? 0) - readBefore >= 300), 10_000);
  } finally {
    await worker.close();
  }
});

test('without offset a new solution starts at the newest rows: none of the stored rows is predicted', async () => {
  await viper(server.app, 'viperhpdetrainingbatch', training('vio-newest-params'));
  await viper(server.app, 'viperhpdepredictbatch', {
    vipertoken: server.admin,
    consumefrom: 'vio-newest-params',
    produceto: 'vio-newest-predictions',
  });
  const worker = await SolutionWorker.start(server.backbone, {
    pollMs: 100,
    recordShapers: viperRecordShapers,
  });
  try {
    await eventually(
      async () => assert.ok((await readTopic(server.backbone, 'vio-newest-params')).length >= 1),
      30_000,
    );
    assert.deepEqual(await readTopic(server.backbone, 'vio-newest-predictions').catch(() => []), []);
  } finally {
    await worker.close();
  }
});
