import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
const producers: Record<string, string> = {};
before(async () => {
  server = await startTestServer();
  for (const topic of ['stream-a', 'stream-b', 'predictions']) {
    const body = await viper(server.app, 'createtopics', {
      vipertoken: server.admin,
      topic,
      ...CONTACT,
      numpartitions: topic === 'predictions' ? 3 : 1,
    });
    producers[topic] = String(body.ProducerId);
  }
});
after(async () => {
  await server.close();
});

async function stored(topic: string): Promise<string[]> {
  const values: string[] = [];
  for (const p of await server.backbone.listOffsets(topic)) {
    const { records } = await server.backbone.fetch({
      topic,
      partition: p.partition,
      offset: p.earliest,
      maxRecords: 100000,
    });
    values.push(...records.map((r) => r.value?.toString('utf8') ?? 'null'));
  }
  return values;
}

test('producetotopic writes the externalprediction value, as the seed does, with a user token', async () => {
  for (const value of ['417', '581', 'Montréal+café']) {
    const body = await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'stream-a',
      producerid: producers['stream-a'],
      getoptimal: 1,
      delay: 1000,
      enabletls: '',
      externalprediction: encodeURIComponent(value),
    });
    assert.equal(body.Topic, 'stream-a');
    assert.equal(body.Partition, 0);
    assert.equal(typeof body.Offset, 'number');
  }
  assert.deepEqual(await stored('stream-a'), ['417', '581', 'Montréal+café']);
});

test('several topics and producer ids comma-joined produce one value to each', async () => {
  const body = await viper<Record<string, unknown>[]>(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'stream-a,stream-b',
    producerid: `${producers['stream-a']},${producers['stream-b']}`,
    externalprediction: 9,
  });
  assert.deepEqual(
    body.map((b) => b.Topic),
    ['stream-a', 'stream-b'],
  );
  assert.deepEqual(await stored('stream-b'), ['9']);
});

test('a producer id only produces to its own topic', async () => {
  const before = await stored('stream-b');
  const body = await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'stream-b',
    producerid: producers['stream-a'],
    externalprediction: 1,
  });
  assert.equal(
    body.ERROR,
    `producer id '${producers['stream-a']}' produces to topic 'stream-a', not 'stream-b'`,
  );
  const unknown = await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'stream-b',
    producerid: 'ProducerId-' + 'x'.repeat(30),
    externalprediction: 1,
  });
  assert.match(String(unknown.ERROR), /is not known/);
  assert.deepEqual(await stored('stream-b'), before);
});

test('producetotopicbulk writes every value in one append and reports the offsets', async () => {
  const values = Array.from({ length: 1000 }, (_, i) => String(i));
  const body = await viper(server.app, 'producetotopicbulk', {
    vipertoken: server.user,
    topic: 'predictions',
    producerid: producers.predictions,
    externalprediction: values.join(','),
    partitionsize: 100,
  });
  assert.equal(body.Records, 1000);
  assert.equal(body.BytesWritten, values.join('').length);
  const partitions = body.Partitions as { Partition: number; FirstOffset: number; LastOffset: number }[];
  assert.equal(
    partitions.reduce((n, p) => n + p.LastOffset - p.FirstOffset + 1, 0),
    1000,
  );
  assert.deepEqual(
    (await stored('predictions')).map(Number).sort((a, b) => a - b),
    values.map(Number),
  );
});

test('subscribeconsumer answers the seed shape; consumefromtopic reads the topic and continues with offset=-1', async () => {
  const sub = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'stream-a',
    ...CONTACT,
    brokerhost: '',
    brokerport: -999,
    groupid: '',
  });
  assert.deepEqual(Object.keys(sub), ['Consumerid', 'Topic']);
  assert.match(String(sub.Consumerid), /^ConsumerId-[A-Za-z0-9_-]{30}$/);
  const read = (offset: number) =>
    viper<{
      LastOffset: number;
      BytesRead: number;
      StreamTopicDetails: { TopicReads: { Value: string; Offset: number }[] };
    }>(server.app, 'consumefromtopic', {
      vipertoken: server.user,
      topic: 'stream-a',
      consumerid: String(sub.Consumerid),
      companyname: 'OTICS',
      offset,
    });
  const first = await read(0);
  assert.deepEqual(
    first.StreamTopicDetails.TopicReads.map((r) => r.Value),
    ['417', '581', 'Montréal+café', '9'],
  );
  assert.equal(first.LastOffset, 3);
  assert.equal(first.BytesRead, Buffer.byteLength('417581Montréal+café9'));
  assert.deepEqual((await read(-1)).StreamTopicDetails.TopicReads, []);
  await viper(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'stream-a',
    producerid: producers['stream-a'],
    externalprediction: 10,
  });
  const next = await read(-1);
  assert.deepEqual(
    next.StreamTopicDetails.TopicReads.map((r) => r.Value),
    ['10'],
  );
  assert.equal(next.LastOffset, 4);
});

test('rollbackoffsets re-reads the last percentage of the stored records', async () => {
  const sub = await viper(server.app, 'subscribeconsumer', { vipertoken: server.user, topic: 'stream-a' });
  const body = await viper<{ StreamTopicDetails: { TopicReads: { Value: string }[] } }>(
    server.app,
    'consumefromtopic',
    {
      vipertoken: server.user,
      topic: 'stream-a',
      consumerid: String(sub.Consumerid),
      offset: -1,
      rollbackoffsets: 40,
    },
  );
  // 5 records stored; a new consumer id starts at the end, and 40% of 5 back is the last 2 records.
  assert.deepEqual(
    body.StreamTopicDetails.TopicReads.map((r) => r.Value),
    ['9', '10'],
  );
});

test('a consumer id only reads its own topic; unsubscribed ids read nothing', async () => {
  const sub = await viper(server.app, 'subscribeconsumer', { vipertoken: server.user, topic: 'stream-b' });
  const wrong = await viper(server.app, 'consumefromtopic', {
    vipertoken: server.user,
    topic: 'stream-a',
    consumerid: String(sub.Consumerid),
  });
  assert.equal(
    wrong.ERROR,
    `consumer id '${String(sub.Consumerid)}' was subscribed to topic 'stream-b', not 'stream-a'`,
  );
  const gone = await viper(server.app, 'unsubscribeconsumer', {
    vipertoken: server.user,
    consumerid: String(sub.Consumerid),
  });
  assert.deepEqual(gone, { Consumerid: sub.Consumerid, Topic: 'stream-b', Status: 'success' });
  const after = await viper(server.app, 'consumefromtopic', {
    vipertoken: server.user,
    topic: 'stream-b',
    consumerid: String(sub.Consumerid),
  });
  assert.match(String(after.ERROR), /is not subscribed/);
  const again = await viper(server.app, 'unsubscribeconsumer', {
    vipertoken: server.user,
    consumerid: String(sub.Consumerid),
  });
  assert.match(String(again.ERROR), /is not subscribed/);
});

test('consumer groups: seed shapes, existing names, and each record read once by the group', async () => {
  const sub = await viper(server.app, 'subscribeconsumer', { vipertoken: server.user, topic: 'predictions' });
  const created = await viper(server.app, 'createconsumergroup', {
    vipertoken: server.admin,
    topic: 'predictions',
    groupname: 'hyperprediction-group2',
    ...CONTACT,
    enabletls: 1,
  });
  assert.match(String(created.Groupid), /^GroupId-[A-Za-z0-9_-]{30}$/);
  assert.equal(created.Groupname, 'hyperprediction-group2');
  assert.equal(created.Status, undefined);
  const again = await viper(server.app, 'createconsumergroup', {
    vipertoken: server.admin,
    topic: 'predictions',
    groupname: 'hyperprediction-group2',
  });
  assert.equal(again.Status, 'Group name already exists');
  assert.equal(again.Groupid, created.Groupid);

  const read = () =>
    viper<{ LastOffset: number; BytesRead: number; Groupid: string; TopicReads: { Value: string }[] }>(
      server.app,
      'consumergroupconsumefromtopic',
      {
        vipertoken: server.user,
        topic: 'predictions',
        consumerid: String(sub.Consumerid),
        groupid: String(created.Groupid),
        companyname: 'OTICS',
        partition: -1,
        delay: 1000,
        offset: -1,
      },
    );
  const seen: string[] = [];
  for (let i = 0; i < 2; i++) {
    const body = await read();
    assert.equal(body.Groupid, created.Groupid);
    seen.push(...body.TopicReads.map((r) => r.Value));
  }
  // maxConsumeRecords is 1000: the first read takes all 1000, the second finds nothing new.
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
  const empty = await read();
  assert.equal(empty.LastOffset, -1);
  assert.deepEqual(empty.TopicReads, []);

  const other = await viper(server.app, 'consumergroupconsumefromtopic', {
    vipertoken: server.user,
    topic: 'stream-a',
    consumerid: String(sub.Consumerid),
    groupid: String(created.Groupid),
  });
  assert.equal(other.ERROR, "group 'hyperprediction-group2' does not read topic 'stream-a'");
  const unknown = await viper(server.app, 'consumergroupconsumefromtopic', {
    vipertoken: server.user,
    topic: 'predictions',
    consumerid: String(sub.Consumerid),
    groupid: 'GroupId-nope',
  });
  assert.equal(unknown.ERROR, "group id 'GroupId-nope' does not exist");
});

test('/metrics counts requests and records', async () => {
  const response = await server.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${server.admin}` },
  });
  assert.equal(response.statusCode, 200);
  assert.match(response.body, /tml_records_produced_total \d+/);
  const produced = Number(/tml_records_produced_total (\d+)/.exec(response.body)?.[1]);
  assert.ok(produced >= 1005, `produced ${produced}`);
  assert.match(
    response.body,
    /tml_http_requests_total\{face="viper",operation="producetotopic",outcome="ok"\} \d+/,
  );
  assert.match(response.body, /tml_http_request_duration_seconds_bucket/);
  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  assert.deepEqual(health.json(), { status: 'ok', backbone: 'embedded' });
});
