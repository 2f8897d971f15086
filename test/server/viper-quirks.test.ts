// VIPER's last quirks outside the flow: producetotopic with several topics and with array=1,
// consumefromtopic without a consumer id, consumefromtopicbatch, group reads past 1,000 records;
// and each one's bad input (an ERROR naming the parameter, nothing written).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
const producers: Record<string, string> = {};
before(async () => {
  server = await startTestServer();
  for (const topic of ['row', 'a', 'b', 'many']) {
    const body = await viper(server.app, 'createtopics', { vipertoken: server.admin, topic, ...CONTACT });
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
    for (const r of records) values.push(r.value?.toString('utf8') ?? '');
  }
  return values;
}

test('producetotopic with array=1 writes one row: one value per subtopic, one record', async () => {
  const body = await viper(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'row',
    producerid: producers.row,
    subtopics: 'Voltage,Current,State',
    externalprediction: '230.5,-1.25,on',
    array: 1,
  });
  assert.equal(body.ERROR, undefined, JSON.stringify(body));
  assert.equal(body.Subtopics, 'Voltage,Current,State');
  assert.deepEqual(
    (await stored('row')).map((v) => JSON.parse(v) as unknown),
    [{ Voltage: 230.5, Current: -1.25, State: 'on' }],
  );
});

test('producetotopic with several topics writes value i to topic i', async () => {
  const body = await viper<Array<Record<string, unknown>>>(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'a,b',
    producerid: `${producers.a},${producers.b}`,
    externalprediction: '1.5,2.5',
  });
  assert.deepEqual(
    body.map((b) => b.Topic),
    ['a', 'b'],
  );
  assert.deepEqual(await stored('a'), ['1.5']);
  assert.deepEqual(await stored('b'), ['2.5']);
});

test('array=1 and several-topic bad input: an ERROR naming the parameter, nothing written', async () => {
  const before = { row: await stored('row'), a: await stored('a'), b: await stored('b') };
  const cases: Array<[Record<string, string | number>, RegExp]> = [
    [
      { topic: 'row', subtopics: 'A,B,C', externalprediction: '1,2' },
      /parameter 'externalprediction' must hold one value per subtopic when array=1 \(3 subtopics, 2 values\)/,
    ],
    [{ topic: 'row', externalprediction: '1,2' }, /parameter 'subtopics' must name the variables/],
    [
      { topic: 'row', subtopics: 'A,,C', externalprediction: '1,2,3' },
      /parameter 'subtopics' must name the variables/,
    ],
    [{ topic: 'row', subtopics: 'A,A', externalprediction: '1,2' }, /parameter 'subtopics' names 'A' twice/],
    [
      { topic: 'row', subtopics: 'A,B', externalprediction: '1,' },
      /parameter 'externalprediction' value 2 \(subtopic 'B'\) is empty/,
    ],
    [
      { topic: 'row', subtopics: 'A,B', externalprediction: '1,NaN' },
      /parameter 'externalprediction' value 2 \(subtopic 'B'\) must be a finite number/,
    ],
    [
      { topic: 'row', subtopics: 'A,B', externalprediction: '1,2', array: 'maybe' },
      /parameter 'array' must be 1 or 0/,
    ],
  ];
  for (const [params, expected] of cases) {
    const body = await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      producerid: producers.row,
      array: 1,
      ...params,
    });
    assert.match(String(body.ERROR), expected, JSON.stringify(params));
  }
  const several = await viper(server.app, 'producetotopic', {
    vipertoken: server.user,
    topic: 'a,b',
    producerid: `${producers.a},${producers.b}`,
    externalprediction: '1,2,3',
  });
  assert.match(
    String(several.ERROR),
    /parameter 'externalprediction' must hold one value, or one per topic \(2 topics, 3 values\)/,
  );
  assert.deepEqual({ row: await stored('row'), a: await stored('a'), b: await stored('b') }, before);
});

test('consumefromtopic without consumerid is an anonymous read that keeps no position', async () => {
  for (let i = 0; i < 5; i++) {
    await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'many',
      producerid: producers.many,
      externalprediction: i,
    });
  }
  type Read = {
    Consumerid: string;
    LastOffset: number;
    StreamTopicDetails: { TopicReads: Array<{ Value: string }> };
  };
  for (const endpoint of ['consumefromtopic', 'consumefromtopicbatch']) {
    const first = await viper<Read>(server.app, endpoint, {
      vipertoken: server.user,
      topic: 'many',
      companyname: 'OTICS',
      timedelay: 5,
    });
    assert.equal(first.Consumerid, '');
    assert.deepEqual(
      first.StreamTopicDetails.TopicReads.map((r) => r.Value),
      ['0', '1', '2', '3', '4'],
    );
    // no position kept: the same call reads the same records again
    const again = await viper<Read>(server.app, endpoint, { vipertoken: server.user, topic: 'many' });
    assert.equal(again.StreamTopicDetails.TopicReads.length, 5);
    // offset=-1 starts at the end, rolled back by a percentage
    const tail = await viper<Read>(server.app, endpoint, {
      vipertoken: server.user,
      topic: 'many',
      offset: -1,
      rollbackoffsets: 40,
    });
    assert.deepEqual(
      tail.StreamTopicDetails.TopicReads.map((r) => r.Value),
      ['3', '4'],
    );
    for (const [params, expected] of [
      [{ topic: 'nope' }, /topic 'nope' does not exist/],
      [
        { topic: 'many', rollbackoffsets: 101 },
        /parameter 'rollbackoffsets' must be a percentage from 0 to 100/,
      ],
      [{ topic: 'many', offset: 'x' }, /parameter 'offset' must be an integer/],
      [{ topic: 'many', consumerid: 'ConsumerId-zzz' }, /is not subscribed/],
    ] as const) {
      const body = await viper(server.app, endpoint, { vipertoken: server.user, ...params });
      assert.match(String(body.ERROR), expected, `${endpoint} ${JSON.stringify(params)}`);
    }
  }
});

test('a consumer group reads past 1,000 records in pages, each record once', async () => {
  const values = Array.from({ length: 2500 }, (_, i) => String(i));
  const bulk = await viper(server.app, 'producetotopicbulk', {
    vipertoken: server.user,
    topic: 'row',
    producerid: producers.row,
    externalprediction: values.join(','),
  });
  assert.equal(bulk.Records, 2500);
  const group = await viper(server.app, 'createconsumergroup', {
    vipertoken: server.admin,
    topic: 'row',
    groupname: 'pager',
    ...CONTACT,
  });
  const consumer = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'row',
    ...CONTACT,
  });
  const seen: string[] = [];
  const pages: number[] = [];
  for (;;) {
    const page = await viper<{ TopicReads: Array<{ Value: string }>; LastOffset: number }>(
      server.app,
      'consumergroupconsumefromtopic',
      {
        vipertoken: server.user,
        topic: 'row',
        groupid: String(group.Groupid),
        consumerid: String(consumer.Consumerid),
        companyname: 'OTICS',
      },
    );
    if (page.TopicReads.length === 0) {
      assert.equal(page.LastOffset, -1);
      break;
    }
    pages.push(page.TopicReads.length);
    seen.push(...page.TopicReads.map((r) => r.Value));
  }
  assert.deepEqual(pages, [1000, 1000, 501]); // the row written by the array test, then the 2,500
  assert.deepEqual(seen.slice(1), values);
});

test('consumefromtopic selects devices by topicid (header or record key) and items by preprocesstype', async () => {
  const created = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'devices',
    ...CONTACT,
  });
  const producer = String(created.ProducerId);
  for (const [topicid, value] of [
    [1, 'a'],
    [2, 'b'],
    [1, 'c'],
  ] as const) {
    await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'devices',
      producerid: producer,
      externalprediction: value,
      topicid,
    });
  }
  // a device's record keyed by its id, and preprocessed items
  await server.backbone.produce('devices', [
    { key: Buffer.from('2'), value: Buffer.from('d') },
    { value: Buffer.from(JSON.stringify({ hyperprediction: '9', Preprocesstype: 'Max' })) },
    { value: Buffer.from(JSON.stringify({ hyperprediction: '1', Preprocesstype: 'Min' })) },
  ]);
  type Read = { LastOffset: number; StreamTopicDetails: { TopicReads: Array<{ Value: string }> } };
  const values = async (params: Record<string, string | number>) => {
    const body = await viper<Read>(server.app, 'consumefromtopic', {
      vipertoken: server.user,
      topic: 'devices',
      ...params,
    });
    assert.equal(body.LastOffset, 5, 'LastOffset is the last offset read, matched or not');
    return body.StreamTopicDetails.TopicReads.map((r) => r.Value);
  };
  assert.deepEqual(await values({ topicid: 2 }), ['b', 'd']);
  assert.deepEqual(await values({ topicid: '1,2' }), ['a', 'b', 'c', 'd']);
  assert.equal((await values({ topicid: -999 })).length, 6, '-999: every device');
  assert.deepEqual(
    (await values({ preprocesstype: 'MAX' })).map((v) => JSON.parse(v) as unknown),
    [{ hyperprediction: '9', Preprocesstype: 'Max' }],
  );
  const bad = await viper(server.app, 'consumefromtopic', {
    vipertoken: server.user,
    topic: 'devices',
    topicid: '1,x',
  });
  assert.match(String(bad.ERROR), /parameter 'topicid' must be an integer or a comma list of them, got 'x'/);

  // the group read filters by preprocesstype too, and its position moves past what it passed over
  const group = await viper(server.app, 'createconsumergroup', {
    vipertoken: server.admin,
    topic: 'devices',
    groupname: 'prep',
    ...CONTACT,
  });
  const consumer = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'devices',
    ...CONTACT,
  });
  const groupRead = () =>
    viper<{ TopicReads: Array<{ Value: string }>; LastOffset: number }>(
      server.app,
      'consumergroupconsumefromtopic',
      {
        vipertoken: server.user,
        topic: 'devices',
        groupid: String(group.Groupid),
        consumerid: String(consumer.Consumerid),
        preprocesstype: 'min',
      },
    );
  const first = await groupRead();
  assert.deepEqual(
    first.TopicReads.map((r) => (JSON.parse(r.Value) as { hyperprediction: string }).hyperprediction),
    ['1'],
  );
  assert.equal(first.LastOffset, 5);
  assert.equal((await groupRead()).TopicReads.length, 0);
});

test('a filtered read passes over at most 10,000 records per call, and says where it stopped', async () => {
  const created = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'sparse',
    ...CONTACT,
  });
  const values = Array.from({ length: 10_500 }, (_, i) => String(i));
  await viper(server.app, 'producetotopicbulk', {
    vipertoken: server.user,
    topic: 'sparse',
    producerid: String(created.ProducerId),
    externalprediction: values.join(','),
  });
  type Read = { LastOffset: number; StreamTopicDetails: { TopicReads: unknown[] } };
  const first = await viper<Read>(server.app, 'consumefromtopic', {
    vipertoken: server.user,
    topic: 'sparse',
    topicid: 7,
  });
  assert.deepEqual([first.StreamTopicDetails.TopicReads.length, first.LastOffset], [0, 9_999]);
  const next = await viper<Read>(server.app, 'consumefromtopic', {
    vipertoken: server.user,
    topic: 'sparse',
    topicid: 7,
    offset: first.LastOffset + 1,
  });
  assert.deepEqual([next.StreamTopicDetails.TopicReads.length, next.LastOffset], [0, 10_499]);
});
