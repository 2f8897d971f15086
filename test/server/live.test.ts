// The live /v1 endpoints on a real embedded backbone over real HTTP: topic tails and solution events
// through the SDK, sessions in place of tokens, consumer-group lag, and back-pressure — a reader
// that stops reading holds the server's buffer at one batch, not the topic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TmlApiError, TmlClient, type ServerSentEvent } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let url = '';
let port = 0;
before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  port = address.port;
  url = `http://127.0.0.1:${port}`;
});
after(() => server.close());

async function take(events: AsyncGenerator<ServerSentEvent>, until: (seen: ServerSentEvent[]) => boolean) {
  const seen: ServerSentEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    if (until(seen)) break;
  }
  return seen;
}

const records = (seen: ServerSentEvent[]) =>
  seen.filter((e) => e.event === 'records').flatMap((e) => e.data as Array<Record<string, unknown>>);

test('a tail shows JSON parsed, text as text, binary as labelled hex and huge values cut, in offset order', async () => {
  await server.backbone.createTopic({ name: 'live-kinds', partitions: 1 });
  await server.backbone.produce('live-kinds', [
    { key: 'k', value: '{"a": [1, 2]}' },
    { value: 'plain text' },
    { value: Buffer.from([0, 1, 2, 255, 254]) },
    { value: 'é'.repeat(3000) }, // 6,000 bytes of two-byte characters: the cut must not split one
    { value: null },
  ]);
  const admin = new TmlClient({ url, token: server.admin });
  const seen = await take(admin.tailTopic('live-kinds', { offset: 0 }), (s) => records(s).length >= 5);
  assert.equal(seen[0].event, 'start');
  const [json, text, binary, huge, tombstone] = records(seen) as Array<{
    offset: number;
    key: { kind: string; value: unknown };
    value: { kind: string; value: unknown; bytes: number; truncated: boolean };
  }>;
  assert.deepEqual(
    [json, text, binary, huge, tombstone].map((r) => r.offset),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(json.value, { kind: 'json', value: { a: [1, 2] }, bytes: 13, truncated: false });
  assert.deepEqual(json.key, { kind: 'text', value: 'k', bytes: 1, truncated: false });
  assert.deepEqual(text.value, { kind: 'text', value: 'plain text', bytes: 10, truncated: false });
  assert.deepEqual(binary.value, { kind: 'binary', value: '000102fffe', bytes: 5, truncated: false });
  assert.equal(huge.value.kind, 'text');
  assert.equal(huge.value.truncated, true);
  assert.equal(huge.value.bytes, 6000);
  assert.equal(huge.value.value, 'é'.repeat(2048)); // 4,096 bytes, whole characters only
  assert.deepEqual(tombstone.value, { kind: 'null', value: null, bytes: 0, truncated: false });
});

test('a tail follows new records as they are produced, from an offset or a time', async () => {
  await server.backbone.createTopic({ name: 'live-follow', partitions: 2 });
  await server.backbone.produce('live-follow', [{ value: '1', partition: 0, timestamp: 1000 }]);
  await server.backbone.produce('live-follow', [{ value: '2', partition: 1, timestamp: 5000 }]);
  const admin = new TmlClient({ url, token: server.admin });
  const controller = new AbortController();
  const events = admin.tailTopic('live-follow', { time: 4000 }, controller.signal);
  const later = sleep(300).then(() => server.backbone.produce('live-follow', [{ value: '3', partition: 0 }]));
  const seen = await take(events, (s) => records(s).length >= 2);
  await later;
  controller.abort();
  // from time 4000: partition 0 starts after its record at 1000, partition 1 at its record at 5000
  assert.deepEqual(
    records(seen).map((r) => [r.partition, (r.value as { value: unknown }).value]),
    [
      [1, '2'],
      [0, '3'],
    ],
  );
});

test('tails and solution events refuse what the token may not see, with problems the SDK throws', async () => {
  const admin = new TmlClient({ url, token: server.admin });
  const user = new TmlClient({ url, token: server.user });
  await assert.rejects(
    take(admin.tailTopic('no-such-topic'), () => true),
    (e: unknown) => {
      assert.ok(e instanceof TmlApiError);
      assert.equal(e.status, 404);
      return true;
    },
  );
  await assert.rejects(
    take(admin.solutionEvents('no-such-solution'), () => true),
    (e: unknown) => {
      assert.ok(e instanceof TmlApiError);
      assert.equal(e.status, 404);
      assert.match(e.message, /no solution named no-such-solution/);
      return true;
    },
  );
  await assert.rejects(
    take(user.tailTopic('live-kinds'), () => true),
    (e: unknown) => {
      assert.ok(e instanceof TmlApiError);
      assert.equal(e.status, 403);
      assert.match(e.message, /needs an admin token, or the consumer id/);
      return true;
    },
  );
  await assert.rejects(
    user.listConsumerGroups(),
    (e: unknown) => e instanceof TmlApiError && e.status === 403,
  );
  await assert.rejects(
    take(new TmlClient({ url, token: 'tml_0123456789abcdef_wrong' }).tailTopic('live-kinds'), () => true),
    (e: unknown) => e instanceof TmlApiError && e.status === 401,
  );
});

test('consumer groups show each partition committed offset, end offset and lag', async () => {
  await server.backbone.createTopic({ name: 'live-lag', partitions: 2 });
  await server.backbone.produce('live-lag', [
    ...Array.from({ length: 10 }, (_, i) => ({ value: String(i), partition: 0 })),
    ...Array.from({ length: 4 }, (_, i) => ({ value: String(i), partition: 1 })),
  ]);
  await server.backbone.commitOffsets('live-lag-readers', [
    { topic: 'live-lag', partition: 0, offset: 3 },
    { topic: 'live-lag', partition: 1, offset: 4 },
  ]);
  const { groups } = await new TmlClient({ url, token: server.admin }).listConsumerGroups();
  const group = groups.find((g) => g.groupId === 'live-lag-readers');
  assert.ok(group, JSON.stringify(groups));
  assert.deepEqual(group.partitions.map((p) => [p.partition, p.committed, p.end, p.lag]).sort(), [
    [0, 3, 10, 7],
    [1, 4, 4, 0],
  ]);
  assert.equal(group.lag, 7);
});

test('a session cookie stands for its token; a bad token, a forged cookie and a cross-site change are refused', async () => {
  const refused = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'tml_0123456789abcdef_wrong' }),
  });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get('set-cookie'), null);

  const signIn = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: server.user }),
  });
  assert.equal(signIn.status, 200);
  assert.equal(((await signIn.json()) as { role: string }).role, 'user');
  const setCookie = signIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^tml_session=[\w-]{43}; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/);
  assert.ok(!setCookie.includes(server.user.slice(4, 20)), 'the cookie carries no part of the token');
  const cookie = setCookie.split(';')[0];

  const who = await fetch(`${url}/v1/session`, { headers: { cookie } });
  assert.deepEqual(((await who.json()) as { role: string }).role, 'user');
  assert.equal((await fetch(`${url}/v1/topics`, { headers: { cookie } })).status, 200);
  assert.equal((await fetch(`${url}/v1/topics`, { headers: { cookie: 'tml_session=forged' } })).status, 401);
  const crossSite = await fetch(`${url}/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'admin' }),
  });
  assert.equal(crossSite.status, 403);
  assert.match(((await crossSite.json()) as { detail: string }).detail, /must come from the console itself/);

  const out = await fetch(`${url}/v1/session`, { method: 'DELETE', headers: { cookie } });
  assert.equal(out.status, 204);
  const after = await fetch(`${url}/v1/topics`, { headers: { cookie } });
  assert.equal(after.status, 401);
  assert.match(((await after.json()) as { detail: string }).detail, /not known/);
});

test('back-pressure: a reader that stops reading holds the server at one batch, not the whole topic', async () => {
  await server.backbone.createTopic({ name: 'live-big', partitions: 1 });
  const value = JSON.stringify({ payload: 'x'.repeat(2000) });
  for (let i = 0; i < 10; i++) {
    await server.backbone.produce(
      'live-big',
      Array.from({ length: 1000 }, () => ({ value })),
    );
  }
  // ~20 MB in the topic; a raw client asks for all of it and then reads nothing
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /v1/topics/live-big/tail?offset=0 HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${server.admin}\r\n\r\n`,
  );
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  await sleep(1500);
  const metricsText = async () =>
    (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${server.admin}` } })).text();
  const metrics = await metricsText();
  const buffered = Number(/^tml_live_buffered_bytes (\d+)/m.exec(metrics)?.[1]);
  const open = Number(/^tml_live_streams (\d+)/m.exec(metrics)?.[1]);
  socket.destroy();
  assert.equal(open, 1);
  // one batch of the tail is 200 records of ~2 KB as JSON: never more than that waits in the buffer
  assert.ok(buffered > 0 && buffered < 1_000_000, `buffered ${buffered} bytes`);
  // the stream ends on the server when the reader goes
  for (let i = 0; i < 50 && /^tml_live_streams [1-9]/m.test(await metricsText()); i++) await sleep(50);
  assert.match(await metricsText(), /^tml_live_streams 0/m);
  // and the server counts it out of the requests in flight: only this status request is left
  const status = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${server.admin}` } });
  assert.equal(((await status.json()) as { inFlight: number }).inFlight, 1);
});

test('trainings are listed with the leaderboard their training wrote (admin)', async () => {
  const admin = new TmlClient({ url, token: server.admin });
  const user = new TmlClient({ url, token: server.user });
  const streams = ['lt-y', 'lt-a', 'lt-b'];
  const producers: string[] = [];
  for (const s of streams) producers.push((await admin.createTopic({ topic: s })).producerId);
  const a = Array.from({ length: 60 }, (_, i) => (i * 13) % 50);
  const b = Array.from({ length: 60 }, (_, i) => (i * 7) % 40);
  await user.produceBulk(
    streams[0],
    producers[0],
    a.map((v, i) => 2 * v - b[i]),
  );
  await user.produceBulk(streams[1], producers[1], a);
  await user.produceBulk(streams[2], producers[2], b);
  const join = await admin.createJoinTopic({ topic: 'lt-joined', streams });
  await user.produceJoined('lt-joined', { producerId: join.producerId, maxRows: 60 });
  const trainingProducer = (await admin.createTopic({ topic: 'lt-training' })).producerId;
  await user.createTrainingSet({
    consumeFrom: 'lt-joined',
    produceTo: 'lt-training',
    dependentVariable: streams[0],
    independentVariables: streams.slice(1),
    consumerId: (await user.subscribe('lt-joined')).consumerId,
    producerId: trainingProducer,
  });
  const model = await user.trainModel({
    consumeFrom: 'lt-training',
    produceTo: 'lt-params',
    consumerId: (await user.subscribe('lt-training')).consumerId,
    producerId: (await admin.createTopic({ topic: 'lt-params' })).producerId,
    modelruns: 6,
  });
  await assert.rejects(user.listTrainings(), (e: unknown) => e instanceof TmlApiError && e.status === 403);
  const { trainings } = await admin.listTrainings();
  const listed = trainings.find((t) => t.algokey === model.algokey);
  assert.ok(listed, JSON.stringify(trainings.map((t) => t.algokey)));
  assert.equal(listed.algorithm, model.algorithm);
  assert.equal(listed.dependentVariable, 'lt-y');
  assert.deepEqual(
    listed.leaderboard?.map((e) => [e.algorithm, e.metrics]),
    model.leaderboard.map((e) => [e.algorithm, e.metrics]),
  );
});

test('a long history goes out in steps of at most 1,000 predictions, each step timed in /metrics', async () => {
  const admin = new TmlClient({ url, token: server.admin });
  await admin.createSolution({
    name: 'live-steps',
    inputs: [{ topic: 'live-steps-x' }, { topic: 'live-steps-y' }],
    window: { records: 40 },
    dependentVariable: 'live-steps-y',
    independentVariables: ['live-steps-x'],
    retrain: { everySeconds: 30 },
  });
  await server.backbone.ensureTopic({ name: 'live-steps-predictions', partitions: 1 });
  const written = Array.from({ length: 2500 }, (_, i) => ({ prediction: i / 4, actual: i, modelVersion: 1 }));
  await server.backbone.produce(
    'live-steps-predictions',
    written.map((p) => ({ value: JSON.stringify(p) })),
  );
  const seen = await take(
    admin.solutionEvents('live-steps', { history: 2500 }),
    (s) =>
      s
        .filter((e) => e.event === 'predictions')
        .reduce((n, e) => n + (e.data as { offset: [] }).offset.length, 0) >= 2500,
  );
  const batches = seen
    .filter((e) => e.event === 'predictions')
    .map((e) => e.data as { offset: number[]; prediction: number[]; actual: number[] });
  assert.ok(
    batches.length >= 3 && batches.every((b) => b.offset.length <= 1000),
    `${batches.map((b) => b.offset.length)}`,
  );
  assert.deepEqual(
    batches.flatMap((b) => b.offset),
    written.map((_, i) => i),
  );
  assert.deepEqual(
    batches.flatMap((b) => b.prediction),
    written.map((p) => p.prediction),
  );
  const metrics = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${server.admin}` } })
  ).text();
  assert.ok(Number(/^tml_live_tick_seconds_count (\d+)/m.exec(metrics)?.[1]) >= batches.length, metrics);
});
