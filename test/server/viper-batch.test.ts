// The VIPER batch endpoints create continuous solutions: each call's parameters become a spec in the
// real catalog (checked through /v1), the same call again reuses it, and bad calls answer an ERROR
// naming the parameter and create nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopic, setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'vb', 100);
});
after(async () => {
  await server.close();
});

interface BatchAnswer {
  Solution: string;
  Action: string;
  State: string;
  Outputs: Record<string, string>;
  ERROR?: string;
}

async function solution(name: string) {
  const response = await server.app.inject({
    method: 'GET',
    url: `/v1/solutions/${name}`,
    headers: { authorization: `Bearer ${server.user}` },
  });
  assert.equal(response.statusCode, 200, `${name}: ${response.body}`);
  return response.json();
}

async function solutionNames(): Promise<string[]> {
  const response = await server.app.inject({
    method: 'GET',
    url: '/v1/solutions',
    headers: { authorization: `Bearer ${server.user}` },
  });
  return response.json().solutions.map((s: { name: string }) => s.name);
}

describe('each batch endpoint creates the expected solution', () => {
  test('viperhpdetrainingbatch from a training-data topic; the same call reuses it', async () => {
    const params = {
      vipertoken: server.admin,
      consumefrom: flow.training,
      produceto: 'vb-live-params',
      consumerid: flow.trainingConsumer,
      // the producer id of produceto (createtopic), carried in the model records
      producerid: await createTopic(server, 'vb-live-params'),
      companyname: 'OTICS',
      modelruns: 4,
      timedelay: 30,
      hpdehost: '127.0.0.1',
      hpdeport: 8001,
      topicid: -999,
    };
    const y = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', params);
    assert.equal(y.ERROR, undefined, JSON.stringify(y));
    assert.equal(y.Solution, 'viper-vb-live-params');
    assert.equal(y.Action, 'created');
    assert.equal(y.State, 'running');
    const { spec } = await solution('viper-vb-live-params');
    assert.deepEqual(
      spec.inputs.map((i: { topic: string }) => i.topic),
      flow.streams,
    );
    // the variables and the window come from the training set (50 rows, seed's rollback)
    assert.equal(spec.dependentVariable, flow.streams[0]);
    assert.deepEqual(spec.independentVariables, flow.streams.slice(1));
    assert.equal(spec.window.records, 50);
    assert.deepEqual(spec.retrain, { everySeconds: 30 });
    assert.equal(spec.automl.modelruns, 4);
    assert.equal(spec.automl.islogistic, false);
    assert.equal(spec.automl.timeBudgetMs, 120_000);
    assert.equal(spec.outputs.params, 'vb-live-params');
    assert.equal(spec.entityKey, false);

    const again = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', params);
    assert.equal(again.Action, 'reused');
    assert.equal(again.Solution, 'viper-vb-live-params');
  });

  test('viperhpdetrainingbatch from a joined topic with its variables and rollbackoffsets', async () => {
    const y = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', {
      vipertoken: server.admin,
      consumefrom: flow.joined,
      produceto: 'vb-join-params',
      dependentvariable: flow.streams[0],
      independentvariables: flow.streams[2],
      rollbackoffsets: 80,
      islogistic: 0,
      timeout: 5,
    });
    assert.equal(y.Action, 'created', JSON.stringify(y));
    const { spec } = await solution('viper-vb-join-params');
    assert.deepEqual(spec.independentVariables, [flow.streams[2]]);
    assert.equal(spec.window.records, 80);
    // timedelay 0 (VIPER: no pause) retrains after every tenth of the window
    assert.deepEqual(spec.retrain, { everyRecords: 8 });
    assert.equal(spec.automl.timeBudgetMs, 5000);
    assert.equal(spec.automl.modelruns, 10);
  });

  test('viperhpdepredictbatch adds predictions to the solution publishing to consumefrom', async () => {
    const params = { vipertoken: server.admin, consumefrom: 'vb-live-params', produceto: 'vb-live-preds' };
    const y = await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', params);
    assert.equal(y.Solution, 'viper-vb-live-params', JSON.stringify(y));
    assert.equal(y.Action, 'updated');
    const { spec } = await solution('viper-vb-live-params');
    assert.equal(spec.predict, true);
    assert.equal(spec.outputs.predictions, 'vb-live-preds');
    assert.equal(spec.automl.modelruns, 4, 'the training settings stay');
    assert.equal((await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', params)).Action, 'reused');
  });

  test('changed parameters update the solution in place (same incarnation); changed variables replace it', async () => {
    const base = {
      vipertoken: server.admin,
      consumefrom: flow.joined,
      produceto: 'vb-inplace-params',
      dependentvariable: flow.streams[0],
      independentvariables: `${flow.streams[1]},${flow.streams[2]}`,
      rollbackoffsets: 60,
      timedelay: 30,
    };
    assert.equal((await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', base)).Action, 'created');
    const first = await solution('viper-vb-inplace-params');
    const changed = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', {
      ...base,
      timedelay: 45,
      modelruns: 3,
    });
    assert.equal(changed.Action, 'updated', JSON.stringify(changed));
    const second = await solution('viper-vb-inplace-params');
    assert.equal(second.createdAt, first.createdAt, 'updated in place: its registry and champion stay');
    assert.deepEqual(second.spec.retrain, { everySeconds: 45 });
    assert.equal(second.spec.automl.modelruns, 3);
    const replaced = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', {
      ...base,
      independentvariables: flow.streams[1],
    });
    assert.equal(replaced.Action, 'replaced', JSON.stringify(replaced));
    const third = await solution('viper-vb-inplace-params');
    assert.notEqual(third.createdAt, first.createdAt, 'other variables: a new solution and registry');
    assert.deepEqual(third.spec.independentVariables, [flow.streams[1]]);
  });

  test('viperhpdepredictbatch: inputdata names the stream predicted, algokey the model; bad ones change nothing', async () => {
    const base = { vipertoken: server.admin, consumefrom: 'vb-live-params', produceto: 'vb-live-preds' };
    const before = JSON.stringify(await solution('viper-vb-live-params'));
    for (const [extra, pattern] of [
      [{ inputdata: '40,20' }, /inputdata.*reads a stream/],
      [{ inputdata: 'vb-no-such-topic' }, /inputdata.*vb-no-such-topic/],
      [{ algokey: 'someone-elses' }, /algokey.*viper-vb-live-params/],
    ] as const) {
      const y = await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', { ...base, ...extra });
      assert.match(String(y.ERROR), pattern, JSON.stringify(y));
    }
    assert.equal(JSON.stringify(await solution('viper-vb-live-params')), before, 'nothing changed');
    // the joined topic of the same streams, and the solution's own Algokey: the same solution
    const same = await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', {
      ...base,
      inputdata: flow.joined,
      algokey: 'viper-vb-live-params',
    });
    assert.equal(same.Action, 'reused', JSON.stringify(same));
    // over viperhpdetraining's model, algokey picks the model (and must be one written to consumefrom)
    const wrongModel = await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', {
      vipertoken: server.admin,
      consumefrom: flow.params,
      produceto: flow.predictions,
      algokey: 'ConsumerId-nobody_json',
    });
    assert.match(
      String(wrongModel.ERROR),
      /algokey.*not a model viperhpdetraining wrote/,
      JSON.stringify(wrongModel),
    );
  });

  test("viperhpdepredictbatch over viperhpdetraining's model creates a solution from it", async () => {
    const y = await viper<BatchAnswer>(server.app, 'viperhpdepredictbatch', {
      vipertoken: server.admin,
      consumefrom: flow.params,
      produceto: flow.predictions,
      consumerid: flow.paramsConsumer,
      producerid: flow.predictionsProducer,
      algokey: flow.algokey,
      inputdata: flow.joined,
    });
    assert.equal(y.Action, 'created', JSON.stringify(y));
    assert.equal(y.Solution, `viper-${flow.params}`);
    const { spec } = await solution(`viper-${flow.params}`);
    assert.deepEqual(
      spec.inputs.map((i: { topic: string }) => i.topic),
      flow.streams,
    );
    assert.equal(spec.dependentVariable, flow.streams[0]);
    assert.deepEqual(spec.independentVariables, flow.streams.slice(1));
    assert.equal(spec.outputs.params, flow.params);
    assert.equal(spec.outputs.predictions, flow.predictions);
  });

  test('viperhpdeoptimizebatch adds the optimisation settings and topic', async () => {
    const y = await viper<BatchAnswer>(server.app, 'viperhpdeoptimizebatch', {
      vipertoken: server.admin,
      consumefrom: 'vb-live-params',
      produceto: 'vb-live-optimal',
      ismin: 0,
      constraints: 'best',
      constrainttype: 2,
      stretchbounds: 10,
    });
    assert.equal(y.Action, 'updated', JSON.stringify(y));
    const { spec } = await solution('viper-vb-live-params');
    assert.deepEqual(spec.optimize, {
      ismin: false,
      constraints: 'best',
      constrainttype: 2,
      stretchbounds: 10,
      epsilon: 20,
    });
    assert.equal(spec.outputs.optimal, 'vb-live-optimal');
    assert.equal(spec.outputs.predictions, 'vb-live-preds', 'the predictions stay');
  });

  test('viperanomalytrainbatch and viperanomalypredictbatch set up one anomaly solution', async () => {
    const trained = await viper<BatchAnswer>(server.app, 'viperanomalytrainbatch', {
      vipertoken: server.admin,
      consumefrom: flow.joined,
      produceto: 'vb-anomalies',
      producepeergroupto: 'vb-peers',
      streamstoanalyse: `${flow.streams[1]},${flow.streams[2]}`,
      flags: `topic=${flow.streams[1]},topictype=numeric,threshnumber=200,lag=5,zthresh=2.5,influence=0.3~topic=${flow.streams[2]},topictype=numeric,threshnumber=100,lag=8,zthresh=3,influence=0.5`,
      rollbackoffsets: 60,
      timedelay: 10,
    });
    assert.equal(trained.Action, 'created', JSON.stringify(trained));
    assert.equal(trained.Solution, 'viper-anomaly-vb-peers');
    let { spec } = await solution('viper-anomaly-vb-peers');
    // timeout: VIPER's default (120 s) bounds each window's learning
    assert.deepEqual(spec.anomaly, { lag: 5, threshold: 2.5, influence: 0.3, timeoutSeconds: 120 });
    assert.equal(spec.predict, false);
    assert.deepEqual(
      spec.inputs.map((i: { topic: string }) => i.topic),
      flow.streams.slice(1),
    );
    assert.equal(spec.window.records, 60);
    assert.deepEqual(spec.retrain, { everySeconds: 10 });
    assert.equal(spec.outputs.anomalies, 'vb-anomalies');
    assert.equal(spec.outputs.peerGroups, 'vb-peers');

    const predicted = await viper<BatchAnswer>(server.app, 'viperanomalypredictbatch', {
      vipertoken: server.admin,
      consumefrom: 'vb-peers',
      produceto: 'vb-anomaly-results',
      streamstoanalyse: `${flow.streams[1]},${flow.streams[2]}`,
      flags: `riskscore=.4~complete=and~type=and,topic=${flow.streams[1]},topictype=numeric,v1<100`,
    });
    assert.equal(predicted.Solution, 'viper-anomaly-vb-peers', JSON.stringify(predicted));
    assert.equal(predicted.Action, 'updated');
    ({ spec } = await solution('viper-anomaly-vb-peers'));
    assert.equal(spec.outputs.anomalies, 'vb-anomaly-results');
    // the training settings stay; the prediction's flags set how each row's risk is assessed
    assert.deepEqual(spec.anomaly, {
      lag: 5,
      threshold: 2.5,
      influence: 0.3,
      timeoutSeconds: 120,
      scoringTimeoutSeconds: 120,
      riskscore: 0.4,
      complete: 'and',
      rules: [
        {
          stream: flow.streams[1],
          combine: 'and',
          conditions: [{ subject: 'value', operator: '<', threshold: 100 }],
        },
      ],
    });
  });

  test('preprocessbatch (viperpreprocessbatch) publishes statistics of the joined streams', async () => {
    const params = {
      vipertoken: server.admin,
      topicname: flow.joined,
      producerid: flow.joinedProducer,
      preprocesslogic: 'min,max,avg',
      maxrows: 60,
      timedelay: 5,
    };
    const y = await viper<BatchAnswer>(server.app, 'preprocessbatch', params);
    assert.equal(y.Action, 'created', JSON.stringify(y));
    assert.equal(y.Solution, `viper-preprocess-${flow.joined}`);
    const { spec } = await solution(`viper-preprocess-${flow.joined}`);
    assert.deepEqual(spec.preprocess, { statistics: ['min', 'max', 'avg'] });
    assert.equal(spec.outputs.preprocessed, flow.joined);
    assert.equal(spec.window.records, 60);
    assert.deepEqual(
      spec.inputs.map((i: { topic: string }) => i.topic),
      flow.streams,
    );
    const alias = await viper<BatchAnswer>(server.app, 'viperpreprocessbatch', params);
    assert.equal(alias.Action, 'reused');
  });
});

describe('bad batch input answers an ERROR naming the parameter and creates nothing', () => {
  const cases: Array<[string, string, Record<string, string | number>, RegExp]> = [
    ['viperhpdetrainingbatch', 'produceto missing', { consumefrom: 'vb-joined' }, /'produceto' is required/],
    [
      'viperhpdetrainingbatch',
      'unknown topic',
      { consumefrom: 'nowhere', produceto: 'x1' },
      /'consumefrom'.*nowhere/,
    ],
    [
      'viperhpdetrainingbatch',
      'window under 30 rows',
      { consumefrom: 'vb-training', produceto: 'x2', rollbackoffsets: 10 },
      /'rollbackoffsets'/,
    ],
    [
      'viperhpdetrainingbatch',
      'dependent variable not a stream',
      {
        consumefrom: 'vb-joined',
        produceto: 'x3',
        dependentvariable: 'temperature',
        independentvariables: 'vb-iv1',
      },
      /'dependentvariable'.*temperature/,
    ],
    [
      'viperhpdetrainingbatch',
      'modelruns abc',
      { consumefrom: 'vb-training', produceto: 'x4', modelruns: 'abc' },
      /'modelruns'/,
    ],
    [
      'viperhpdetrainingbatch',
      'timedelay NaN',
      { consumefrom: 'vb-training', produceto: 'x5', timedelay: 'NaN' },
      /'timedelay'/,
    ],
    [
      'viperhpdepredictbatch',
      'no model in consumefrom',
      { consumefrom: 'vb-joined', produceto: 'x6' },
      /'consumefrom'/,
    ],
    [
      'viperhpdeoptimizebatch',
      'constrainttype 7',
      { consumefrom: 'vb-live-params', produceto: 'x7', constrainttype: 7 },
      /'constrainttype'/,
    ],
    [
      'viperanomalytrainbatch',
      'a stream that does not exist (one stream is enough: no model is learnt)',
      { streamstoanalyse: 'vb-missing', flags: 'lag=5', producepeergroupto: 'p', produceto: 'a' },
      /'streamstoanalyse'/,
    ],
    [
      'viperanomalytrainbatch',
      'flags lag abc',
      {
        streamstoanalyse: 'vb-iv1,vb-iv2',
        flags: 'topic=vb-iv1,lag=abc',
        producepeergroupto: 'p',
        produceto: 'a',
      },
      /'flags'.*lag/,
    ],
    [
      'preprocessbatch',
      'preprocesslogic missing',
      { topicname: 'vb-joined', producerid: 'x' },
      /'preprocesslogic' is required/,
    ],
  ];
  for (const [endpoint, what, params, error] of cases) {
    test(`${endpoint}: ${what}`, async () => {
      const before = await solutionNames();
      const y = await viper<BatchAnswer>(server.app, endpoint, { vipertoken: server.admin, ...params });
      assert.match(String(y.ERROR), error, JSON.stringify(y));
      assert.deepEqual(await solutionNames(), before);
    });
  }

  test('a user token may not create solutions', async () => {
    const before = await solutionNames();
    const y = await viper<BatchAnswer>(server.app, 'viperhpdetrainingbatch', {
      vipertoken: server.user,
      consumefrom: flow.training,
      produceto: 'by-user',
    });
    assert.match(String(y.ERROR), /admin token/);
    assert.deepEqual(await solutionNames(), before);
  });
});
