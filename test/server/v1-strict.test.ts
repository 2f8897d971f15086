// Finding 5 of the hardening issue: /v1 takes JSON as it is — a wrong type is refused with a problem
// document naming the field, never converted — and the OpenAPI document says exactly what is
// accepted: topic-name patterns, integer maxima, and 405 for a method a path does not declare.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

async function send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: string) {
  const r = await server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${server.admin}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: body } : {}),
  });
  return { status: r.statusCode, headers: r.headers, body: JSON.parse(r.body) as Record<string, unknown> };
}

async function topicNames(): Promise<string[]> {
  return [...(await server.backbone.listTopics())].map(String).sort();
}

test('wrong JSON types in a body are refused by field, and nothing is created', async () => {
  const before = await topicNames();
  for (const [body, field] of [
    ['{"topic":123}', 'topic'],
    ['{"topic":["a"]}', 'topic'],
    ['{"topic":true}', 'topic'],
    ['{"topic":null}', 'topic'],
    ['{"topic":"ok-topic","partitions":"2"}', 'partitions'],
    ['{"topic":"ok-topic","partitions":1.5}', 'partitions'],
  ] as const) {
    const r = await send('POST', '/v1/topics', body);
    assert.equal(r.status, 400, `${body}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    assert.equal(r.body.parameter, field, `${body}: ${JSON.stringify(r.body)}`);
  }
  for (const body of ['true', '["a"]', 'null', '"a"']) {
    const r = await send('POST', '/v1/topics', body);
    assert.equal(r.status, 400, `${body}: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual(await topicNames(), before, 'no topic was created');

  const created = await send('POST', '/v1/topics', '{"topic":"strict"}');
  assert.equal(created.status, 201);
  const producerId = String(created.body.producerId);
  for (const value of ['true', 'null', '["1"]', '{"a":1}']) {
    const r = await send(
      'POST',
      '/v1/topics/strict/records',
      `{"producerId":"${producerId}","value":${value}}`,
    );
    assert.equal(r.status, 400, `value ${value}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.parameter, 'value', `value ${value}: ${JSON.stringify(r.body)}`);
  }
  const offsets = await server.backbone.listOffsets('strict');
  assert.equal(offsets[0].latest, 0, 'nothing was written');
  // The right types still work.
  const ok = await send('POST', '/v1/topics/strict/records', `{"producerId":"${producerId}","value":1.5}`);
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test('topic names and integers are checked against the patterns and maxima the document shows', async () => {
  for (const topic of ['bad name', '..', 'a/b', 'x'.repeat(250)]) {
    const r = await send('POST', '/v1/topics', JSON.stringify({ topic }));
    assert.equal(r.status, 400, `${topic}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.parameter, 'topic');
  }
  const r = await send('POST', '/v1/topics', '{"topic":"many","partitions":10001}');
  assert.equal(r.status, 400);
  assert.equal(r.body.parameter, 'partitions');

  const doc = (await send('GET', '/v1/openapi.json')).body as {
    paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
  };
  const integers: Array<{ where: string; schema: Record<string, unknown> }> = [];
  const topics: Array<{ where: string; schema: Record<string, unknown> }> = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'integer') integers.push({ where, schema: o });
    for (const [k, v] of Object.entries(o)) {
      if (
        ['topic', 'consumeFrom', 'produceTo', 'stream'].includes(k) &&
        typeof v === 'object' &&
        v !== null
      ) {
        topics.push({ where: `${where}.${k}`, schema: v as Record<string, unknown> });
      }
      walk(v, `${where}.${k}`);
    }
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      walk(op.requestBody, `${method} ${path} body`);
      walk(op.parameters, `${method} ${path} parameters`);
    }
  }
  assert.ok(integers.length > 10, `${integers.length} integers in requests`);
  for (const { where, schema } of integers)
    assert.equal(typeof schema.maximum, 'number', `${where} has a maximum`);
  assert.ok(topics.length > 5, `${topics.length} topic fields in requests`);
  for (const { where, schema } of topics) {
    if (schema.type !== 'string') continue; // `topic` in a parameter list is the parameter object
    assert.equal(typeof schema.pattern, 'string', `${where} has a pattern`);
  }
});

test('a method a path does not declare answers 405 with Allow; an unknown path 404', async () => {
  const status = await send('DELETE', '/v1/status');
  assert.equal(status.status, 405, JSON.stringify(status.body));
  assert.equal(status.headers.allow, 'GET');
  assert.equal(status.body.code, 'METHOD_NOT_ALLOWED');
  const topics = await send('PUT', '/v1/topics');
  assert.equal(topics.status, 405);
  assert.equal(topics.headers.allow, 'GET, POST');
  const one = await send('POST', '/v1/topics/any-topic');
  assert.equal(one.status, 405);
  assert.match(String(one.headers.allow), /DELETE/);
  const unknown = await send('GET', '/v1/nothing-here');
  assert.equal(unknown.status, 404);
  // A path segment longer than the router takes is a 404, not a 405 for its own method.
  const long = await send('DELETE', `/v1/consumers/${'0'.repeat(300)}`);
  assert.equal(long.status, 404, JSON.stringify(long.body));
  // A topic name of Kafka's full 249 characters reaches its route.
  const name = 't'.repeat(249);
  assert.equal((await send('POST', '/v1/topics', JSON.stringify({ topic: name }))).status, 201);
  const produced = await send('POST', `/v1/topics/${name}/records`, '{"producerId":"nobody","value":1}');
  assert.notEqual(produced.body.code, 'NOT_FOUND', JSON.stringify(produced.body));
  assert.equal(produced.body.code, 'UNKNOWN_PRODUCER', JSON.stringify(produced.body));
});
