// The optimisation defaults that differ from VIPER's (viper-protocol.md §2.9; documented in
// docs/viper-compatibility.md): a call that leaves ismin, epsilon and stretchbounds out — as the
// oldest client's does — gets maadstml's defaults (Minimization, 10, 20), and passing VIPER's
// values reproduces the seed's answer header (Maximization, 20, 10).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpFlow, type FlowIds } from './flow-fixture.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let ids: FlowIds;
before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'defaults');
});
after(async () => {
  await server.close();
});

interface Optimized {
  UserDetails: { Epsilon: number; StretchBounds: number };
  OptimizedValues: { Objective: string };
}

// what the oldest client sends (protocol §2.9): no ismin, constraints, stretchbounds, constrainttype, epsilon
const oldClientCall = () => ({
  vipertoken: server.user,
  consumefrom: ids.params,
  produceto: ids.optimal,
  consumerid: ids.paramsConsumer,
  delay: 1000,
  enabletls: 1,
  producerid: ids.optimalProducer,
  companyname: 'OTICS',
  partition: -1,
  offset: -1,
  hpdehost: 'http://127.0.0.1',
  hpdeport: 8001,
});

test('an old client that leaves the optimisation settings out gets maadstml defaults, not VIPER server ones', async () => {
  const body = await viper<Optimized>(server.app, 'viperhpdeoptimize', oldClientCall());
  assert.equal(body.OptimizedValues.Objective, 'Minimization');
  assert.equal(body.UserDetails.Epsilon, 10);
  assert.equal(body.UserDetails.StretchBounds, 20);
});

test("passing VIPER's values reproduces the seed's settings", async () => {
  const body = await viper<Optimized>(server.app, 'viperhpdeoptimize', {
    ...oldClientCall(),
    ismin: 0,
    epsilon: 20,
    stretchbounds: 10,
  });
  assert.equal(body.OptimizedValues.Objective, 'Maximization');
  assert.equal(body.UserDetails.Epsilon, 20);
  assert.equal(body.UserDetails.StretchBounds, 10);
});
