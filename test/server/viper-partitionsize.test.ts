// producetotopicbulk's partitionsize: consecutive values go to one partition, partitionsize at a
// time, the slices spread over the partitions in turn (VIPER's producer threads each write a slice);
// a bad partitionsize is an ERROR naming it, and nothing is written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
let producer = '';
before(async () => {
  server = await startTestServer();
  const created = await viper(server.app, 'createtopics', {
    vipertoken: server.admin,
    topic: 'slices',
    ...CONTACT,
    numpartitions: 3,
  });
  producer = String(created.ProducerId);
});
after(async () => {
  await server.close();
});

async function partitionValues(): Promise<string[][]> {
  const out: string[][] = [];
  for (const p of await server.backbone.listOffsets('slices')) {
    const { records } = await server.backbone.fetch({
      topic: 'slices',
      partition: p.partition,
      offset: p.earliest,
      maxRecords: 1000,
    });
    out[p.partition] = records.map((r) => r.value!.toString());
  }
  return out;
}

const bulk = (values: string, partitionsize: number | string) =>
  viper(server.app, 'producetotopicbulk', {
    vipertoken: server.user,
    topic: 'slices',
    producerid: producer,
    externalprediction: values,
    partitionsize,
  });

test('partitionsize slices the values over the partitions, in order within each slice', async () => {
  const answer = await bulk('0,1,2,3,4,5,6,7,8,9', 4);
  assert.equal(answer.Records, 10, JSON.stringify(answer));
  assert.deepEqual(await partitionValues(), [
    ['0', '1', '2', '3'],
    ['4', '5', '6', '7'],
    ['8', '9'],
  ]);
  // slices wrap around: 7 values by 2 over 3 partitions
  await bulk('a,b,c,d,e,f,g', 2);
  assert.deepEqual(await partitionValues(), [
    ['0', '1', '2', '3', 'a', 'b', 'g'],
    ['4', '5', '6', '7', 'c', 'd'],
    ['8', '9', 'e', 'f'],
  ]);
});

test('a bad partitionsize is an ERROR naming it; nothing is written', async () => {
  const before = await partitionValues();
  for (const bad of [0, -3, 'x', 100_001]) {
    const y = await bulk('1,2,3', bad);
    assert.match(String(y.ERROR), /partitionsize/, `${bad}: ${JSON.stringify(y)}`);
  }
  assert.deepEqual(await partitionValues(), before);
});
