// Stream correlations and clusters through the /v1 API and the SDK: hand-worked numbers, problem
// details naming the field, nothing written on bad input, and a large k-means that lets other
// requests through while it runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
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

async function rejects(
  call: Promise<unknown>,
  status: number,
  parameter: string,
  part: string,
): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof TmlApiError, String(e));
    assert.equal(e.status, status, `${e.status} ${e.code} ${e.parameter} ${e.message}`);
    assert.equal(e.parameter, parameter, e.message);
    assert.ok(e.message.includes(part), e.message);
    return true;
  });
}

async function records(topic: string): Promise<number> {
  const offsets = await server.backbone.listOffsets(topic);
  return offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
}

test('correlations: Pearson, Spearman and Kendall with their p-values, as worked by hand', async () => {
  const x = (await admin.createTopic({ topic: 'corr-x' })).producerId;
  const y = (await admin.createTopic({ topic: 'corr-y' })).producerId;
  await admin.createTopic({ topic: 'corr-out' });
  await user.produceBulk('corr-x', x, [1, 2, 3, 4, 5]);
  await user.produceBulk('corr-y', y, [2, 1, 4, 3, 5]);
  const result = await user.correlateStreams('corr-x', {
    producerId: x,
    streams: ['corr-x', 'corr-y'],
    maxRows: 5,
    methods: ['pearson', 'spearman', 'kendall'],
    maxLag: 1,
    produceTo: 'corr-out',
  });
  assert.equal(result.computed, 4);
  const by = Object.fromEntries(result.written.map((c) => [c.method, c]));
  // Σdxdy = 8, Σdx² = Σdy² = 10: r = 0.8; t = 0.8·√3/0.6 with 3 degrees of freedom: p = 0.104088
  assert.ok(Math.abs((by.pearson.coefficient ?? NaN) - 0.8) < 1e-12);
  assert.ok(Math.abs((by.pearson.pValue ?? NaN) - 0.10408803866182782) < 1e-9);
  // ranks equal the values: ρ = 1 − 6·4/(5·24) = 0.8, the same t-test
  assert.ok(Math.abs((by.spearman.coefficient ?? NaN) - 0.8) < 1e-12);
  // 8 concordant, 2 discordant pairs: τ = 0.6; 1+4+9 of the 120 orderings have ≤ 2 inversions: p = 28/120
  assert.ok(Math.abs((by.kendall.coefficient ?? NaN) - 0.6) < 1e-12);
  assert.ok(Math.abs((by.kendall.pValue ?? NaN) - 28 / 120) < 1e-12);
  // centred x = −2..2, y = −1,−2,1,0,2 (Σx² = Σy² = 10): lag 0 gives 8/10; lag 1:
  // Σx_t·y_{t+1} = (−2)(−2)+(−1)(1)+0·0+1·2 = 5 → 0.5; lag −1: Σx_t·y_{t−1} = (−1)(−1)+0+1·1+2·0 = 2 → 0.2
  assert.deepEqual(
    by.crossCorrelation.lags?.map((l) => [l.lag, Number(l.coefficient.toFixed(12))]),
    [
      [-1, 0.2],
      [0, 0.8],
      [1, 0.5],
    ],
  );
  assert.equal(by.crossCorrelation.lag, 0);
  assert.deepEqual(
    result.written.map((c) => c.name),
    [
      'corr-x_corr-y_preprocessed_Pearson',
      'corr-x_corr-y_preprocessed_Spearman',
      'corr-x_corr-y_preprocessed_Crosscorrelation',
      'corr-x_corr-y_preprocessed_Kendall',
    ],
  );
  assert.equal(await records('corr-out'), 4);

  // bad input: problem details naming the field and the bad part; nothing written
  const t = (await admin.createTopic({ topic: 'corr-text' })).producerId;
  await user.produceBulk('corr-text', t, [1, 2, 'high', 4, 5]);
  const base = { producerId: x, maxRows: 5, methods: ['pearson' as const], produceTo: 'corr-out' };
  await rejects(
    user.correlateStreams('corr-x', { ...base, streams: ['corr-x', 'corr-text'] }),
    400,
    'streams',
    'high',
  );
  await rejects(
    user.correlateStreams('corr-x', { ...base, streams: ['corr-x', 'nothing'] }),
    400,
    'streams',
    'nothing',
  );
  await rejects(
    user.correlateStreams('corr-x', { ...base, streams: ['corr-x', 'corr-y'], minLength: 6 }),
    400,
    'maxRows',
    'needs 6',
  );
  await rejects(
    user.correlateStreams('corr-x', { ...base, streams: ['corr-x', 'corr-y'], produceTo: 'corr-none' }),
    400,
    'produceTo',
    'corr-none',
  );
  assert.equal(await records('corr-out'), 4);
});

test('clusters: k-means of hand-worked points, sizes, alerts, and bad input', async () => {
  const p = (await admin.createTopic({ topic: 'points' })).producerId;
  await admin.createTopic({ topic: 'points-out' });
  const values = [1, 2, 3, 10, 11, 12, 30];
  await user.produceBulk(
    'points',
    p,
    values.map((v, i) => JSON.stringify({ id: `p${i}`, x: v, kind: v === 30 ? 'test' : 'reading' })),
  );
  const result = await user.clusterStream('points', {
    producerId: p,
    maxRows: 100,
    valueKeys: ['x'],
    idKey: 'id',
    filter: 'kind=reading',
    clusters: 2,
    iterations: 50,
    distance: 'euclidean',
    alertOnClusterSize: 2,
    produceTo: 'points-out',
  });
  // {1,2,3} and {10,11,12}: centres 2 and 11, each point 1, 0 or 1 away; inertia 4
  const centres = result.clusters.map((c) => c.centre[0]).sort((a, b) => a - b);
  assert.deepEqual(centres, [2, 11]);
  assert.deepEqual(
    result.clusters.map((c) => c.size),
    [3, 3],
  );
  assert.equal(result.inertia, 4);
  assert.deepEqual(
    result.points.map((q) => q.distance),
    [1, 0, 1, 1, 0, 1],
  );
  assert.deepEqual(
    result.points.map((q) => q.id),
    ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'],
  );
  assert.equal(result.recordsSkipped, 1);
  // both clusters hold more than 2 points: two alerts, after the cluster record
  assert.equal(result.alerts.length, 2);
  assert.match(result.alerts[0].message, /holds 3 points, more than 2/);
  assert.equal(await records('points-out'), 3);

  const base = {
    producerId: p,
    maxRows: 100,
    valueKeys: ['x'],
    clusters: 2,
    iterations: 50,
    distance: 'euclidean' as const,
    produceTo: 'points-out',
  };
  await rejects(user.clusterStream('points', { ...base, valueKeys: ['kind'] }), 400, 'valueKeys', 'reading');
  await rejects(user.clusterStream('points', { ...base, filter: 'kind' }), 400, 'filter', 'kind');
  await rejects(
    user.clusterStream('points', { ...base, valueCondition: '>> 2' }),
    400,
    'valueCondition',
    '>> 2',
  );
  await rejects(user.clusterStream('points', { ...base, filter: 'kind=none' }), 400, 'clusters', '0');
  await rejects(user.clusterStream('nowhere', base), 404, 'topic', 'nowhere');
  assert.equal(await records('points-out'), 3);
});

test('a large k-means lets other requests through while it runs', async () => {
  const p = (await admin.createTopic({ topic: 'many-points' })).producerId;
  const values = Array.from({ length: 5000 }, (_, i) =>
    JSON.stringify({ a: (i * 7919) % 1000, b: (i * 104729) % 997, c: (i * 31) % 101 }),
  );
  for (let i = 0; i < values.length; i += 1000)
    await user.produceBulk('many-points', p, values.slice(i, i + 1000));
  let pending = true;
  const big = user
    .clusterStream('many-points', {
      producerId: p,
      maxRows: 5000,
      valueKeys: ['a', 'b', 'c'],
      clusters: 20,
      iterations: 1000,
      distance: 'squaredEuclidean',
    })
    .finally(() => (pending = false));
  // small requests one after another while the clustering runs: the server answers them meanwhile
  let served = 0;
  while (pending) {
    await user.stats();
    served++;
  }
  const result = await big;
  assert.ok(result.iterations > 1, `iterations: ${result.iterations}`);
  assert.ok(served >= 1, `requests served during the clustering: ${served}`);
});

/** The alert records (the named stream `alerts`) a topic holds, as written. */
async function alertsIn(topic: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const { partition, earliest, latest } of await server.backbone.listOffsets(topic)) {
    if (latest === earliest) continue;
    const { records: batch } = await server.backbone.fetch({
      topic,
      partition,
      offset: earliest,
      maxRecords: latest - earliest,
      maxBytes: 1 << 24,
    });
    for (const r of batch) {
      if (r.headers['tml-stream']?.toString('utf8') === 'alerts') {
        out.push(JSON.parse(r.value?.toString('utf8') ?? '{}') as Record<string, unknown>);
      }
    }
  }
  return out;
}

test('an anomaly that raises an alert and a stream query that holds each write one alert record', async () => {
  const streams = ['alert-a', 'alert-b'];
  const producers: string[] = [];
  for (const s of streams) producers.push((await admin.createTopic({ topic: s })).producerId);
  const steady = Array.from({ length: 40 }, (_, i) => 50 + (i % 5));
  await user.produceBulk('alert-a', producers[0], steady);
  await user.produceBulk('alert-b', producers[1], steady);
  const join = await admin.createJoinTopic({ topic: 'alert-joined', streams });
  await user.produceJoined('alert-joined', { producerId: join.producerId, maxRows: 40 });
  const consumer = (await user.subscribe('alert-joined')).consumerId;
  const peerProducer = (await admin.createTopic({ topic: 'alert-peers' })).producerId;
  const outProducer = (await admin.createTopic({ topic: 'alert-out' })).producerId;
  await user.trainPeerGroups({
    consumeFrom: 'alert-joined',
    consumerId: consumer,
    produceTo: 'alert-peers',
    producerId: peerProducer,
    streams,
    flags: streams.map((s) => `topic=${s},lag=5,zthresh=3`).join('~'),
  });
  const peersConsumer = (await user.subscribe('alert-peers')).consumerId;
  const score = () =>
    user.scoreAnomalies({
      consumeFrom: 'alert-peers',
      consumerId: peersConsumer,
      inputStream: 'alert-joined',
      produceTo: 'alert-out',
      producerId: outProducer,
      streams,
    });
  const calm = await score();
  assert.equal(calm.alert, false);
  assert.deepEqual(await alertsIn('alert-out'), []);
  // a spike on both streams: far beyond 3 standard deviations
  await user.produceBulk('alert-a', producers[0], [500]);
  await user.produceBulk('alert-b', producers[1], [500]);
  await user.produceJoined('alert-joined', { producerId: join.producerId, maxRows: 40 });
  const spike = await score();
  assert.equal(spike.alert, true);
  const [alert] = await alertsIn('alert-out');
  assert.equal(alert.Alert, 'anomaly');
  assert.equal(alert.Subject, 'alert-a,alert-b');
  assert.equal(alert.Value, spike.risk);
  assert.equal(alert.Threshold, 0.5);

  // a stream query on preprocessed maxima: the query that holds writes an alert, the other does not
  await user.preprocess('alert-joined', { producerId: join.producerId, maxRows: 40, logic: ['max'] });
  const max = 'alert-a_preprocessed_Max';
  await user.streamQuery('alert-joined', {
    producerId: join.producerId,
    streams: [max],
    conditions: `${max} > 100:${max} < 100`,
    produceTo: 'alert-out',
  });
  const alerts = await alertsIn('alert-out');
  assert.equal(alerts.length, 2);
  assert.equal(alerts[1].Alert, 'streamQuery');
  assert.equal(alerts[1].Subject, `${max} > 100`);
});

test('search anomalies: word overlap with the peer group, watched terms, and bad input', async () => {
  const p = (await admin.createTopic({ topic: 'queries' })).producerId;
  await admin.createTopic({ topic: 'queries-out' });
  await user.produceBulk('queries', p, ['red shoes', 'blue shoes', 'red hats', 'shoes for sale']);
  const base = { producerId: p, maxRows: 100, threshold: 60, produceTo: 'queries-out' };
  // 'shoes for sale': shoes is in the peer group, for and sale are not: 1 of 3 words, 33⅓ < 60
  const first = await user.searchAnomaly('queries', base);
  assert.deepEqual(first.words, ['shoes', 'for', 'sale']);
  assert.ok(Math.abs(first.similarity - 100 / 3) < 1e-12);
  assert.equal(first.peerSearches, 3);
  assert.equal(first.anomaly, true);
  assert.equal(first.alerts.length, 1);
  assert.equal(first.alerts[0].kind, 'searchAnomaly');
  await user.produceBulk('queries', p, ['red shoes for sale']);
  const second = await user.searchAnomaly('queries', base);
  assert.equal(second.similarity, 100);
  assert.equal(second.anomaly, false);
  const watched = await user.searchAnomaly('queries', { ...base, terms: ['sale', 'boots'] });
  assert.deepEqual(watched.matchedTerms, ['sale']);
  assert.equal(watched.anomaly, true);
  const excluded = await user.searchAnomaly('queries', {
    ...base,
    terms: ['sale'],
    flagTerms: false,
    threshold: 100,
  });
  assert.equal(excluded.anomaly, false);
  assert.equal(await records('queries-out'), 4 + 2); // four checks, two alerts
  await rejects(user.searchAnomaly('queries', { ...base, maxRows: 1 }), 400, 'maxRows', '2');
  await rejects(user.searchAnomaly('nowhere', base), 404, 'topic', 'nowhere');
  await rejects(
    user.searchAnomaly('queries', { ...base, alertEmails: ['a@example.org'] }),
    400,
    'alertEmails',
    'no mail server',
  );
  assert.equal(await records('queries-out'), 6);
});
