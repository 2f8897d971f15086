// The optimisation defaults (viper-protocol.md §2.9; docs/viper-compatibility.md): a call that
// leaves ismin, epsilon and stretchbounds out — as the oldest client's does — gets VIPER's server
// defaults, the seed's answer header (Maximization, 20, 10); maadstml 3.70 sends its own defaults
// (1, 10, 20), which are honoured as sent.
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

test("an old client that leaves the optimisation settings out gets VIPER's server defaults (the seed's)", async () => {
  const body = await viper<Optimized>(server.app, 'viperhpdeoptimize', oldClientCall());
  assert.equal(body.OptimizedValues.Objective, 'Maximization');
  assert.equal(body.UserDetails.Epsilon, 20);
  assert.equal(body.UserDetails.StretchBounds, 10);
});

test("maadstml's own defaults, sent explicitly, are what the call gets", async () => {
  const body = await viper<Optimized>(server.app, 'viperhpdeoptimize', {
    ...oldClientCall(),
    ismin: 1,
    epsilon: 10,
    stretchbounds: 20,
  });
  assert.equal(body.OptimizedValues.Objective, 'Minimization');
  assert.equal(body.UserDetails.Epsilon, 10);
  assert.equal(body.UserDetails.StretchBounds, 20);
});
