// Custom-JSON preprocessing and per-device stream queries through /v1 and the SDK: numbers worked by
// hand, bad input answered with a problem document naming the field, and nothing written by a call
// that fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient, type CustomJsonRequest } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

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

const CRITERIA =
  'uid=dev.id,filter:kind=reading~subtopics=s.0.n,s.1.n~values=s.0.v,s.1.v~identifiers=s.0.label,s.1.label~datetime=at~msgid=id';

async function recordsIn(topic: string): Promise<number> {
  const offsets = await server.backbone.listOffsets(topic);
  return offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
}

test('custom JSON per device, a per-device stream query, and bad input that writes nothing', async () => {
  const raw = await admin.createTopic({ topic: 'cj-raw' });
  const pre = await admin.createTopic({ topic: 'cj-pre' });
  // device a: voltage 10, 12, 17 at :00, :10, :40; device b: voltage 5, 5, 8; current 1..3 each
  const readings: Array<[string, number, number, string]> = [
    ['a', 10, 1, '2024-05-01T10:00:00'],
    ['b', 5, 1, '2024-05-01T10:00:00'],
    ['a', 12, 2, '2024-05-01T10:00:10'],
    ['b', 5, 2, '2024-05-01T10:00:30'],
    ['a', 17, 3, '2024-05-01T10:00:40'],
    ['b', 8, 3, '2024-05-01T10:01:30'],
  ];
  for (const [i, [device, volts, amps, at]] of readings.entries()) {
    const doc = {
      kind: 'reading',
      id: `m${i}`,
      at,
      dev: { id: device },
      s: [
        { n: 'volts', v: volts, label: 'V' },
        { n: 'amps', v: amps, label: 'A' },
      ],
    };
    await user.produce('cj-raw', raw.producerId, JSON.stringify(doc));
  }
  await user.produce('cj-raw', raw.producerId, JSON.stringify({ kind: 'ping', dev: { id: 'a' } }));

  const base: CustomJsonRequest = {
    producerId: raw.producerId,
    criteria: CRITERIA,
    logic: ['avg', 'max', 'timediff'],
    maxRows: 10,
    preprocessTopic: 'cj-pre',
  };
  const { items } = await user.preprocessCustomJson('cj-raw', base);
  const got = Object.fromEntries(items.map((i) => [`${i.device} ${i.topic}`, i.value]));
  assert.deepEqual(got, {
    'a volts_preprocessed_Avg': 13,
    'a volts_preprocessed_Max': 17,
    'a volts_preprocessed_Timediff': 40,
    'a amps_preprocessed_Avg': 2,
    'a amps_preprocessed_Max': 3,
    'a amps_preprocessed_Timediff': 40,
    'b volts_preprocessed_Avg': 6,
    'b volts_preprocessed_Max': 8,
    'b volts_preprocessed_Timediff': 90,
    'b amps_preprocessed_Avg': 2,
    'b amps_preprocessed_Max': 3,
    'b amps_preprocessed_Timediff': 90,
  });
  assert.ok(items.every((i) => i.messages === 3 && i.writtenTo === 'cj-pre'));
  assert.equal(items.find((i) => i.subtopic === 'amps')?.label, 'A');
  assert.equal(items[0].windowStart, Date.UTC(2024, 4, 1, 10, 0, 0));
  assert.equal(await recordsIn('cj-pre'), 12);

  // per device: a's volts average 13 > 12 and amps max 3 > 2; b's average 6 is not
  for (const [device, result] of [
    ['a', 1],
    ['b', 0],
  ] as const) {
    const query = await user.streamQuery('cj-pre', {
      producerId: pre.producerId,
      streams: ['volts_preprocessed_Avg', 'amps_preprocessed_Max'],
      conditions: 'volts_preprocessed_Avg > 12 and amps_preprocessed_Max > 2',
      device,
    });
    assert.equal(query.results[0].result, result, device);
    assert.equal(query.results[0].device, device);
  }

  // the items, the two query results and the alert of the query that held (device a)
  const written = await recordsIn('cj-pre');
  assert.equal(written, 15);
  const bad: Array<[Partial<CustomJsonRequest>, string, RegExp]> = [
    [{ criteria: 'uid=dev.id~subtopics=s.0.n' }, 'criteria', /subtopics=<paths> and values=<paths>/],
    [{ criteria: 'uid=dev.id~subtopics=s.0.n~values=s.0.v~when=at' }, 'criteria', /'when=at'/],
    [
      { criteria: 'uid=dev.id~subtopics=s.0.n~values=s.0.label' },
      'logic',
      /'V' at position 0 is not a number/,
    ],
    [{ criteria: CRITERIA.replace('kind=reading', 'kind=none') }, 'criteria', /matches no record/],
    [{ conditions: 'volts=100,n' }, 'conditions', /no value/],
    [{ logic: ['avg', 'mean'] }, 'logic', /mean/i],
  ];
  for (const [body, field, message] of bad) {
    await assert.rejects(user.preprocessCustomJson('cj-raw', { ...base, ...body }), (e: unknown) => {
      assert.ok(e instanceof TmlApiError, String(e));
      assert.equal(e.status, 400, e.message);
      assert.equal(e.parameter, field, e.message);
      assert.match(e.message, message);
      return true;
    });
  }
  // a time that does not parse
  await user.produce(
    'cj-raw',
    raw.producerId,
    JSON.stringify({ kind: 'reading', at: 'soon', dev: { id: 'a' }, s: [{ n: 'volts', v: 1 }] }),
  );
  await assert.rejects(user.preprocessCustomJson('cj-raw', base), (e: unknown) => {
    assert.ok(e instanceof TmlApiError);
    assert.equal(e.parameter, 'criteria');
    assert.match(e.message, /datetime 'soon'/);
    return true;
  });
  assert.equal(await recordsIn('cj-pre'), written, 'the failing calls wrote nothing');
});
