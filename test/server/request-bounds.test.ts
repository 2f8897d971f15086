// Finding 3 of the hardening issue: work per request is bounded before it is done. A join whose
// window cannot fit in one record is refused before any stream is read; contact fields have one
// limit on both faces; a token holds a bounded number of consumer ids; an unknown consumer id is
// looked up without re-reading every registration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, subscribe } from './flow-fixture.js';

const MAX_MESSAGE_BYTES = 8192;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    maxMessageBytes: MAX_MESSAGE_BYTES,
    limits: { maxRegistrationsPerToken: 3 },
  });
});
after(async () => {
  await server.close();
});

function v1(method: 'POST' | 'GET', url: string, token: string, payload?: Record<string, unknown>) {
  return server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
}

test('a join whose window cannot fit in one record fails on the size bound before reading', async () => {
  const streams = ['big-a', 'big-b'];
  for (const s of streams) {
    const producerid = await createTopic(server, s);
    for (let batch = 0; batch < 5; batch++) {
      const r = await viper<{ Records: number }>(server.app, 'producetotopicbulk', {
        vipertoken: server.user,
        topic: s,
        producerid,
        externalprediction: Array.from({ length: 300 }, (_, i) => i).join(','),
      });
      assert.equal(r.Records, 300);
    }
  }
  const join = await viper<{ ProducerId: string }>(server.app, 'createjointopicstreams', {
    vipertoken: server.admin,
    topicname: 'big-joined',
    topicstojoin: streams.join(','),
    ...CONTACT,
  });
  const fetched: string[] = [];
  const fetch = server.backbone.fetch.bind(server.backbone);
  server.backbone.fetch = (request) => {
    fetched.push(request.topic);
    return fetch(request);
  };
  try {
    const y = await viper(server.app, 'producetotopicstream', {
      vipertoken: server.user,
      topicname: 'big-joined',
      producerid: join.ProducerId,
      offset: -1,
      maxrows: 1_000_000_000,
    });
    // 2 streams × 1,500 records × at least 4 bytes each > 8,192 bytes.
    assert.match(String(y.ERROR), /maxrows/);
    assert.match(String(y.ERROR), /3000 records/);
    assert.match(String(y.ERROR), /8192 bytes/);
    assert.deepEqual(
      fetched.filter((t) => streams.includes(t)),
      [],
      'no stream was read',
    );
    // A window that fits is joined as before.
    const ok = await viper(server.app, 'producetotopicstream', {
      vipertoken: server.user,
      topicname: 'big-joined',
      producerid: join.ProducerId,
      offset: -1,
      maxrows: 20,
    });
    assert.equal(ok.ERROR, undefined, JSON.stringify(ok));
  } finally {
    server.backbone.fetch = fetch;
  }
});

test('contact fields: one limit of 4,096 characters on VIPER and /v1, checked before anything is created', async () => {
  const long = 'x'.repeat(4097);
  const y = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'contact-long',
    ...CONTACT,
    companyname: long,
  });
  assert.match(String(y.ERROR), /companyname/);
  assert.match(String(y.ERROR), /4096/);
  await assert.rejects(server.backbone.describeTopic('contact-long'), /contact-long/);

  await createTopic(server, 'contact-ok');
  const sub = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.admin,
    topic: 'contact-ok',
    ...CONTACT,
    description: long,
  });
  assert.match(String(sub.ERROR), /description/);
  const fits = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.admin,
    topic: 'contact-ok',
    ...CONTACT,
    description: 'y'.repeat(4096),
  });
  assert.match(String(fits.Consumerid), /^ConsumerId-/);

  const r = await v1('POST', '/v1/topics', server.admin, { topic: 'contact-long-v1', location: long });
  assert.equal(r.statusCode, 400, r.body);
  assert.match(r.body, /location/);
  await assert.rejects(server.backbone.describeTopic('contact-long-v1'), /contact-long-v1/);
});

test('a token holds at most maxRegistrationsPerToken consumer ids; other tokens are not affected', async () => {
  await createTopic(server, 'quota');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await subscribe(server, 'quota'));
  const refused = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'quota',
    ...CONTACT,
  });
  assert.match(String(refused.ERROR), /maxRegistrationsPerToken = 3/);
  const v1Refused = await v1('POST', '/v1/consumers', server.user, { topic: 'quota' });
  assert.equal(v1Refused.statusCode, 403, v1Refused.body);
  assert.equal((JSON.parse(v1Refused.body) as { code: string }).code, 'REGISTRATION_LIMIT');
  const stored = server.store.consumers.values().filter((c) => c.topic === 'quota');
  assert.equal(stored.length, 3, 'nothing stored for the refused calls');
  // Another token still subscribes; after an unsubscribe the first one may again.
  const other = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.admin,
    topic: 'quota',
    ...CONTACT,
  });
  assert.match(String(other.Consumerid), /^ConsumerId-/);
  const gone = await viper(server.app, 'unsubscribeconsumer', {
    vipertoken: server.user,
    consumerid: ids[0],
  });
  assert.equal(gone.ERROR, undefined, JSON.stringify(gone));
  assert.match(await subscribe(server, 'quota'), /^ConsumerId-/);
});

test('an unknown consumer id is looked up by key, without re-reading every registration', async () => {
  await createTopic(server, 'lookup');
  // A consumer registered by another tml process on the same backbone is found all the same.
  const otherProcess = await openServerStore(server.backbone);
  const consumerId = 'ConsumerId-abcdefghijklmnopqrstuvwxyz0123';
  await otherProcess.consumers.put(consumerId, {
    consumerId,
    topic: 'lookup',
    groupId: '',
    createdAt: new Date().toISOString(),
    companyname: '',
    contactname: '',
    contactemail: '',
    location: '',
    description: '',
  });
  const list = MetadataStore.prototype.list;
  let lists = 0;
  MetadataStore.prototype.list = function (this: MetadataStore, prefix?: string) {
    lists++;
    return list.call(this, prefix);
  } as typeof list;
  try {
    for (let i = 0; i < 20; i++) {
      const miss = await viper(server.app, 'consumefromtopic', {
        vipertoken: server.user,
        topic: 'lookup',
        consumerid: `ConsumerId-unknown${String(i).padStart(21, '0')}`,
        offset: 0,
      });
      assert.match(String(miss.ERROR), /is not subscribed/);
    }
    const found = await viper(server.app, 'consumefromtopic', {
      vipertoken: server.user,
      topic: 'lookup',
      consumerid: consumerId,
      offset: 0,
    });
    assert.equal(found.Consumerid, consumerId, JSON.stringify(found));
    assert.equal(lists, 0, 'no lookup listed the registrations');
  } finally {
    MetadataStore.prototype.list = list;
  }
});
