// consumefromtopicbatch's timedelay: VIPER reads in a loop that pauses timedelay seconds between
// rounds; here one read that, when nothing new is there, waits up to timedelay seconds for records.
// A record produced while the call waits is in its answer; consumefromtopic does not wait; a bad
// timedelay is an ERROR naming it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let producer = '';
let consumer = '';
before(async () => {
  server = await startTestServer();
  producer = String(
    (await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'waits', ...CONTACT }))
      .ProducerId,
  );
  consumer = String(
    (await viper(server.app, 'subscribeconsumer', { vipertoken: server.user, topic: 'waits', ...CONTACT }))
      .Consumerid,
  );
});
after(async () => {
  await server.close();
});

type Read = { ERROR?: string; StreamTopicDetails: { TopicReads: Array<{ Value: string }> } };
const read = (endpoint: string, extra: Record<string, string | number>) =>
  viper<Read>(server.app, endpoint, {
    vipertoken: server.user,
    topic: 'waits',
    consumerid: consumer,
    companyname: 'OTICS',
    offset: -1,
    ...extra,
  });
const produce = (value: string) =>
  viper(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'waits',
    producerid: producer,
    externalprediction: value,
  });

test('a batch read with timedelay waits for the next record; without it, answers at once', async () => {
  await produce('first');
  assert.deepEqual(
    (await read('consumefromtopicbatch', { offset: 0 })).StreamTopicDetails.TopicReads.map((r) => r.Value),
    ['first'],
  );
  // nothing new: a plain read and a timedelay=0 batch read answer empty
  assert.equal((await read('consumefromtopic', {})).StreamTopicDetails.TopicReads.length, 0);
  assert.equal(
    (await read('consumefromtopicbatch', { timedelay: 0 })).StreamTopicDetails.TopicReads.length,
    0,
  );
  // a record produced while the batch read waits is what it answers
  const waiting = read('consumefromtopicbatch', { timedelay: 30 });
  await delay(300);
  await produce('second');
  const y = await waiting;
  assert.deepEqual(
    y.StreamTopicDetails.TopicReads.map((r) => r.Value),
    ['second'],
    JSON.stringify(y),
  );
  // nothing arrives: it answers empty once timedelay has passed
  assert.equal(
    (await read('consumefromtopicbatch', { timedelay: 0.2 })).StreamTopicDetails.TopicReads.length,
    0,
  );
});

test('a bad timedelay is an ERROR naming it', async () => {
  for (const bad of [-1, 61, 'soon']) {
    const y = await read('consumefromtopicbatch', { timedelay: bad });
    assert.match(String(y.ERROR), /timedelay/, `${bad}: ${JSON.stringify(y)}`);
  }
});
