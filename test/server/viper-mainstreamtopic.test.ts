// producetotopicstream's mainstreamtopic: the streams to join are the subtopic streams inside it
// (maadstml: "the main stream topic that contain the subtopic streams").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAM_HEADER, VALUE_HEADER } from '../../src/streams/index.js';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic } from './flow-fixture.js';

let server: TestServer;
let joinedProducer = '';
const a = Array.from({ length: 20 }, (_, i) => i * 1.5);
const b = Array.from({ length: 20 }, (_, i) => 100 - i);

before(async () => {
  server = await startTestServer();
  await createTopic(server, 'main-streams');
  await createTopic(server, 'main-other');
  // two subtopic streams inside one topic, interleaved
  for (let i = 0; i < 20; i++) {
    await server.backbone.produce('main-streams', [
      {
        value: '{}',
        headers: { [STREAM_HEADER]: Buffer.from('a'), [VALUE_HEADER]: Buffer.from(String(a[i])) },
      },
      {
        value: '{}',
        headers: { [STREAM_HEADER]: Buffer.from('b'), [VALUE_HEADER]: Buffer.from(String(b[i])) },
      },
    ]);
  }
  const join = await viper<{ ProducerId: string }>(server.app, 'createjointopicstreams', {
    vipertoken: server.admin,
    topicname: 'main-joined',
    topicstojoin: 'main-other',
    ...CONTACT,
  });
  joinedProducer = join.ProducerId;
});
after(async () => {
  await server.close();
});

const call = (extra: Record<string, string | number>) =>
  viper<Array<Record<string, unknown>> & Record<string, unknown>>(server.app, 'producetotopicstream', {
    vipertoken: server.user,
    topicname: 'main-joined',
    producerid: joinedProducer,
    offset: -1,
    maxrows: 10,
    ...extra,
  });

async function written(): Promise<number> {
  return (await server.backbone.listOffsets('main-joined'))[0].latest;
}

test('producetotopicstream joins the subtopic streams of mainstreamtopic', async () => {
  const answer = await call({ mainstreamtopic: 'main-streams', streamstojoin: 'a,b' });
  assert.ok(Array.isArray(answer), JSON.stringify(answer));
  const last = answer.at(-1)!;
  assert.equal(last.Maintopic, 'main-streams');
  assert.equal(last.Streams, 'main-streams/a,main-streams/b');
  const { records } = await server.backbone.fetch({
    topic: 'main-joined',
    partition: last.Partition as number,
    offset: last.Offset as number,
  });
  const joined = JSON.parse(records[0].value!.toString()) as { values: Record<string, number[]> };
  assert.deepEqual(joined.values['main-streams/a'], a.slice(-10));
  assert.deepEqual(joined.values['main-streams/b'], b.slice(-10));
  // without mainstreamtopic, `a` and `b` would have to be topics
  const plain = await call({ streamstojoin: 'a,b' });
  assert.match(String(plain.ERROR), /topic 'a' does not exist/);
});

test('producetotopicstream: a bad mainstreamtopic names the parameter and writes nothing', async () => {
  const before = await written();
  const unknown = await call({ mainstreamtopic: 'no-such-topic', streamstojoin: 'a,b' });
  assert.match(String(unknown.ERROR), /parameter 'mainstreamtopic'/);
  const noStreams = await call({ mainstreamtopic: 'main-streams' });
  assert.match(String(noStreams.ERROR), /parameter 'streamstojoin'/);
  const bad = await call({ mainstreamtopic: 'bad/name', streamstojoin: 'a' });
  assert.match(String(bad.ERROR), /parameter 'mainstreamtopic'/);
  assert.equal(await written(), before);
});
