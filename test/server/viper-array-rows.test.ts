// VIPER's array=1 on the HPDE steps: a topic of rows `{"y":..,"x1":..,"x2":..}` (producetotopic with
// array=1) trained on and predicted from by field name, and `maintopic` recorded with the model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, subscribe } from './flow-fixture.js';

let server: TestServer;
const t = {
  rows: 'array-rows',
  params: 'array-params',
  predictions: 'array-predictions',
  joined: 'array-main',
};
const producer: Record<string, string> = {};
let rowsConsumer = '';
let paramsConsumer = '';
// y = 3·x1 + 2·x2 + 1 exactly, 60 rows
const x1 = Array.from({ length: 60 }, (_, i) => (i * 37) % 50);
const x2 = Array.from({ length: 60 }, (_, i) => (i * 13) % 17);
const y = x1.map((v, i) => 3 * v + 2 * x2[i] + 1);

before(async () => {
  server = await startTestServer();
  for (const topic of Object.values(t)) producer[topic] = await createTopic(server, topic);
  for (let i = 0; i < 60; i++) {
    const answer = await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: t.rows,
      producerid: producer[t.rows],
      externalprediction: `${y[i]},${x1[i]},${x2[i]}`,
      subtopics: 'y,x1,x2',
      array: 1,
    });
    assert.equal(answer.ERROR, undefined, JSON.stringify(answer));
    // a record that is not a row of these fields, left out by the array reads
    if (i === 30) {
      await viper(server.app, 'producetotopic', {
        vipertoken: server.user,
        topic: t.rows,
        producerid: producer[t.rows],
        externalprediction: '17',
      });
    }
  }
  rowsConsumer = await subscribe(server, t.rows);
  paramsConsumer = await subscribe(server, t.params);
});
after(async () => {
  await server.close();
});

const training = (extra: Record<string, string | number>) => ({
  vipertoken: server.user,
  consumefrom: t.rows,
  produceto: t.params,
  consumerid: rowsConsumer,
  producerid: producer[t.params],
  companyname: 'OTICS',
  modelruns: 5,
  timeout: 60,
  ...extra,
});

async function written(topic: string): Promise<number> {
  return (await server.backbone.listOffsets(topic)).reduce((n, p) => n + p.latest, 0);
}

test("viperhpdetraining array=1 trains on the rows' fields; maintopic is recorded as Maintopic", async () => {
  const trained = await viper(
    server.app,
    'viperhpdetraining',
    training({ array: 1, dependentvariable: 'y', independentvariables: 'x1,x2', maintopic: t.joined }),
  );
  assert.equal(trained.ERROR, undefined, JSON.stringify(trained));
  assert.equal(trained.DependentVariable, 'y');
  assert.equal(trained.Fieldnames, 'Date,x1,x2');
  assert.equal(trained.TrainingRows, 60, 'the 60 rows; the plain record is left out');
  assert.equal(trained.Maintopic, t.joined);
  assert.ok((trained.Forecastaccuracy as number) > 0.95, String(trained.Forecastaccuracy));
  // without array the same topic is not a training set
  const plain = await viper(server.app, 'viperhpdetraining', training({ array: 0 }));
  assert.match(String(plain.ERROR), /parameter 'consumefrom'.*not a training set/);
});

test('viperhpdetraining: bad array and maintopic inputs name the parameter and write nothing', async () => {
  const before = await written(t.params);
  const cases: Array<[Record<string, string | number>, RegExp]> = [
    [{ array: 1, independentvariables: 'x1,x2' }, /parameter 'dependentvariable'/],
    [{ array: 1, dependentvariable: 'y' }, /parameter 'independentvariables'/],
    [{ array: 1, dependentvariable: 'y', independentvariables: 'x1,nope' }, /parameter 'consumefrom'.*nope/],
    [{ array: 2, dependentvariable: 'y', independentvariables: 'x1' }, /parameter 'array'/],
    [
      { array: 1, dependentvariable: 'y', independentvariables: 'x1,x2', maintopic: 'no-such-topic' },
      /parameter 'maintopic'/,
    ],
  ];
  for (const [extra, expected] of cases) {
    const answer = await viper(server.app, 'viperhpdetraining', training(extra));
    assert.match(String(answer.ERROR), expected, JSON.stringify(extra));
  }
  assert.equal(await written(t.params), before);
});

test('viperhpdepredict and viperhpdepredictprocess array=1 predict the newest rows by field', async () => {
  await viper(
    server.app,
    'viperhpdetraining',
    training({ array: 1, dependentvariable: 'y', independentvariables: 'x1,x2' }),
  );
  const call = {
    vipertoken: server.user,
    consumefrom: t.params,
    consumerid: paramsConsumer,
    produceto: t.predictions,
    producerid: producer[t.predictions],
    companyname: 'OTICS',
    maintopic: t.rows,
    maxrows: 5,
    array: 1,
  };
  const many = await viper<Array<Record<string, unknown>>>(server.app, 'viperhpdepredict', call);
  assert.ok(Array.isArray(many), JSON.stringify(many));
  assert.equal(many.length, 5);
  many.forEach((p, k) => {
    const i = 55 + k;
    assert.equal(p.Inputdata, `${x1[i]},${x2[i]}`);
    assert.equal(p.Maintopic, t.rows);
    assert.ok(Math.abs((p.Hyperprediction as number) - y[i]) < 0.05 * Math.max(1, y[i]), JSON.stringify(p));
  });
  const avg = await viper(server.app, 'viperhpdepredictprocess', { ...call, processtype: 'avg' });
  const expected = y.slice(55).reduce((a, b) => a + b, 0) / 5;
  assert.ok(Math.abs((avg.Hyperprediction as number) - expected) < 0.05 * expected, JSON.stringify(avg));
  // array=0: the same topic is read as a joined topic, which it is not
  const plain = await viper(server.app, 'viperhpdepredict', { ...call, array: 0 });
  assert.ok(typeof plain === 'object' && 'ERROR' in plain, JSON.stringify(plain));
  // rows without the model's fields, and values with array=1, name the parameter; nothing written
  const before = await written(t.predictions);
  const noFields = await viper(server.app, 'viperhpdepredict', { ...call, maintopic: t.joined });
  assert.match(String(noFields.ERROR), /parameter 'maintopic'/);
  const values = await viper(server.app, 'viperhpdepredict', { ...call, maintopic: '', inputdata: '1,2' });
  assert.match(String(values.ERROR), /parameter 'array'/);
  assert.equal(await written(t.predictions), before);
});
