// /v1 solutions on a real server (embedded backbone, the real catalog): the CRUD round trip, the
// registry of a solution with no model yet, and the errors (field named, 404, 409, 401/403).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

function solutionSpec(name: string): Record<string, unknown> {
  return {
    name,
    inputs: [{ topic: `${name}-x` }, { topic: `${name}-y` }],
    window: { records: 100 },
    dependentVariable: `${name}-y`,
    independentVariables: [`${name}-x`],
    retrain: { everySeconds: 5 },
    automl: { modelruns: 3 },
  };
}

function call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string, body?: unknown) {
  return server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
  });
}

test('create, list, describe, pause, resume, models, entities, delete', async () => {
  const created = await call('POST', '/v1/solutions', server.admin, solutionSpec('crud'));
  assert.equal(created.statusCode, 201, created.body);
  const view = created.json();
  assert.equal(view.name, 'crud');
  assert.equal(view.state, 'running');
  // stored normalised: the defaults are filled in
  assert.equal(view.spec.outputs.params, 'crud-params');
  assert.equal(view.spec.automl.modelruns, 3);
  assert.equal(view.spec.predict, true);

  const list = (await call('GET', '/v1/solutions', server.user)).json();
  assert.deepEqual(
    list.solutions.map((s: { name: string }) => s.name),
    ['crud'],
  );
  const described = await call('GET', '/v1/solutions/crud', server.user);
  assert.equal(described.statusCode, 200);
  assert.deepEqual(described.json().spec, view.spec);

  const paused = await call('POST', '/v1/solutions/crud/pause', server.admin);
  assert.equal(paused.statusCode, 200, paused.body);
  assert.equal(paused.json().state, 'paused');
  assert.equal((await call('GET', '/v1/solutions/crud', server.user)).json().state, 'paused');
  const resumed = await call('POST', '/v1/solutions/crud/resume', server.admin);
  assert.equal(resumed.json().state, 'running');

  const models = await call('GET', '/v1/solutions/crud/models?limit=5', server.user);
  assert.equal(models.statusCode, 200, models.body);
  assert.deepEqual(models.json(), { solution: 'crud', entity: '', history: [], drift: [] });
  const entities = await call('GET', '/v1/solutions/crud/entities', server.user);
  assert.deepEqual(entities.json(), { solution: 'crud', entities: [] });

  const deleted = await call('DELETE', '/v1/solutions/crud', server.admin);
  assert.equal(deleted.statusCode, 200);
  assert.deepEqual(deleted.json(), { deleted: 'crud' });
  assert.equal((await call('GET', '/v1/solutions/crud', server.user)).statusCode, 404);
  assert.deepEqual((await call('GET', '/v1/solutions', server.user)).json().solutions, []);
});

test('a YAML spec is accepted with Content-Type: application/yaml', async () => {
  const yaml = [
    'name: yaml-one',
    'inputs:',
    '  - topic: temp',
    '  - topic: load',
    'window: { records: 50 }',
    'dependentVariable: load',
    'independentVariables: [temp]',
    'retrain: { everyRecords: 20 }',
  ].join('\n');
  const response = await server.app.inject({
    method: 'POST',
    url: '/v1/solutions',
    headers: { authorization: `Bearer ${server.admin}`, 'content-type': 'application/yaml' },
    payload: yaml,
  });
  assert.equal(response.statusCode, 201, response.body);
  assert.equal(response.json().spec.retrain.everyRecords, 20);
  assert.equal(response.json().spec.outputs.predictions, 'yaml-one-predictions');
  const broken = await server.app.inject({
    method: 'POST',
    url: '/v1/solutions',
    headers: { authorization: `Bearer ${server.admin}`, 'content-type': 'application/yaml' },
    payload: 'name: [unclosed',
  });
  assert.equal(broken.statusCode, 422);
  assert.equal(broken.json().parameter, '(document)');
});

test('an invalid spec answers 422 naming the field, and nothing is created', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...solutionSpec('bad1'), window: { records: 10 } }, 'window.records'],
    [{ ...solutionSpec('bad2'), dependentVariable: 'nope' }, 'dependentVariable'],
    [{ ...solutionSpec('bad3'), independentVariables: ['bad3-x', 'zz'] }, 'independentVariables.1'],
    [{ ...solutionSpec('bad4'), retrain: {} }, 'retrain'],
    [{ ...solutionSpec('bad5'), surprise: 1 }, 'surprise'],
    [
      { ...solutionSpec('bad6'), retrain: { everySeconds: 5, background: true, refresh: 'yes' } },
      'retrain.refresh',
    ],
    [{ ...solutionSpec('bad7'), retrain: { everySeconds: 5, refresh: true } }, 'retrain.refresh'],
  ];
  for (const [spec, field] of cases) {
    const response = await call('POST', '/v1/solutions', server.admin, spec);
    assert.equal(response.statusCode, 422, `${field}: ${response.body}`);
    assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    const problem = response.json();
    assert.equal(problem.code, 'INVALID_SOLUTION_SPEC');
    assert.equal(problem.parameter, field);
    assert.ok(problem.detail.includes(field), problem.detail);
  }
  const names = (await call('GET', '/v1/solutions', server.user))
    .json()
    .solutions.map((s: { name: string }) => s.name);
  assert.ok(!names.some((n: string) => n.startsWith('bad')), names.join(','));
});

test('unknown is 404, duplicate is 409, a user token may not change solutions', async () => {
  for (const [method, url] of [
    ['GET', '/v1/solutions/ghost'],
    ['GET', '/v1/solutions/ghost/models'],
    ['GET', '/v1/solutions/ghost/entities'],
    ['POST', '/v1/solutions/ghost/pause'],
    ['POST', '/v1/solutions/ghost/resume'],
    ['DELETE', '/v1/solutions/ghost'],
  ] as const) {
    const response = await call(method, url, server.admin);
    assert.equal(response.statusCode, 404, `${method} ${url}`);
    assert.equal(response.json().code, 'UNKNOWN_SOLUTION');
    assert.match(response.json().detail, /ghost/);
  }
  assert.equal((await call('POST', '/v1/solutions', server.admin, solutionSpec('twice'))).statusCode, 201);
  const again = await call('POST', '/v1/solutions', server.admin, solutionSpec('twice'));
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'SOLUTION_EXISTS');

  assert.equal((await call('POST', '/v1/solutions', server.user, solutionSpec('mine'))).statusCode, 403);
  assert.equal((await call('POST', '/v1/solutions/twice/pause', server.user)).statusCode, 403);
  assert.equal((await call('DELETE', '/v1/solutions/twice', server.user)).statusCode, 403);
  assert.equal((await call('GET', '/v1/solutions/twice', server.user)).json().state, 'running');
  const anonymous = await server.app.inject({ method: 'GET', url: '/v1/solutions' });
  assert.equal(anonymous.statusCode, 401);
  const badLimit = await call('GET', '/v1/solutions/twice/models?limit=abc', server.user);
  assert.equal(badLimit.statusCode, 400);
  assert.equal(badLimit.json().parameter, 'limit');
});

test('the OpenAPI document describes the solutions routes', async () => {
  const doc = (await server.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
  const create = doc.paths['/solutions'].post;
  assert.equal(create.operationId, 'createSolution');
  assert.ok(create.requestBody.content['application/yaml']);
  assert.ok(create.requestBody.content['application/json'].schema.properties.window);
  assert.equal(doc.paths['/solutions/{name}/models'].get.operationId, 'solutionModels');
  assert.ok(
    doc.paths['/solutions/{name}/models'].get.parameters.some((p: { name: string }) => p.name === 'entity'),
  );
});

test('the SDK drives the solutions (JSON and YAML specs) and throws their problems', async () => {
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const admin = new TmlClient({ url: `http://127.0.0.1:${address.port}`, token: server.admin });
  const created = await admin.createSolution({
    name: 'sdk',
    inputs: [{ topic: 'sdk-a' }, { topic: 'sdk-b' }],
    window: { seconds: 60, maxRecords: 500 },
    dependentVariable: 'sdk-b',
    independentVariables: ['sdk-a'],
    retrain: { everyRecords: 50, everySeconds: 30 },
  });
  assert.equal(created.spec.window.seconds, 60);
  const yaml = await admin.createSolution(
    'name: sdk-yaml\ninputs: [{topic: q}, {topic: r}]\nwindow: {records: 40}\n' +
      'dependentVariable: r\nindependentVariables: [q]\nretrain: {everySeconds: 1}\n',
  );
  assert.equal(yaml.spec.window.records, 40);
  assert.ok((await admin.listSolutions()).some((s) => s.name === 'sdk-yaml'));
  assert.equal((await admin.describeSolution('sdk')).state, 'running');
  assert.equal((await admin.pauseSolution('sdk')).state, 'paused');
  assert.equal((await admin.resumeSolution('sdk')).state, 'running');
  assert.deepEqual(await admin.solutionModels('sdk', { entity: 'e1', limit: 2 }), {
    solution: 'sdk',
    entity: 'e1',
    history: [],
    drift: [],
  });
  assert.deepEqual(await admin.solutionEntities('sdk'), []);
  await admin.deleteSolution('sdk');
  await assert.rejects(
    admin.describeSolution('sdk'),
    (e: unknown) => e instanceof TmlApiError && e.status === 404 && e.code === 'UNKNOWN_SOLUTION',
  );
  await assert.rejects(
    admin.createSolution(
      'name: sdk-bad\ninputs: []\nwindow: {records: 40}\ndependentVariable: r\nindependentVariables: [q]\nretrain: {everySeconds: 1}\n',
    ),
    (e: unknown) => e instanceof TmlApiError && e.status === 422 && e.parameter === 'inputs',
  );
});

test('PATCH /v1/solutions/:name and the SDK update a solution in place; bad updates change nothing', async () => {
  const created = (await call('POST', '/v1/solutions', server.admin, solutionSpec('patched'))).json();
  const patch = (token: string, body: unknown, name = 'patched') =>
    server.app.inject({
      method: 'PATCH',
      url: `/v1/solutions/${name}`,
      headers: { authorization: `Bearer ${token}` },
      payload: body as Record<string, unknown>,
    });
  const updated = await patch(server.admin, {
    retrain: { everySeconds: null, everyRecords: 25 },
    automl: { modelruns: 6 },
  });
  assert.equal(updated.statusCode, 200, updated.body);
  const view = updated.json();
  assert.deepEqual(view.spec.retrain, { everyRecords: 25 });
  assert.equal(view.spec.automl.modelruns, 6);
  assert.equal(view.createdAt, created.createdAt, 'the same incarnation: registry and offsets stay');
  assert.ok(view.updatedAt >= created.updatedAt);
  assert.deepEqual((await call('GET', '/v1/solutions/patched', server.user)).json().spec, view.spec);

  for (const [token, body, status, field] of [
    [server.user, { automl: { modelruns: 2 } }, 403, undefined],
    [server.admin, { dependentVariable: 'patched-x', independentVariables: ['patched-y'] }, 409, undefined],
    [server.admin, { window: { records: 3 } }, 422, 'window.records'],
    [server.admin, { name: 'renamed' }, 422, 'name'],
  ] as const) {
    const response = await patch(token, body);
    assert.equal(response.statusCode, status, response.body);
    if (field !== undefined) assert.equal(response.json().parameter, field, response.body);
  }
  assert.equal((await patch(server.admin, { automl: { modelruns: 2 } }, 'nothing-here')).statusCode, 404);
  assert.deepEqual((await call('GET', '/v1/solutions/patched', server.user)).json().spec, view.spec);
  const doc = (await server.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
  assert.equal(doc.paths['/solutions/{name}'].patch.operationId, 'updateSolution');

  if (!server.app.server.listening) await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const admin = new TmlClient({ url: `http://127.0.0.1:${address.port}`, token: server.admin });
  const viaSdk = await admin.updateSolution('patched', {
    description: 'from the SDK',
    window: { records: 60 },
  });
  assert.equal(viaSdk.spec.description, 'from the SDK');
  assert.equal(viaSdk.spec.window.records, 60);
  assert.deepEqual(viaSdk.spec.retrain, { everyRecords: 25 }, 'what the patch leaves out stays');
  await assert.rejects(
    admin.updateSolution('patched', { automl: { islogistic: true } }),
    (e: unknown) => e instanceof TmlApiError && e.status === 409 && e.code === 'SOLUTION_CHANGE_NOT_IN_PLACE',
  );
});
