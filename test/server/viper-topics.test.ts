import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const ID = (prefix: string) => new RegExp(`^${prefix}-[A-Za-z0-9_-]{30}$`);

test('createtopics answers the seed object form and creates the topic with its partitions', async () => {
  const body = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'viperdependentvariable',
    ...CONTACT,
    enabletls: 1,
    numpartitions: 3,
    replicationfactor: 1,
    brokerhost: '',
    brokerport: -999,
  });
  assert.equal(body.Topic, 'viperdependentvariable');
  assert.match(String(body.ProducerId), ID('ProducerId'));
  assert.equal(body.WARN, undefined);
  const description = await server.backbone.describeTopic('viperdependentvariable');
  assert.equal(description.partitions.length, 3);
  const registration = server.store.topics.get('viperdependentvariable');
  assert.equal(registration?.description, 'Test Training');

  const again = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'viperdependentvariable',
  });
  assert.deepEqual(again, {
    WARN: 'Topic already exists',
    Topic: 'viperdependentvariable',
    ProducerId: body.ProducerId,
  });
});

test('a microservice path segment is accepted, and hpdehost/hpdeport are ignored', async () => {
  const body = await viper(server.app, 'ms-a/createtopics', {
    vipertoken: server.admin,
    topic: 'behind-proxy',
    hpdehost: 'http://127.0.0.1',
    hpdeport: 8001,
  });
  assert.equal(body.Topic, 'behind-proxy');
});

test('listtopics shows topics, partitions and record counts; producer ids to admins only', async () => {
  const asAdmin = await viper<{ Topics: Record<string, unknown>[] }>(server.app, 'listtopics', {
    vipertoken: server.admin,
  });
  const t = asAdmin.Topics.find((x) => x.Topic === 'viperdependentvariable');
  assert.ok(t);
  assert.equal(t.Partitions, 3);
  assert.equal(t.Records, 0);
  assert.equal(t.Active, true);
  assert.match(String(t.ProducerId), ID('ProducerId'));
  assert.equal(
    asAdmin.Topics.some((x) => String(x.Topic).startsWith('__')),
    false,
    'internal topics are hidden',
  );
  const asUser = await viper<{ Topics: Record<string, unknown>[] }>(server.app, 'listtopics', {
    vipertoken: server.user,
  });
  assert.equal(asUser.Topics.find((x) => x.Topic === 'viperdependentvariable')?.ProducerId, undefined);
});

test('a user token cannot create, delete, activate or deactivate topics', async () => {
  for (const [endpoint, params] of [
    ['createtopics', { topic: 'by-user' }],
    ['deletetopics', { topic: 'viperdependentvariable' }],
    ['activatetopic', { topic: 'viperdependentvariable' }],
    ['deactivatetopic', { topic: 'viperdependentvariable' }],
    ['createconsumergroup', { topic: 'viperdependentvariable', groupname: 'g' }],
  ] as const) {
    const body = await viper(server.app, endpoint, { vipertoken: server.user, ...params });
    assert.match(String(body.ERROR), /needs an admin token/, endpoint);
  }
  assert.equal((await server.backbone.listTopics()).includes('by-user'), false);
});

test('a missing or wrong token gets an ERROR body (HTTP 200), areyoubusy needs none', async () => {
  assert.match(String((await viper(server.app, 'listtopics', {})).ERROR), /token is required/);
  assert.match(String((await viper(server.app, 'listtopics', { vipertoken: 'nope' })).ERROR), /not valid/);
  const busy = await viper<Record<string, unknown>[]>(server.app, 'areyoubusy', {});
  assert.equal(busy[0].Type, 'VIPER');
  assert.equal(busy[0].Busy, false);
  assert.equal(busy[1].Type, 'HPDE');
});

test('deactivated topics refuse produce; activation restores it', async () => {
  const created = await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'switchable' });
  const produce = () =>
    viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'switchable',
      producerid: String(created.ProducerId),
      externalprediction: 5,
    });
  assert.deepEqual(
    await viper(server.app, 'deactivatetopic', { vipertoken: server.admin, topic: 'switchable' }),
    {
      Topic: 'switchable',
      Active: false,
      Status: 'success',
    },
  );
  assert.match(String((await produce()).ERROR), /deactivated/);
  await viper(server.app, 'activatetopics', { vipertoken: server.admin, topic: 'switchable' });
  assert.equal((await produce()).Offset, 0);
});

test('deletetopics removes every named topic, or none when one is unknown', async () => {
  await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'doomed-1' });
  await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'doomed-2' });
  const refused = await viper(server.app, 'deletetopics', {
    vipertoken: server.admin,
    topic: 'doomed-1,no-such-topic',
  });
  assert.match(String(refused.ERROR), /topic 'no-such-topic' does not exist/);
  assert.ok((await server.backbone.listTopics()).includes('doomed-1'));
  const body = await viper(server.app, 'deletetopics', {
    vipertoken: server.admin,
    topic: 'doomed-1,doomed-2',
  });
  assert.deepEqual(body, { Deleted: ['doomed-1', 'doomed-2'], Status: 'success' });
  const topics = await server.backbone.listTopics();
  assert.equal(topics.includes('doomed-1') || topics.includes('doomed-2'), false);
  assert.equal(server.store.topics.get('doomed-1'), undefined);
});

test('unknown and planned endpoints answer a clear ERROR', async () => {
  assert.deepEqual(await viper(server.app, 'nosuchthing', { vipertoken: server.admin }), {
    ERROR: "unknown endpoint 'nosuchthing'",
  });
  // the batch forms of the flow create solutions now; chatgptstream is still planned
  assert.deepEqual(await viper(server.app, 'chatgptstream', { vipertoken: server.admin }), {
    ERROR: "endpoint 'chatgptstream' is not supported by this tml server yet",
  });
});

test('modifytopicdetails and modifyconsumerdetails change only the details given', async () => {
  await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'described',
    companyname: 'A',
    location: 'Here',
  });
  const body = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.admin,
    topic: 'described',
    companyname: 'B',
    location: '',
    isgroup: 0,
    partition: 0,
    brokerport: 9092,
  });
  assert.deepEqual(body, { Topic: 'described', Companyname: 'B', Status: 'success' });
  assert.equal(server.store.topics.get('described')?.location, 'Here');
  const byUser = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.user,
    topic: 'described',
    companyname: 'C',
  });
  assert.match(String(byUser.ERROR), /needs an admin token/);

  const sub = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'described',
    companyname: 'X',
  });
  const consumer = await viper(server.app, 'modifyconsumerdetails', {
    vipertoken: server.user,
    topic: 'described',
    consumerid: String(sub.Consumerid),
    companyname: 'Y',
  });
  assert.equal(consumer.Companyname, 'Y');
  assert.equal(server.store.consumers.get(String(sub.Consumerid))?.companyname, 'Y');
});

test('deactivategroup stops group reads until activategroup; groups are found by name or id', async () => {
  const created = await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'grouped' });
  await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'grouped',
    producerid: String(created.ProducerId),
    externalprediction: 1,
  });
  const sub = await viper(server.app, 'subscribeconsumer', { vipertoken: server.user, topic: 'grouped' });
  const group = await viper(server.app, 'createconsumergroup', {
    vipertoken: server.admin,
    topic: 'grouped',
    groupname: 'switch-g',
  });
  const read = () =>
    viper(server.app, 'consumergroupconsumefromtopic', {
      vipertoken: server.user,
      topic: 'grouped',
      consumerid: String(sub.Consumerid),
      groupid: String(group.Groupid),
    });
  const off = await viper(server.app, 'deactivategroup', {
    vipertoken: server.admin,
    groupname: 'switch-g',
    groupid: '',
  });
  assert.deepEqual(off, { Groupid: group.Groupid, Groupname: 'switch-g', Active: false, Status: 'success' });
  assert.equal((await read()).ERROR, "group 'switch-g' is deactivated");
  await viper(server.app, 'activategroup', {
    vipertoken: server.admin,
    groupname: '',
    groupid: String(group.Groupid),
  });
  assert.equal((await read()).LastOffset, 0);
  const renamed = await viper(server.app, 'modifytopicdetails', {
    vipertoken: server.admin,
    topic: 'switch-g',
    isgroup: 1,
    companyname: 'G',
  });
  assert.equal(renamed.Groupid, group.Groupid);
  assert.equal(server.store.groups.get(String(group.Groupid))?.companyname, 'G');
  const mismatch = await viper(server.app, 'activategroup', {
    vipertoken: server.admin,
    groupname: 'other',
    groupid: String(group.Groupid),
  });
  assert.match(String(mismatch.ERROR), /parameter 'groupname' is 'other' but group id/);
  const none = await viper(server.app, 'activategroup', { vipertoken: server.admin });
  assert.equal(none.ERROR, "parameter 'groupid' is required (or groupname)");
  const unknown = await viper(server.app, 'deactivategroup', {
    vipertoken: server.user,
    groupname: 'switch-g',
  });
  assert.match(String(unknown.ERROR), /needs an admin token/);
});
