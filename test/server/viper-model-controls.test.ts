// viperhpdetraining's model controls through the VIPER face: bad processlogic, transformtype,
// coefficient and usedeploy input answers an ERROR naming the parameter with nothing written; the
// coefficient stream, ParameterEstimates and deploy/usedeploy on the seed flow's data
// (y = 2·x1 − x2 + 5 + noise within ±0.3, hand-worked estimates 5, 2, −1).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let ids: FlowIds;
let coefs = '';
/** A model line trained with deploy=0 only. */
let undeployed = '';
before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'mc');
  coefs = 'mc-coefs';
  await createTopic(server, coefs);
  const consumer = await subscribe(server, ids.training);
  const trained = await viper(server.app, 'viperhpdetraining', {
    ...hpde(),
    consumerid: consumer,
    deploy: 0,
  });
  assert.equal(trained.DeployedTo, 'models', JSON.stringify(trained));
  undeployed = String(trained.Algokey);
});
after(async () => {
  await server.close();
});

async function snapshot(): Promise<string> {
  const topics = (await server.backbone.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const offsets = await Promise.all(topics.map((t) => server.backbone.listOffsets(t)));
  const models = (await server.store.models.aliases()).map((a) => JSON.stringify(a.champion)).sort();
  return JSON.stringify({ topics, offsets, models });
}

const hpde = () => ({
  vipertoken: server.user,
  consumefrom: ids.training,
  produceto: ids.params,
  consumerid: ids.trainingConsumer,
  producerid: ids.paramsProducer,
  companyname: 'OTICS',
  modelruns: 6,
  timeout: 60,
  deploy: 0,
});
const predict = () => ({
  vipertoken: server.user,
  consumefrom: ids.params,
  consumerid: ids.paramsConsumer,
  produceto: ids.predictions,
  producerid: ids.predictionsProducer,
  inputdata: '40,20',
});

test('bad model controls answer an ERROR naming the parameter; nothing is written', async () => {
  const [dv, iv1] = ids.streams;
  const cases: Array<[string, Record<string, string | number>, RegExp]> = [
    [
      'viperhpdetraining',
      { ...hpde(), islogistic: 1, processlogic: 'classification_name=f:Voltage_preprocessed_AnomProb=55,n' },
      /'processlogic' names stream 'Voltage_preprocessed_AnomProb', which the training set does not hold/,
    ],
    [
      'viperhpdetraining',
      { ...hpde(), islogistic: 1, processlogic: `classification_name=f:${iv1}=60,10` },
      /'processlogic' has condition .* low bound 60 is above its high bound 10/,
    ],
    [
      'viperhpdetraining',
      { ...hpde(), islogistic: 1, processlogic: `classification_name=f:${iv1}=x,n` },
      /'processlogic' has low bound 'x'/,
    ],
    [
      'viperhpdetraining',
      { ...hpde(), islogistic: 1, processlogic: `classification_name=f:${dv}=1e9,n` },
      /'processlogic' labels all 50 rows of the training set 0/,
    ],
    // x2 = (i·53) mod 90 is 0 at i = 90, inside the newest 50 rows
    [
      'viperhpdetraining',
      { ...hpde(), transformtype: 'lin-log' },
      /'transformtype' takes the log of 'mc-iv2', whose value 0/,
    ],
    ['viperhpdetraining', { ...hpde(), transformtype: 'log-exp' }, /'transformtype' must be one of/],
    ['viperhpdetraining', { ...hpde(), sendcoefto: 'mc-nope' }, /mc-nope/],
    [
      'viperhpdetraining',
      { ...hpde(), sendcoefto: coefs, coeftoprocess: '0,x' },
      /'coeftoprocess' must list indexes/,
    ],
    [
      'viperhpdetraining',
      { ...hpde(), sendcoefto: coefs, coeftoprocess: '0,7' },
      /'coeftoprocess' has index 7; the model has 3 estimates/,
    ],
    [
      'viperhpdetraining',
      { ...hpde(), sendcoefto: coefs, coeftoprocess: '0,1', coefsubtopicnames: 'a' },
      /'coefsubtopicnames' has 1 names for 2 coefficient indexes/,
    ],
    ['viperhpdetraining', { ...hpde(), dependentvariable: 'nope' }, /'dependentvariable' names 'nope'/],
    ['viperhpdetraining', { ...hpde(), offset: 99 }, /'offset' is 99, but topic 'mc-training'/],
    ['viperhpdetraining', { ...hpde(), rollbackoffsets: 150 }, /'rollbackoffsets' must be a percentage/],
    [
      'viperhpdetraining',
      { ...hpde(), modelsearchtuner: 150 },
      /'modelsearchtuner' must be an integer from 0 to 100/,
    ],
    [
      'viperhpdepredict',
      { ...predict(), algokey: undeployed, usedeploy: 1 },
      /'usedeploy' asks for the deployed model of algokey '.*', but none was deployed/,
    ],
    [
      'viperhpdepredict',
      { ...predict(), algokey: 'nobody_json', usedeploy: 1 },
      /'usedeploy' .* none was deployed/,
    ],
  ];
  const before = await snapshot();
  for (const [endpoint, params, expected] of cases) {
    const body = await viper(server.app, endpoint, params);
    const what = `${endpoint} ${JSON.stringify(params).slice(-160)} → ${JSON.stringify(body).slice(0, 300)}`;
    assert.equal(typeof body.ERROR, 'string', what);
    assert.match(String(body.ERROR), expected, what);
  }
  assert.equal(await snapshot(), before);
});

test('coefficients stream to sendcoefto; deploy=1 is what usedeploy=1 predicts with', async () => {
  // a training without `deploy` (the oldest clients send none) deploys, as the seed's VIPER did
  const { deploy: _deploy, ...withoutDeploy } = hpde();
  const deployed = await viper(server.app, 'viperhpdetraining', { ...withoutDeploy, identifier: 'line-7' });
  const deployedVersion = await server.store.models.resolveDeployed(ids.algokey);
  assert.equal(deployed.DeployedTo, 'deploy', JSON.stringify(deployed));
  assert.equal(deployed.Deployed, 1);
  assert.equal(deployed.Identifier, 'line-7');
  assert.equal(deployed.Transformtype, 'lin-lin');
  assert.equal(deployed.ModelSearchTuner, 80);
  // Minmax: x1 = (i·37) mod 100 and x2 = (i·53) mod 90 over i = 50..99, hand-listed
  const x1 = Array.from({ length: 50 }, (_, k) => ((50 + k) * 37) % 100);
  const x2 = Array.from({ length: 50 }, (_, k) => ((50 + k) * 53) % 90);
  assert.equal(
    deployed.Minmax,
    `${Math.min(...x1)}:${Math.max(...x1)},${Math.min(...x2)}:${Math.max(...x2)}`,
  );

  const latest = await viper(server.app, 'viperhpdetraining', {
    ...hpde(),
    sendcoefto: coefs,
    coeftoprocess: '0,1,2',
    coefsubtopicnames: 'constant,x1,x2',
  });
  assert.equal(latest.DeployedTo, 'models');
  // the deployed model stays the one promoted before, while the algokey's latest moved on
  assert.equal((await server.store.models.resolveDeployed(ids.algokey))?.version, deployedVersion?.version);
  assert.equal(
    (await server.store.models.resolve(ids.algokey))?.version,
    (deployedVersion?.version ?? 0) + 1,
  );
  assert.equal(latest.HasConstantTerm, 1);
  const estimates = String(latest.ParameterEstimates).split(',').map(Number);
  assert.equal(estimates.length, 3, JSON.stringify(latest));
  [5, 2, -1].forEach((want, k) =>
    assert.ok(Math.abs(estimates[k] - want) < 0.3, `estimate ${k}: ${estimates[k]}`),
  );
  const streamed = await server.backbone.fetch({ topic: coefs, partition: 0, offset: 0 });
  const records = streamed.records.map((r) => JSON.parse(String(r.value)) as Record<string, unknown>);
  assert.deepEqual(
    records.map((r) => r.Subtopic),
    ['constant', 'x1', 'x2'],
  );
  assert.deepEqual(
    records.map((r) => r.Value),
    estimates,
  );

  const p = await viper(server.app, 'viperhpdepredict', { ...predict(), algokey: ids.algokey, usedeploy: 1 });
  assert.equal(p.Usedeploy, 1, JSON.stringify(p));
  // 2·40 − 20 + 5 = 65
  assert.ok(Math.abs(Number(p.Hyperprediction) - 65) < 2, JSON.stringify(p));
});

test('/v1 takes the same controls under its own names', async () => {
  const response = await server.app.inject({
    method: 'POST',
    url: '/v1/models',
    headers: { authorization: `Bearer ${server.user}` },
    payload: {
      consumeFrom: ids.training,
      produceTo: ids.params,
      consumerId: ids.trainingConsumer,
      producerId: ids.paramsProducer,
      modelruns: 4,
      islogistic: true,
      classificationRule: `classification_name=big:${ids.streams[0]}=60,n`,
    },
  });
  assert.equal(response.statusCode, 201, response.body);
  const body = JSON.parse(response.body) as {
    dependentVariable: string;
    controls: { accuracyThreshold: number };
  };
  assert.equal(body.dependentVariable, 'big');
  assert.equal(body.controls.accuracyThreshold, 0.5);
  const bad = await server.app.inject({
    method: 'POST',
    url: '/v1/predictions',
    headers: { authorization: `Bearer ${server.user}` },
    payload: {
      produceTo: ids.predictions,
      producerId: ids.predictionsProducer,
      algokey: 'nobody_json',
      useDeployed: true,
      inputs: [1, 2],
    },
  });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.match(bad.body, /useDeployed/);
});
