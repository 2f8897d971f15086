// Conformal prediction sets on classifier predictions through both faces: /v1 answers tml's names
// (`predictionSet`, `coverage`), VIPER's viperhpdepredict its own (`PredictionSet`, `Coverage`), both
// from the same core. The share of fresh rows whose true class is in its set is counted here from
// the labels the test generated; a coverage outside (0, 1) is refused by name with nothing written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/automl/random.js';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { readTopic } from '../helpers/backbones.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

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

/** A noisy binary stream: P(y = 1) = σ(0.8·(a − b)), so many rows are ambiguous. */
function classRows(count: number, seed: number): { a: number[]; b: number[]; y: number[] } {
  const random = mulberry32(seed);
  const rows = { a: [] as number[], b: [] as number[], y: [] as number[] };
  for (let i = 0; i < count; i++) {
    const [a, b] = [random() * 10, random() * 10];
    rows.a.push(a);
    rows.b.push(b);
    rows.y.push(random() < 1 / (1 + Math.exp(-0.8 * (a - b))) ? 1 : 0);
  }
  return rows;
}

const TRAIN = 2000;
const FRESH = 1000;

test('classifier predictions carry their conformal set on /v1 and VIPER, covering about 90%', async () => {
  const streams = ['set-y', 'set-a', 'set-b'];
  const producers: string[] = [];
  for (const s of streams) producers.push((await admin.createTopic({ topic: s })).producerId);
  const train = classRows(TRAIN, 51);
  await user.produceBulk(streams[0], producers[0], train.y);
  await user.produceBulk(streams[1], producers[1], train.a);
  await user.produceBulk(streams[2], producers[2], train.b);
  const join = await admin.createJoinTopic({ topic: 'set-joined', streams });
  await user.produceJoined('set-joined', { producerId: join.producerId, maxRows: TRAIN });
  const trainingProducer = (await admin.createTopic({ topic: 'set-training' })).producerId;
  await user.createTrainingSet({
    consumeFrom: 'set-joined',
    produceTo: 'set-training',
    dependentVariable: streams[0],
    independentVariables: streams.slice(1),
    consumerId: (await user.subscribe('set-joined')).consumerId,
    producerId: trainingProducer,
  });
  const paramsProducer = (await admin.createTopic({ topic: 'set-params' })).producerId;
  const model = await user.trainModel({
    consumeFrom: 'set-training',
    produceTo: 'set-params',
    consumerId: (await user.subscribe('set-training')).consumerId,
    producerId: paramsProducer,
    modelruns: 3,
    islogistic: true,
  });

  // Fresh rows of the same stream: their features joined, their labels kept here.
  const fresh = classRows(FRESH, 52);
  await user.produceBulk(streams[1], producers[1], fresh.a);
  await user.produceBulk(streams[2], producers[2], fresh.b);
  const features = await admin.createJoinTopic({ topic: 'set-fresh', streams: streams.slice(1) });
  await user.produceJoined('set-fresh', { producerId: features.producerId, maxRows: FRESH });
  const predictionsProducer = (await admin.createTopic({ topic: 'set-predictions' })).producerId;
  const target = { algokey: model.algokey, produceTo: 'set-predictions', producerId: predictionsProducer };
  const v1 = (await user.predict({ ...target, stream: 'set-fresh' })).predictions;
  assert.equal(v1.length, FRESH);
  let covered = 0;
  v1.forEach((p, i) => {
    assert.deepEqual(p.inputs, [fresh.a[i], fresh.b[i]]);
    assert.equal(p.coverage, 0.9);
    assert.equal(p.interval, undefined);
    assert.ok(p.predictionSet!.every((c) => [0, 1].includes(c)));
    if (p.predictionSet!.includes(fresh.y[i])) covered++;
  });
  assert.ok(Math.abs(covered / FRESH - 0.9) < 0.04, `/v1 empirical coverage ${covered / FRESH}`);
  assert.ok(v1.some((p) => p.predictionSet!.length === 1) && v1.some((p) => p.predictionSet!.length === 2));

  // VIPER: the same sets under its keys, from the joined topic and from one row of values.
  const records = await viper<Array<Record<string, unknown>>>(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    algokey: model.algokey,
    produceto: 'set-predictions',
    producerid: predictionsProducer,
    inputdata: 'set-fresh',
  });
  assert.equal(records.length, FRESH);
  let viperCovered = 0;
  records.forEach((r, i) => {
    assert.equal(r.Islogistic, 1);
    assert.equal(r.Coverage, 0.9);
    assert.equal(r.Lower, undefined);
    assert.deepEqual(r.PredictionSet, v1[i].predictionSet);
    if ((r.PredictionSet as number[]).includes(fresh.y[i])) viperCovered++;
  });
  assert.equal(viperCovered, covered);
  const one = await viper(server.app, 'viperhpdepredict', {
    vipertoken: server.user,
    algokey: model.algokey,
    produceto: 'set-predictions',
    producerid: predictionsProducer,
    inputdata: '9,1',
    coverage: '0.6',
  });
  assert.equal(one.Coverage, 0.6);
  assert.deepEqual(one.PredictionSet, [1], `a clear class 1 at 60%: ${JSON.stringify(one)}`);
  const written = (await readTopic(server.backbone, 'set-predictions')).map(
    (r) => JSON.parse(r.value!.toString()) as Record<string, unknown>,
  );
  assert.deepEqual(written.at(-1)!.PredictionSet, [1], 'the record written to the topic holds the set');

  // Bad input: refused naming coverage, nothing published.
  const count = written.length;
  for (const coverage of ['1.5', '0', '1']) {
    const refused = await viper(server.app, 'viperhpdepredict', {
      vipertoken: server.user,
      algokey: model.algokey,
      produceto: 'set-predictions',
      producerid: predictionsProducer,
      inputdata: '9,1',
      coverage,
    });
    assert.match(String(refused.ERROR), /coverage/, JSON.stringify(refused));
  }
  for (const coverage of [1.5, 0, -0.1]) {
    await assert.rejects(user.predict({ ...target, inputs: [9, 1], coverage }), (e: unknown) => {
      assert.ok(e instanceof TmlApiError && e.status === 400, String(e));
      assert.match(`${e.parameter ?? ''} ${e.message}`, /coverage/);
      return true;
    });
  }
  assert.equal((await readTopic(server.backbone, 'set-predictions')).length, count);
});
