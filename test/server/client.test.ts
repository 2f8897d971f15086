import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient, TmlConnectionError } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let url = '';
before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await server.close();
});

test('the SDK has one method per /v1 operation', async () => {
  const doc = (await (await fetch(`${url}/v1/openapi.json`)).json()) as { paths: unknown };
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
    (p) => Object.values(p).map((o) => o.operationId),
  );
  assert.ok(ids.length >= 20);
  for (const id of ids) {
    assert.equal(
      typeof (TmlClient.prototype as unknown as Record<string, unknown>)[id],
      'function',
      `no SDK method ${id}`,
    );
  }
});

test('the SDK drives topics, records, consumers, groups and tokens', async () => {
  const admin = new TmlClient({ url: url + '/', token: server.admin });
  const user = new TmlClient({ url, token: server.user });
  const topic = await admin.createTopic({ topic: 'sdk-topic', partitions: 2, companyname: 'OTICS' });
  assert.equal(topic.existed, false);
  assert.equal((await admin.createTopic({ topic: 'sdk-topic' })).producerId, topic.producerId);
  assert.equal((await user.produce('sdk-topic', topic.producerId, 1.5)).topic, 'sdk-topic');
  assert.equal((await user.produceBulk('sdk-topic', topic.producerId, [1, 'two', 3])).records, 3);
  const consumer = await user.subscribe('sdk-topic');
  const read = await user.consume(consumer.consumerId, { offset: 0 });
  assert.deepEqual(read.records.map((r) => r.value).sort(), ['1', '1.5', '3', 'two']);
  assert.equal((await user.modifyConsumer(consumer.consumerId, { location: 'Oslo' })).location, 'Oslo');
  const group = await admin.createGroup({ groupName: 'sdk-group', topics: ['sdk-topic'] });
  assert.equal(
    (await user.groupConsume(group.groupId, { topic: 'sdk-topic', consumerId: consumer.consumerId })).records
      .length,
    4,
  );
  assert.equal((await admin.deactivateGroup(group.groupId)).active, false);
  assert.equal((await admin.activateGroup(group.groupId)).active, true);
  assert.equal((await admin.modifyTopic('sdk-topic', { location: 'Lyon' })).location, 'Lyon');
  assert.equal((await admin.deactivateTopic('sdk-topic')).active, false);
  assert.equal((await admin.activateTopic('sdk-topic')).active, true);
  assert.ok((await user.listTopics()).some((t) => t.topic === 'sdk-topic'));
  const created = await admin.createToken('user', 'sdk');
  assert.ok((await admin.listTokens()).some((t) => t.id === created.info.id));
  assert.equal((await admin.revokeToken(created.info.id)).id, created.info.id);
  assert.equal((await user.unsubscribe(consumer.consumerId)).consumerId, consumer.consumerId);
  assert.deepEqual(await admin.deleteTopic('sdk-topic'), ['sdk-topic']);
  assert.equal((await new TmlClient({ url }).status()).busy, false);
});

test('the SDK throws the problem details, and connection errors name the server', async () => {
  const user = new TmlClient({ url, token: server.user });
  await assert.rejects(
    user.createTopic({ topic: 'nope' }),
    (e: unknown) => e instanceof TmlApiError && e.status === 403,
  );
  await assert.rejects(
    new TmlClient({ url, token: server.admin }).createTopic({ topic: 'a+b' }),
    (e: unknown) =>
      e instanceof TmlApiError &&
      e.status === 400 &&
      e.parameter === 'topic' &&
      e.code === 'INVALID_PARAMETER',
  );
  await assert.rejects(
    new TmlClient({ url }).listTopics(),
    (e: unknown) => e instanceof TmlApiError && e.status === 401,
  );
  await assert.rejects(
    new TmlClient({ url: 'http://127.0.0.1:1', timeoutMs: 2000 }).status(),
    (e: unknown) =>
      e instanceof TmlConnectionError &&
      /cannot reach the tml server at http:\/\/127\.0\.0\.1:1\/v1/.test(e.message),
  );
  assert.throws(() => new TmlClient({ url: 'localhost:8000' }), TmlConnectionError);
});
