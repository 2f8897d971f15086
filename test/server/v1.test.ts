import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function call(token: string | undefined, options: InjectOptions) {
  const response = await server.app.inject({
    ...options,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  return {
    status: response.statusCode,
    type: String(response.headers['content-type']),
    body: response.json(),
  };
}

function isProblem(
  r: { status: number; type: string; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(r.body.status, status);
  assert.equal(r.body.code, code);
  assert.equal(typeof r.body.title, 'string');
  assert.equal(typeof r.body.detail, 'string');
  assert.match(String(r.body.type), /^urn:tml:problem:/);
}

test('401 without or with a wrong token, 403 for a user on an admin operation', async () => {
  isProblem(await call(undefined, { method: 'GET', url: '/v1/topics' }), 401, 'UNAUTHORIZED');
  isProblem(
    await call('tml_0000000000000000_' + 'A'.repeat(43), { method: 'GET', url: '/v1/topics' }),
    401,
    'UNAUTHORIZED',
  );
  // The VIPER token parameter is not a /v1 credential.
  isProblem(
    await call(undefined, { method: 'GET', url: `/v1/topics?vipertoken=${server.admin}` }),
    401,
    'UNAUTHORIZED',
  );
  isProblem(
    await call(server.user, { method: 'POST', url: '/v1/topics', payload: { topic: 'x' } }),
    403,
    'FORBIDDEN',
  );
  isProblem(
    await call(server.user, { method: 'POST', url: '/v1/tokens', payload: { role: 'admin' } }),
    403,
    'FORBIDDEN',
  );
});

test('topics, records, consumers and groups through /v1', async () => {
  const created = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: { topic: 'v1-stream', partitions: 2, companyname: 'OTICS' },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.existed, false);
  assert.match(created.body.producerId, /^ProducerId-[A-Za-z0-9_-]{30}$/);
  const again = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: { topic: 'v1-stream' },
  });
  assert.equal(again.status, 200);
  assert.equal(again.body.producerId, created.body.producerId);

  const one = await call(server.user, {
    method: 'POST',
    url: '/v1/topics/v1-stream/records',
    payload: { producerId: created.body.producerId, value: 42.5 },
  });
  assert.equal(one.status, 201);
  assert.equal(one.body.topic, 'v1-stream');
  const bulk = await call(server.user, {
    method: 'POST',
    url: '/v1/topics/v1-stream/records/bulk',
    payload: { producerId: created.body.producerId, values: [1, 2, 'three'] },
  });
  assert.equal(bulk.status, 201);
  assert.equal(bulk.body.records, 3);

  const sub = await call(server.user, {
    method: 'POST',
    url: '/v1/consumers',
    payload: { topic: 'v1-stream' },
  });
  assert.equal(sub.status, 201);
  const poll = await call(server.user, {
    method: 'POST',
    url: `/v1/consumers/${sub.body.consumerId}/poll`,
    payload: { offset: 0 },
  });
  assert.equal(poll.status, 200);
  assert.deepEqual(poll.body.records.map((r: { value: string }) => r.value).sort(), [
    '1',
    '2',
    '42.5',
    'three',
  ]);
  const empty = await call(server.user, {
    method: 'POST',
    url: `/v1/consumers/${sub.body.consumerId}/poll`,
    payload: {},
  });
  assert.deepEqual(empty.body.records, []);
  assert.equal(empty.body.lastOffset, -1);

  const group = await call(server.admin, {
    method: 'POST',
    url: '/v1/groups',
    payload: { groupName: 'v1-group', topics: ['v1-stream'] },
  });
  assert.equal(group.status, 201);
  const gpoll = await call(server.user, {
    method: 'POST',
    url: `/v1/groups/${group.body.groupId}/poll`,
    payload: { topic: 'v1-stream', consumerId: sub.body.consumerId },
  });
  assert.equal(gpoll.status, 200);
  assert.equal(gpoll.body.records.length, 4);

  const listed = await call(server.user, { method: 'GET', url: '/v1/topics' });
  const t = listed.body.topics.find((x: { topic: string }) => x.topic === 'v1-stream');
  assert.equal(t.records, 4);
  assert.equal(t.producerId, undefined);

  assert.equal(
    (await call(server.admin, { method: 'POST', url: '/v1/topics/v1-stream/deactivate' })).body.active,
    false,
  );
  isProblem(
    await call(server.user, {
      method: 'POST',
      url: '/v1/topics/v1-stream/records',
      payload: { producerId: created.body.producerId, value: 1 },
    }),
    403,
    'TOPIC_INACTIVE',
  );
  assert.equal(
    (await call(server.admin, { method: 'POST', url: '/v1/topics/v1-stream/activate' })).body.active,
    true,
  );

  const patched = await call(server.admin, {
    method: 'PATCH',
    url: '/v1/topics/v1-stream',
    payload: { location: 'Lyon' },
  });
  assert.equal(patched.body.location, 'Lyon');
  assert.equal(patched.body.companyname, 'OTICS');
  const patchedConsumer = await call(server.user, {
    method: 'PATCH',
    url: `/v1/consumers/${sub.body.consumerId}`,
    payload: { companyname: 'Z' },
  });
  assert.equal(patchedConsumer.body.companyname, 'Z');
  const off = await call(server.admin, {
    method: 'POST',
    url: `/v1/groups/${group.body.groupId}/deactivate`,
  });
  assert.equal(off.body.active, false);
  isProblem(
    await call(server.user, {
      method: 'POST',
      url: `/v1/groups/${group.body.groupId}/poll`,
      payload: { topic: 'v1-stream', consumerId: sub.body.consumerId },
    }),
    403,
    'GROUP_INACTIVE',
  );
  isProblem(
    await call(server.user, { method: 'POST', url: `/v1/groups/${group.body.groupId}/activate` }),
    403,
    'FORBIDDEN',
  );

  const unsub = await call(server.user, { method: 'DELETE', url: `/v1/consumers/${sub.body.consumerId}` });
  assert.equal(unsub.status, 200);
  const deleted = await call(server.admin, { method: 'DELETE', url: '/v1/topics/v1-stream' });
  assert.deepEqual(deleted.body, { deleted: ['v1-stream'] });
  isProblem(
    await call(server.admin, { method: 'DELETE', url: '/v1/topics/v1-stream' }),
    404,
    'UNKNOWN_TOPIC',
  );
});

test('validation problems name the field', async () => {
  const r1 = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: { topic: 'x', partitions: 'abc' },
  });
  isProblem(r1, 400, 'INVALID_PARAMETER');
  assert.equal(r1.body.parameter, 'partitions');
  const r2 = await call(server.admin, { method: 'POST', url: '/v1/topics', payload: {} });
  assert.equal(r2.body.parameter, 'topic');
  assert.match(r2.body.detail, /'topic' is required/);
  const r3 = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: { topic: 'x', bogus: 1 },
  });
  assert.equal(r3.body.parameter, 'bogus');
  const r4 = await call(server.admin, { method: 'POST', url: '/v1/topics', payload: { topic: 'a+b%c&d' } });
  isProblem(r4, 400, 'INVALID_PARAMETER');
  assert.equal(r4.body.parameter, 'topic');
  const r5 = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: '{"topic": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(r5.status, 400);
  const created = await call(server.admin, {
    method: 'POST',
    url: '/v1/topics',
    payload: { topic: 'v1-checks' },
  });
  const nan = await call(server.user, {
    method: 'POST',
    url: '/v1/topics/v1-checks/records',
    payload: { producerId: created.body.producerId, value: 'NaN' },
  });
  isProblem(nan, 400, 'INVALID_PARAMETER');
  assert.equal(nan.body.parameter, 'value');
  const wrongProducer = await call(server.user, {
    method: 'POST',
    url: '/v1/topics/v1-checks/records',
    payload: { producerId: 'ProducerId-unknown', value: 1 },
  });
  isProblem(wrongProducer, 404, 'UNKNOWN_PRODUCER');
  assert.equal(wrongProducer.body.parameter, 'producerId');
  isProblem(await call(server.user, { method: 'GET', url: '/v1/nothing-here' }), 404, 'NOT_FOUND');
});

test('tokens: create (shown once), list without secrets, use, revoke; the last admin stays', async () => {
  const created = await call(server.admin, {
    method: 'POST',
    url: '/v1/tokens',
    payload: { role: 'user', label: 'ci' },
  });
  assert.equal(created.status, 201);
  const token = created.body.token as string;
  assert.equal((await call(token, { method: 'GET', url: '/v1/topics' })).status, 200);
  const listed = await call(server.admin, { method: 'GET', url: '/v1/tokens' });
  assert.ok(listed.body.tokens.some((t: { id: string }) => t.id === created.body.info.id));
  assert.equal(JSON.stringify(listed.body).includes(token), false);
  assert.equal(JSON.stringify(listed.body).includes('hash'), false);
  const revoked = await call(server.admin, { method: 'DELETE', url: `/v1/tokens/${created.body.info.id}` });
  assert.equal(revoked.status, 200);
  isProblem(await call(token, { method: 'GET', url: '/v1/topics' }), 401, 'UNAUTHORIZED');
  const adminId = server.admin.split('_')[1];
  isProblem(
    await call(server.admin, { method: 'DELETE', url: `/v1/tokens/${adminId}` }),
    409,
    'LAST_ADMIN_TOKEN',
  );
});

test('status needs no token; openapi.json describes every /v1 operation from the route schemas', async () => {
  const status = await call(undefined, { method: 'GET', url: '/v1/status' });
  assert.equal(status.status, 200);
  assert.equal(status.body.busy, false);
  const doc = (await call(undefined, { method: 'GET', url: '/v1/openapi.json' })).body;
  assert.equal(doc.openapi, '3.1.0');
  const operations = Object.values(
    doc.paths as Record<string, Record<string, { operationId: string }>>,
  ).flatMap((p) => Object.values(p).map((o) => o.operationId));
  for (const id of [
    'createTopic',
    'listTopics',
    'deleteTopic',
    'activateTopic',
    'deactivateTopic',
    'produce',
    'produceBulk',
    'subscribe',
    'unsubscribe',
    'consume',
    'createGroup',
    'groupConsume',
    'status',
    'createToken',
    'listTokens',
    'revokeToken',
    'modifyTopic',
    'modifyConsumer',
    'activateGroup',
    'deactivateGroup',
  ]) {
    assert.ok(operations.includes(id), `missing ${id}`);
  }
  const produce = doc.paths['/topics/{topic}/records'].post;
  assert.equal(produce.parameters[0].name, 'topic');
  assert.deepEqual(produce.requestBody.content['application/json'].schema.required, ['producerId', 'value']);
  assert.equal(
    produce.responses['400'].content['application/problem+json'].schema.$ref,
    '#/components/schemas/Problem',
  );
  assert.ok(doc.components.schemas.Problem);
  assert.equal(JSON.stringify(doc).includes('"$ref":"Problem"'), false);
});
