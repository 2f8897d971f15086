// Bad input on every VIPER endpoint tml serves: each gets an ERROR naming the parameter, the server
// stays up, and nothing stored changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let producerId = '';
let consumerId = '';
let groupId = '';
before(async () => {
  server = await startTestServer();
  producerId = String(
    (await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'good' })).ProducerId,
  );
  await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'other' });
  await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'good',
    producerid: producerId,
    externalprediction: 1,
  });
  consumerId = String(
    (await viper(server.app, 'subscribeconsumer', { vipertoken: server.admin, topic: 'good' })).Consumerid,
  );
  groupId = String(
    (
      await viper(server.app, 'createconsumergroup', {
        vipertoken: server.admin,
        topic: 'good',
        groupname: 'g1',
      })
    ).Groupid,
  );
});
after(async () => {
  await server.close();
});

async function snapshot(): Promise<string> {
  const topics = (await server.backbone.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const offsets = await Promise.all(topics.map((t) => server.backbone.listOffsets(t)));
  return JSON.stringify({
    topics,
    offsets,
    registrations: [
      server.store.topics.values(),
      server.store.consumers.values(),
      server.store.groups.values(),
    ],
    committed: await server.backbone.committedOffsets(groupId),
  });
}

const BIG = 'x'.repeat(1024 * 1024 + 1);
const NAMES = (parameter: string) => new RegExp(`parameter '${parameter}'`);

type Case = [endpoint: string, params: () => Record<string, string | number>, expected: RegExp];

const cases: Case[] = [
  // createtopics
  ['createtopics', () => ({}), /parameter 'topic' is required/],
  ['createtopics', () => ({ topic: '' }), /parameter 'topic' is required/],
  [
    'createtopics',
    () => ({ topic: 'n', numpartitions: 'abc' }),
    /parameter 'numpartitions' must be an integer, got 'abc'/,
  ],
  [
    'createtopics',
    () => ({ topic: 'n', numpartitions: 'NaN' }),
    /parameter 'numpartitions' must be an integer, got 'NaN'/,
  ],
  [
    'createtopics',
    () => ({ topic: 'n', numpartitions: 'Infinity' }),
    /parameter 'numpartitions' must be an integer/,
  ],
  [
    'createtopics',
    () => ({ topic: 'n', numpartitions: 0 }),
    /parameter 'numpartitions' must be an integer from 1/,
  ],
  ['createtopics', () => ({ topic: 'n', replicationfactor: '1.5' }), NAMES('replicationfactor')],
  ['createtopics', () => ({ topic: 'a+b' }), /parameter 'topic' must be .* got 'a b'/],
  ['createtopics', () => ({ topic: 'a%b' }), /parameter 'topic' must be .* got 'a%b'/],
  ['createtopics', () => ({ topic: 'a%26b' }), /parameter 'topic' must be .* got 'a&b'/],
  ['createtopics', () => ({ topic: 'caf%C3%A9' }), /parameter 'topic' must be .* got 'café'/],
  [
    'createtopics',
    () => ({ topic: '__tml_metadata' }),
    /parameter 'topic' names starting with '__' are reserved/,
  ],
  [
    'createtopics',
    () => ({ topic: 'n', description: BIG }),
    /the URL is 1048\d+ characters, over the limit of 65536 for 'createtopics'/,
  ],
  // listtopics has no parameters beyond the token; a bad token is covered in viper-topics.
  // deletetopics / activatetopic / deactivatetopic
  ['deletetopics', () => ({}), /parameter 'topic' is required/],
  ['deletetopics', () => ({ topic: 'good,nope' }), /topic 'nope' does not exist/],
  ['deletetopics', () => ({ topic: '__tml_metadata' }), /reserved/],
  ['activatetopic', () => ({}), /parameter 'topic' is required/],
  ['activatetopic', () => ({ topic: 'nope' }), /topic 'nope' does not exist/],
  ['deactivatetopic', () => ({ topic: 'caf%C3%A9' }), NAMES('topic')],
  ['modifytopicdetails', () => ({ companyname: 'x' }), /parameter 'topic' is required/],
  ['modifytopicdetails', () => ({ topic: 'nope', companyname: 'x' }), /topic 'nope' does not exist/],
  ['modifytopicdetails', () => ({ topic: 'good', isgroup: 'maybe' }), /parameter 'isgroup' must be 1 or 0/],
  ['modifytopicdetails', () => ({ topic: 'nogroup', isgroup: 1 }), /group 'nogroup' does not exist/],
  ['modifyconsumerdetails', () => ({ topic: 'good' }), /parameter 'consumerid' is required/],
  ['modifyconsumerdetails', () => ({ topic: 'other', consumerid: consumerId }), /not 'other'/],
  ['activategroup', () => ({ groupid: 'GroupId-zzz' }), /group 'GroupId-zzz' does not exist/],
  ['deactivategroup', () => ({ groupname: 'gr%C3%BCn' }), /group 'grün' does not exist/],
  // producetotopic
  [
    'producetotopic',
    () => ({ producerid: producerId, externalprediction: 1 }),
    /parameter 'topic' is required/,
  ],
  ['producetotopic', () => ({ topic: 'good', externalprediction: 1 }), /parameter 'producerid' is required/],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId }),
    /parameter 'externalprediction' is required/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId, externalprediction: 'NaN' }),
    /parameter 'externalprediction' must be a finite number or text, got 'NaN'/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId, externalprediction: '-Infinity' }),
    NAMES('externalprediction'),
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId, externalprediction: BIG }),
    /parameter 'externalprediction' is 1048577 bytes/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId, externalprediction: 1, topicid: 'abc' }),
    /parameter 'topicid' must be an integer/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'nope', producerid: producerId, externalprediction: 1 }),
    /topic 'nope' does not exist/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'other', producerid: producerId, externalprediction: 1 }),
    /produces to topic 'good', not 'other'/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: 'ProducerId-zzz', externalprediction: 1 }),
    /producer id 'ProducerId-zzz' is not known/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good,other', producerid: producerId, externalprediction: 1 }),
    /parameter 'producerid' must name one producer id per topic/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good', producerid: producerId, inputdata: 'NaN' }),
    /parameter 'inputdata' must be a finite number/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good,other', producerid: `${producerId},${producerId}`, externalprediction: 1 }),
    /produces to topic 'good', not 'other'/,
  ],
  [
    'producetotopic',
    () => ({ topic: 'good,nope', producerid: `${producerId},${producerId}`, externalprediction: 1 }),
    /topic 'nope' does not exist/,
  ],
  // producetotopicbulk
  [
    'producetotopicbulk',
    () => ({ topic: 'good', producerid: producerId }),
    /parameter 'externalprediction' is required/,
  ],
  [
    'producetotopicbulk',
    () => ({ topic: 'good', producerid: producerId, externalprediction: '1,2,NaN,4' }),
    /parameter 'externalprediction' item 3 must be a finite number or text, got 'NaN'/,
  ],
  [
    'producetotopicbulk',
    () => ({ topic: 'good', producerid: producerId, externalprediction: '1,,2' }),
    /parameter 'externalprediction' item 2 is empty/,
  ],
  [
    'producetotopicbulk',
    () => ({ topic: 'good', producerid: 'ProducerId-zzz', externalprediction: '1,2' }),
    /is not known/,
  ],
  [
    'producetotopicbulk',
    () => ({ topic: 'good', producerid: producerId, externalprediction: BIG }),
    /parameter 'externalprediction' is 1048577 bytes/,
  ],
  // subscribeconsumer / unsubscribeconsumer
  ['subscribeconsumer', () => ({}), /parameter 'topic' is required/],
  ['subscribeconsumer', () => ({ topic: 'nope' }), /topic 'nope' does not exist/],
  ['subscribeconsumer', () => ({ topic: 'a+b%' }), /parameter 'topic' must be/],
  ['unsubscribeconsumer', () => ({}), /parameter 'consumerid' is required/],
  [
    'unsubscribeconsumer',
    () => ({ consumerid: 'ConsumerId-zzz' }),
    /consumer id 'ConsumerId-zzz' is not subscribed/,
  ],
  // consumefromtopic
  ['consumefromtopic', () => ({ consumerid: consumerId }), /parameter 'topic' is required/],
  [
    'consumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, offset: 'abc' }),
    /parameter 'offset' must be an integer, got 'abc'/,
  ],
  [
    'consumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, offset: -5 }),
    /parameter 'offset' must be -1/,
  ],
  [
    'consumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, partition: 7 }),
    /parameter 'partition' must be -1 \(all\) or a partition of topic 'good' \(0..0\), got 7/,
  ],
  [
    'consumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, rollbackoffsets: 150 }),
    /parameter 'rollbackoffsets' must be a percentage/,
  ],
  [
    'consumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, rollbackoffsets: 'NaN' }),
    NAMES('rollbackoffsets'),
  ],
  [
    'consumefromtopic',
    () => ({ topic: 'other', consumerid: consumerId }),
    /was subscribed to topic 'good', not 'other'/,
  ],
  ['consumefromtopic', () => ({ topic: 'good', consumerid: 'ConsumerId-zzz' }), /is not subscribed/],
  // createconsumergroup / consumergroupconsumefromtopic
  ['createconsumergroup', () => ({ topic: 'good' }), /parameter 'groupname' is required/],
  ['createconsumergroup', () => ({ groupname: 'g2' }), /parameter 'topic' is required/],
  [
    'createconsumergroup',
    () => ({ topic: 'good', groupname: 'a+b' }),
    /parameter 'groupname' must be .* got 'a b'/,
  ],
  [
    'createconsumergroup',
    () => ({ topic: 'good', groupname: 'gr%C3%BCn' }),
    /parameter 'groupname' must be .* got 'grün'/,
  ],
  ['createconsumergroup', () => ({ topic: 'good,nope', groupname: 'g3' }), /topic 'nope' does not exist/],
  [
    'consumergroupconsumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId }),
    /parameter 'groupid' is required/,
  ],
  [
    'consumergroupconsumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, groupid: 'GroupId-zzz' }),
    /group id 'GroupId-zzz' does not exist/,
  ],
  [
    'consumergroupconsumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, groupid: groupId, offset: 'Infinity' }),
    /parameter 'offset' must be an integer/,
  ],
  [
    'consumergroupconsumefromtopic',
    () => ({ topic: 'good', consumerid: consumerId, groupid: groupId, rollbackoffset: -1 }),
    /parameter 'rollbackoffset' must be a count/,
  ],
  [
    'consumergroupconsumefromtopic',
    () => ({ topic: 'other', consumerid: consumerId, groupid: groupId }),
    /does not read topic 'other'/,
  ],
];

test('every bad call answers an ERROR naming the problem; the server stays up; nothing stored changes', async () => {
  const before = await snapshot();
  for (const [endpoint, params, expected] of cases) {
    const body = await viper(server.app, endpoint, { vipertoken: server.admin, ...params() });
    assert.equal(
      typeof body.ERROR,
      'string',
      `${endpoint} ${JSON.stringify(params()).slice(0, 120)} → ${JSON.stringify(body)}`,
    );
    assert.match(String(body.ERROR), expected, `${endpoint} ${JSON.stringify(params()).slice(0, 120)}`);
    assert.ok(String(body.ERROR).length < 400, 'errors stay short even for huge values');
  }
  assert.equal(await snapshot(), before);
  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
});

test('a value over 1 MB reaches the parameter check through a real socket too', async () => {
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://127.0.0.1:${address.port}/producetotopic?vipertoken=${server.admin}&topic=good&producerid=${producerId}&externalprediction=${BIG}`;
  const response = await fetch(url);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { ERROR?: string };
  assert.match(
    String(body.ERROR),
    /parameter 'externalprediction' is 1048577 bytes, over the limit of 1048576 bytes/,
  );
});

test('a path Fastify cannot decode still answers 200 with an ERROR on the VIPER face, a problem on /v1', async () => {
  for (const url of ['/%zz', '/crea%E0%A4%Atetopics?vipertoken=x']) {
    const response = await server.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.json().ERROR), /the URL path is not valid/);
  }
  const v1 = await server.app.inject({ method: 'GET', url: '/v1/%zz' });
  assert.equal(v1.statusCode, 400);
  assert.equal(v1.json().code, 'BAD_URL');
  assert.match(String(v1.headers['content-type']), /^application\/problem\+json/);
});
