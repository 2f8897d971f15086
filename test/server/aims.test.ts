// AiMS through the SDK over real HTTP on a real embedded backbone: reads and writes counted per
// consumer id and topic (bytes checked against the values sent), batch activation, and the rules on
// a clock the test moves (days pass in the test, not in real time).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from './helpers.js';

const DAY = 86_400_000;
let clock = Date.now();
let server: TestServer;
let admin: TmlClient;
let user: TmlClient;
before(async () => {
  server = await startTestServer({ clock: () => clock, aimsEveryMs: 0 });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://127.0.0.1:${address.port}`;
  admin = new TmlClient({ url, token: server.admin });
  user = new TmlClient({ url, token: server.user });
});
let closed = false;
after(() => (closed ? undefined : server.close()));

const rejects = (promise: Promise<unknown>, status: number, code?: string) =>
  assert.rejects(
    promise,
    (e: unknown) =>
      e instanceof TmlApiError && e.status === status && (code === undefined || e.code === code),
  );

test('AiMS counts what each consumer id read and each topic was written, with the days they were active', async () => {
  const { producerId } = await admin.createTopic({ topic: 'aims-usage', companyname: 'Acme' });
  const values = ['{"a":1}', 'héllo', '12.5'];
  await admin.produceBulk('aims-usage', producerId, values);
  const { consumerId } = await admin.subscribe('aims-usage', { contactname: 'Ann' });
  const firstRead = clock;
  const polled = await admin.consume(consumerId, { offset: 0 });
  assert.equal(polled.records.length, 3);
  clock += DAY; // the next day
  await admin.consume(consumerId, { offset: 0, maxRecords: 1 });

  const overview = await admin.aimsOverview();
  const bytes = values.reduce((sum, v) => sum + Buffer.byteLength(v), 0); // 7 + 6 + 4
  assert.equal(bytes, 17);
  const consumer = overview.consumers.find((c) => c.consumerId === consumerId);
  assert.ok(consumer);
  assert.deepEqual(
    [consumer.topic, consumer.active, consumer.contactname, consumer.bytesRead, consumer.recordsRead],
    ['aims-usage', true, 'Ann', bytes + 7, 4],
  );
  assert.equal(consumer.lastReadAt, firstRead + DAY);
  assert.equal(consumer.activeDays, 2);
  const producer = overview.producers.find((p) => p.topic === 'aims-usage');
  assert.ok(producer);
  assert.deepEqual(
    [
      producer.producerId,
      producer.bytesWritten,
      producer.recordsWritten,
      producer.records,
      producer.consumers,
    ],
    [producerId, bytes, 3, 3, 1],
  );
  assert.equal(producer.activeDays, 1);
  assert.equal(producer.companyname, 'Acme');
  assert.ok(overview.cluster.bytesIn >= bytes && overview.cluster.bytesOut >= bytes + 7);
  assert.ok(overview.cluster.topics >= 1 && overview.cluster.consumers >= 1);
});

test('batch deactivation refuses reads and writes until activated again; an unknown name changes nothing', async () => {
  const a = await admin.createTopic({ topic: 'aims-a' });
  await admin.createTopic({ topic: 'aims-b' });
  const c1 = (await admin.subscribe('aims-a')).consumerId;
  const c2 = (await admin.subscribe('aims-b')).consumerId;
  await rejects(user.aimsOverview(), 403);
  await rejects(user.setActivation({ active: false, consumers: [c1] }), 403);
  await rejects(admin.setActivation({ active: false }), 400);
  await rejects(admin.setActivation({ active: false, consumers: [c1, 'ConsumerId-nobody'] }), 404);
  assert.equal((await admin.aimsOverview()).consumers.find((c) => c.consumerId === c1)?.active, true);

  const done = await admin.setActivation({ active: false, consumers: [c1, c2], topics: ['aims-a'] });
  assert.deepEqual(done, { active: false, consumers: [c1, c2], topics: ['aims-a'] });
  await rejects(admin.consume(c2), 403, 'CONSUMER_INACTIVE');
  await rejects(admin.produce('aims-a', a.producerId, 1), 403, 'TOPIC_INACTIVE');
  // its details may still change; a live tail with it is refused like a read
  assert.equal((await admin.modifyConsumer(c2, { contactname: 'still here' })).contactname, 'still here');
  await rejects(user.tailTopic('aims-b', { consumerId: c2 }).next(), 403, 'CONSUMER_INACTIVE');
  const overview = await admin.aimsOverview();
  assert.deepEqual(
    overview.consumers.filter((c) => c.consumerId === c1 || c.consumerId === c2).map((c) => c.active),
    [false, false],
  );
  assert.equal(overview.producers.find((p) => p.topic === 'aims-a')?.active, false);

  await admin.setActivation({ active: true, consumers: [c1, c2], topics: ['aims-a'] });
  await admin.produce('aims-a', a.producerId, 1);
  assert.equal((await admin.consume(c1, { offset: 0 })).records.length, 1);
});

test('rules are off by default; an idle consumer id gets one alert record per idle spell', async () => {
  const rules = await admin.aimsRules();
  assert.deepEqual(
    [rules.consumerIdle.enabled, rules.unreadSolutions.enabled, rules.alertTopic],
    [false, false, 'tml-aims-alerts'],
  );
  await admin.createTopic({ topic: 'aims-idle' });
  const { consumerId } = await admin.subscribe('aims-idle');
  clock += 400 * DAY;
  assert.deepEqual((await admin.runAimsRules()).alerts, []); // off: nothing, however long

  await rejects(admin.setAimsRules({ consumerIdle: { enabled: true, days: 0 } }), 400);
  await rejects(user.setAimsRules({ consumerIdle: { enabled: true } }), 403);
  const on = await admin.setAimsRules({
    consumerIdle: { enabled: true, days: 3 },
    alertTopic: 'aims-alerts',
  });
  assert.equal(on.consumerIdle.enabledAt, clock); // days count from here, not from the registration
  clock += 2 * DAY;
  const idleOf = async () =>
    (await admin.runAimsRules()).alerts.filter(
      (a) => a.kind === 'consumer-idle' && a.consumerId === consumerId,
    );
  assert.equal((await idleOf()).length, 0);
  clock += DAY;
  const [alert] = await idleOf();
  assert.deepEqual([alert.topic, alert.idleDays, alert.lastReadAt], ['aims-idle', 3, undefined]);
  assert.equal((await idleOf()).length, 0, 'once per idle spell');
  clock += 10 * DAY;
  assert.equal((await idleOf()).length, 0, 'still the same spell');

  const readAt = clock;
  await admin.consume(consumerId);
  clock += 3 * DAY - 1;
  assert.equal((await idleOf()).length, 0);
  clock += 1;
  const [again] = await idleOf();
  assert.equal(again.lastReadAt, readAt);

  // the alert records, read from the topic as anyone would
  const reader = (await admin.subscribe('aims-alerts')).consumerId;
  const written = (await admin.consume(reader, { offset: 0 })).records
    .map((r) => JSON.parse(String(r.value)) as { kind: string; consumerId?: string })
    .filter((a) => a.consumerId === consumerId);
  assert.deepEqual(
    written.map((a) => a.kind),
    ['consumer-idle', 'consumer-idle'],
  );
  await admin.setAimsRules({ consumerIdle: { enabled: false } });
});

test('a solution nobody reads is paused after N days, and resumed when someone subscribes to its outputs', async () => {
  await admin.createSolution({
    name: 'aims-sol',
    inputs: [{ topic: 'aims-sol-x' }, { topic: 'aims-sol-y' }],
    window: { records: 40 },
    dependentVariable: 'aims-sol-y',
    independentVariables: ['aims-sol-x'],
    retrain: { everySeconds: 30 },
  });
  const on = await admin.setAimsRules({ unreadSolutions: { enabled: true, days: 5 } });
  assert.equal(on.unreadSolutions.enabledAt, clock);
  clock += 5 * DAY - 1;
  assert.deepEqual((await admin.runAimsRules()).paused, []);
  clock += 1;
  const run = await admin.runAimsRules();
  assert.deepEqual(run.paused, ['aims-sol']);
  assert.equal((await admin.describeSolution('aims-sol')).state, 'paused');
  clock += DAY;
  assert.deepEqual((await admin.runAimsRules()).resumed, []);

  await server.backbone.ensureTopic({ name: 'aims-sol-predictions', partitions: 1 });
  clock += DAY;
  await admin.subscribe('aims-sol-predictions'); // someone subscribes again (the registration is newer)
  const resumed = await admin.runAimsRules();
  assert.deepEqual(resumed.resumed, ['aims-sol']);
  assert.equal((await admin.describeSolution('aims-sol')).state, 'running');
  await admin.setAimsRules({ unreadSolutions: { enabled: false } });
});

test('what was counted is in the metadata store once the server has closed', async () => {
  const { producerId } = await admin.createTopic({ topic: 'aims-flush' });
  await admin.produce('aims-flush', producerId, 'abc');
  assert.equal(server.store.usage?.get('producer:aims-flush'), undefined); // counted in memory only
  closed = true;
  await server.close(); // flushes before the backbone closes
  assert.deepEqual(server.store.usage?.get('producer:aims-flush')?.bytes, 3);
});
