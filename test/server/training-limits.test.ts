// Finding 1 of the hardening issue: a training's `timeout` counts from the request, `modelruns` has
// a ceiling a window can use, and each token runs at most `maxTrainingsPerToken` trainings at once:
// the next is refused at once with a "busy" answer on both faces, and areyoubusy shows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MODELRUNS } from '../../src/streams/index.js';
import { setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let flow: FlowIds;
before(async () => {
  server = await startTestServer();
  flow = await setUpFlow(server, 'limits');
});
after(async () => {
  await server.close();
});

function trainParams(token: string, modelruns: number, timeout = 600) {
  return {
    vipertoken: token,
    consumefrom: flow.training,
    produceto: flow.params,
    consumerid: flow.trainingConsumer,
    producerid: flow.paramsProducer,
    companyname: 'OTICS',
    modelruns,
    timeout,
  };
}

interface Busy {
  Type: string;
  Busy: boolean;
  Trainings?: number;
  MaxTrainingsPerToken?: number;
}

test('modelruns above the ceiling is refused by name on VIPER and on /v1', async () => {
  assert.equal(MAX_MODELRUNS, 1000);
  const y = await viper(server.app, 'viperhpdetraining', trainParams(server.user, MAX_MODELRUNS + 1));
  assert.match(String(y.ERROR), /modelruns/);
  assert.match(String(y.ERROR), /1000/);
  const r = await server.app.inject({
    method: 'POST',
    url: '/v1/models',
    headers: { authorization: `Bearer ${server.user}` },
    payload: {
      consumeFrom: flow.training,
      produceTo: flow.params,
      consumerId: flow.trainingConsumer,
      producerId: flow.paramsProducer,
      modelruns: MAX_MODELRUNS + 1,
    },
  });
  assert.equal(r.statusCode, 400, r.body);
  assert.match(r.body, /modelruns/);
});

test('a third training of one token is refused as busy while two run; other tokens still train', async () => {
  const areyoubusy = async () => {
    const r = await server.app.inject({ method: 'GET', url: '/areyoubusy' });
    return (JSON.parse(r.body) as Busy[]).find((e) => e.Type === 'HPDE') as Busy;
  };
  const idle = await areyoubusy();
  assert.equal(idle.Busy, false);
  assert.equal(idle.Trainings, 0);
  assert.equal(idle.MaxTrainingsPerToken, 2);

  // Long enough to overlap: 400 candidates each, the budget generous.
  const calls = [0, 1, 2].map(() =>
    viper<Record<string, unknown>>(server.app, 'viperhpdetraining', trainParams(server.user, 400)),
  );
  const adminCall = viper<Record<string, unknown>>(
    server.app,
    'viperhpdetraining',
    trainParams(server.admin, 400),
  );
  // areyoubusy while they run: the engine reports the trainings and calls itself busy.
  let seen: Busy | undefined;
  let settled = false;
  const watch = (async () => {
    while (!settled) {
      const s = await areyoubusy();
      if ((s.Trainings ?? 0) >= 2) {
        seen = s;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const answers = await Promise.all(calls);
  settled = true;
  await watch;
  const refused = answers.filter((a) => a.ERROR !== undefined);
  assert.equal(refused.length, 1, JSON.stringify(answers.map((a) => a.ERROR ?? a.Algokey)));
  assert.match(String(refused[0].ERROR), /maxTrainingsPerToken = 2/);
  assert.equal(answers.filter((a) => typeof a.Algokey === 'string').length, 2);
  const adminAnswer = await adminCall;
  assert.equal(typeof adminAnswer.Algokey, 'string', JSON.stringify(adminAnswer));
  assert.ok(seen, 'areyoubusy showed the trainings in flight');
  assert.equal(seen.Busy, true);

  // The slots are given back: the token trains again, and the engine is idle.
  const again = await viper(server.app, 'viperhpdetraining', trainParams(server.user, 5));
  assert.equal(typeof again.Algokey, 'string', JSON.stringify(again));
  const after = await areyoubusy();
  assert.equal(after.Trainings, 0);
  assert.equal(after.Busy, false);
});

test('/v1 answers a training past the limit with 429 and a problem document', async () => {
  const body = {
    consumeFrom: flow.training,
    produceTo: flow.params,
    consumerId: flow.trainingConsumer,
    producerId: flow.paramsProducer,
    modelruns: 400,
    timeoutSeconds: 600,
  };
  const post = () =>
    server.app.inject({
      method: 'POST',
      url: '/v1/models',
      headers: { authorization: `Bearer ${server.user}` },
      payload: body,
    });
  const replies = await Promise.all([post(), post(), post()]);
  const statuses = replies.map((r) => r.statusCode).sort();
  assert.deepEqual(statuses, [201, 201, 429], replies.map((r) => r.body.slice(0, 200)).join('\n'));
  const busy = replies.find((r) => r.statusCode === 429);
  assert.ok(busy);
  assert.match(String(busy.headers['content-type']), /^application\/problem\+json/);
  const problem = JSON.parse(busy.body) as { code: string; status: number; detail: string };
  assert.equal(problem.code, 'BUSY');
  assert.equal(problem.status, 429);
  assert.match(problem.detail, /maxTrainingsPerToken/);
});
