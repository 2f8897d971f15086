// Adding partitions to a topic: modifytopicdetails' `partition` (VIPER), POST
// /v1/topics/{topic}/partitions and the SDK's addPartitions reach the same operation; a smaller
// count is refused naming the parameter, and the records stay where they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic } from './flow-fixture.js';

let server: TestServer;
let admin: TmlClient;
let user: TmlClient;
before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://127.0.0.1:${address.port}`;
  admin = new TmlClient({ url, token: server.admin });
  user = new TmlClient({ url, token: server.user });
});
after(async () => {
  await server.close();
});

const partitions = async (topic: string) => (await server.backbone.listOffsets(topic)).length;

test('modifytopicdetails partition grows the topic; records stay; new records reach the new partitions', async () => {
  const producer = await createTopic(server, 'grow-viper');
  await viper(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'grow-viper',
    producerid: producer,
    externalprediction: '1',
  });
  const answer = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.admin,
    topic: 'grow-viper',
    companyname: 'OTICS',
    partition: 4,
  });
  assert.equal(answer.ERROR, undefined, JSON.stringify(answer));
  assert.equal(answer.Partitions, 4);
  assert.equal(answer.Added, 3);
  assert.equal(await partitions('grow-viper'), 4);
  assert.equal((await server.backbone.listOffsets('grow-viper'))[0].latest, 1);
  // records without a key spread over the partitions: the new ones are written to
  for (let i = 0; i < 8; i++) {
    await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'grow-viper',
      producerid: producer,
      externalprediction: String(i),
    });
  }
  const used = (await server.backbone.listOffsets('grow-viper')).filter((p) => p.latest > 0);
  assert.ok(used.length > 1, JSON.stringify(used));
  // 0 (the client's default) leaves the partitions; the details still change
  const same = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.admin,
    topic: 'grow-viper',
    companyname: 'Other',
    partition: 0,
  });
  assert.equal(same.Partitions, undefined);
  assert.equal(same.Companyname, 'Other');
  assert.equal(await partitions('grow-viper'), 4);
});

test('modifytopicdetails: shrinking, bad counts, groups and users are refused naming the parameter', async () => {
  await createTopic(server, 'grow-bad');
  await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.admin,
    topic: 'grow-bad',
    companyname: 'OTICS',
    partition: 3,
  });
  const cases: Array<[Record<string, string | number>, RegExp]> = [
    [{ partition: 2 }, /parameter 'partition'.*never removed/],
    [{ partition: -1 }, /parameter 'partition'/],
    [{ partition: 'x' }, /parameter 'partition'/],
    [{ partition: 10_001 }, /parameter 'partition'/],
    [{ partition: 5, isgroup: 1 }, /parameter 'partition'/],
    // a bad detail with a growth: neither happens
    [{ partition: 5, contactemail: 'x'.repeat(5_000) }, /parameter 'contactemail'/],
  ];
  for (const [extra, expected] of cases) {
    const answer = await viper(server.app, 'modifytopicdetails', {
      vipertoken: server.admin,
      topic: 'grow-bad',
      companyname: 'OTICS',
      ...extra,
    });
    assert.match(String(answer.ERROR), expected, JSON.stringify(extra).slice(0, 100));
  }
  const asUser = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.user,
    topic: 'grow-bad',
    companyname: 'OTICS',
    partition: 5,
  });
  assert.ok(asUser.ERROR, JSON.stringify(asUser));
  assert.equal(await partitions('grow-bad'), 3);
});

test('POST /v1/topics/{topic}/partitions through the SDK: grows, refuses shrinking, needs an admin', async () => {
  await admin.createTopic({ topic: 'grow-v1', partitions: 2 });
  assert.deepEqual(await admin.addPartitions('grow-v1', 5), { topic: 'grow-v1', partitions: 5, added: 3 });
  assert.deepEqual(await admin.addPartitions('grow-v1', 5), { topic: 'grow-v1', partitions: 5, added: 0 });
  assert.equal(await partitions('grow-v1'), 5);
  await assert.rejects(admin.addPartitions('grow-v1', 4), (e: unknown) => {
    assert.ok(e instanceof TmlApiError);
    assert.equal(e.status, 400);
    assert.equal(e.parameter, 'count');
    return true;
  });
  await assert.rejects(
    admin.addPartitions('grow-v1', 0),
    (e: unknown) => e instanceof TmlApiError && e.status === 400,
  );
  await assert.rejects(
    admin.addPartitions('no-such-topic', 2),
    (e: unknown) => e instanceof TmlApiError && e.status === 404,
  );
  await assert.rejects(
    user.addPartitions('grow-v1', 6),
    (e: unknown) => e instanceof TmlApiError && e.status === 403,
  );
  assert.equal(await partitions('grow-v1'), 5);
});
