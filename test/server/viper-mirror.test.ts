// vipermirrorbrokers (writestreamtobrokers) between two real Kafka clusters: the test runner's broker
// as the source and a second local broker this file starts (scripts/kafka.sh with its own ports and
// run directory) as the destination. Copies once, never twice, continues with new records, and
// refuses bad input by name without writing anything. Ports of the second broker:
// TML_KAFKA_MIRROR_PORT, TML_KAFKA_MIRROR_CONTROLLER_PORT, TML_KAFKA_MIRROR_SASL_SSL_PORT
// (default: TML_KAFKA_PORT + 3, + 4, + 5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Admin } from '@platformatic/kafka';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBackbone } from '../../src/backbone/kafka/index.js';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { MIRROR_OFFSET_HEADER } from '../../src/server/operations/mirror-brokers.js';
import { kafkaBrokers, kafkaSkip } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { ensureClient, hasPython, python } from './python-venv.js';

const skip = kafkaSkip();
const base = Number(process.env.TML_KAFKA_PORT ?? 19092);
const ports = {
  TML_KAFKA_PORT: process.env.TML_KAFKA_MIRROR_PORT ?? String(base + 3),
  TML_KAFKA_CONTROLLER_PORT: process.env.TML_KAFKA_MIRROR_CONTROLLER_PORT ?? String(base + 4),
  TML_KAFKA_SASL_SSL_PORT: process.env.TML_KAFKA_MIRROR_SASL_SSL_PORT ?? String(base + 5),
};
const destination = `127.0.0.1:${ports.TML_KAFKA_PORT}`;

let runDir = '';
let started = false;
let server: TestServer;
let source: KafkaBackbone;
let target: KafkaBackbone;

function kafkaScript(command: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(process.cwd(), 'scripts', 'kafka.sh'), command, ...(command === 'start' ? ['--fresh'] : [])],
      {
        env: { ...process.env, ...ports, TML_KAFKA_RUN_DIR: runDir, TML_KAFKA_HEAP: '256m' },
        timeout: 300_000,
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

async function open(brokers: string[]): Promise<KafkaBackbone> {
  const backbone = new KafkaBackbone({ brokers, clientId: 'tml-mirror-test', connectTimeoutMs: 3_000 });
  await backbone.connect();
  return backbone;
}

before(async () => {
  if (skip) return;
  runDir = await mkdtemp(join(tmpdir(), 'tml-kafka-mirror-'));
  const result = await kafkaScript('start');
  // a second broker that cannot start fails the file (never a silent skip)
  assert.equal(result.code, 0, `the second Kafka broker did not start: ${result.stderr}`);
  started = true;
  server = await startTestServer();
  source = await open(kafkaBrokers() ?? []);
  target = await open([destination]);
});

after(async () => {
  await server?.close();
  await source?.close();
  await target?.close();
  if (started) await kafkaScript('stop');
  if (runDir) await rm(runDir, { recursive: true, force: true });
});

async function all(backbone: KafkaBackbone, topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  for (const p of await backbone.listOffsets(topic)) {
    let offset = p.earliest;
    while (offset < p.latest) {
      const { records } = await backbone.fetch({ topic, partition: p.partition, offset, maxRecords: 1000 });
      if (records.length === 0) break;
      out.push(...records);
      offset = records[records.length - 1].offset + 1;
    }
  }
  return out;
}

const summary = (records: ConsumedRecord[]) =>
  records.map((r) => `${r.partition}:${r.key?.toString() ?? ''}=${r.value?.toString() ?? ''}`);

async function produce(topic: string, from: number, count: number): Promise<void> {
  await source.produce(
    topic,
    Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`device-${(from + i) % 7}`),
      value: Buffer.from(String(from + i)),
      headers: { identifier: Buffer.from('sensor') },
    })),
  );
}

function mirror(token: string, params: Record<string, string | number>) {
  return viper(server.app, 'writestreamtobrokers', {
    vipertoken: token,
    brokerlistfrom: (kafkaBrokers() ?? []).join(','),
    brokerlistto: destination,
    saslfrom: 'none',
    saslto: 'none',
    ...params,
  });
}

test(
  'copies topics to a second cluster once: a repeated call copies nothing, new records follow',
  { skip },
  async () => {
    const topic = uniqueName('mirror');
    await source.createTopic({ name: topic, partitions: 2 });
    await produce(topic, 0, 50);
    const first = await mirror(server.admin, { topiclist: topic });
    assert.equal(first.ERROR, undefined, JSON.stringify(first));
    assert.deepEqual(first.Topics, [
      { Topic: topic, Partitions: 2, Created: true, Copied: 50, AlreadyMirrored: 0 },
    ]);
    // the same records, partition by partition and in order, with their keys and headers
    const copied = await all(target, topic);
    assert.deepEqual(summary(copied), summary(await all(source, topic)));
    assert.ok(copied.every((r) => r.headers.identifier?.toString() === 'sensor'));
    assert.ok(copied.every((r) => r.headers[MIRROR_OFFSET_HEADER]?.toString() === String(r.offset)));

    const again = await mirror(server.admin, { topiclist: topic });
    assert.equal(again.Copied, 0);
    assert.equal((await all(target, topic)).length, 50, 'a repeated call writes no duplicate');

    await produce(topic, 50, 20);
    const more = await mirror(server.admin, { topiclist: topic });
    assert.equal(more.Copied, 20);
    assert.deepEqual(summary(await all(target, topic)), summary(await all(source, topic)));
  },
);

test(
  'the real maadstml client mirrors with its own parameters',
  { skip: skip || (hasPython || process.env.CI === 'true' ? false : 'python3 is not installed') },
  async () => {
    ensureClient();
    const topic = uniqueName('mirror-py');
    await source.createTopic({ name: topic, partitions: 1 });
    await produce(topic, 0, 10);
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = server.app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    const script = `
import sys, maadstml
print(maadstml.vipermirrorbrokers(sys.argv[1], "http://127.0.0.1", int(sys.argv[2]), "user:pass", "user:pass",
      "0", "0", "1", "1", "none", "none", "none", "none", "", sys.argv[3], sys.argv[4], sys.argv[5]))
`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        python,
        [
          '-c',
          script,
          server.admin,
          String(address.port),
          (kafkaBrokers() ?? []).join(','),
          destination,
          topic,
        ],
        { encoding: 'utf8', timeout: 120_000 },
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      );
    });
    const answer = JSON.parse(out) as { Copied: number; Status: string; ERROR?: string };
    assert.equal(answer.ERROR, undefined, out);
    assert.equal(answer.Copied, 10);
    assert.equal((await all(target, topic)).length, 10);
  },
);

test('bad input: an ERROR naming the parameter, nothing written to the destination', { skip }, async () => {
  const topic = uniqueName('mirror-bad');
  await source.createTopic({ name: topic, partitions: 2 });
  await produce(topic, 0, 5);
  const foreign = uniqueName('mirror-foreign');
  await source.createTopic({ name: foreign, partitions: 1 });
  await produce(foreign, 0, 3);
  // written on the destination by someone else: copying into it could duplicate
  await target.createTopic({ name: foreign, partitions: 1 });
  await target.produce(foreign, [{ value: Buffer.from('not mirrored') }]);
  const narrow = uniqueName('mirror-narrow');
  await source.createTopic({ name: narrow, partitions: 2 });
  await target.createTopic({ name: narrow, partitions: 1 });
  const before = await target.listTopics();
  const cases: Array<[string, Record<string, string | number>, RegExp]> = [
    [server.user, { topiclist: topic }, /'writestreamtobrokers' needs an admin token/],
    [server.admin, { topiclist: `${topic},nope-${topic}` }, /parameter 'topiclist' names 'nope-/],
    [server.admin, {}, /parameter 'topiclist' is required/],
    [
      server.admin,
      { topiclist: foreign },
      /parameter 'topiclist' topic '.*' partition 0 on brokerlistto holds records the mirror did not write/,
    ],
    [
      server.admin,
      { topiclist: narrow },
      /parameter 'topiclist' topic '.*' has 2 partitions on brokerlistfrom but 1 on brokerlistto/,
    ],
    [
      server.admin,
      { topiclist: topic, brokerlistto: 'nohost' },
      /parameter 'brokerlistto' must list brokers as host:port/,
    ],
    [
      server.admin,
      { topiclist: topic, brokerlistto: '127.0.0.1:1' },
      /parameter 'brokerlistto' names a cluster tml cannot reach/,
    ],
    [
      server.admin,
      { topiclist: topic, saslfrom: 'KERBEROS' },
      /parameter 'saslfrom' must be none, PLAIN, SCRAM256 or SCRAM512/,
    ],
    [
      server.admin,
      { topiclist: topic, saslto: 'PLAIN', brokercloudusernamepassto: 'nocolon' },
      /parameter 'brokercloudusernamepassto' must be user:password/,
    ],
    [
      server.admin,
      { topiclist: topic, rollbackoffset: -1 },
      /parameter 'rollbackoffset' must be a count >= 0/,
    ],
  ];
  for (const [token, params, expected] of cases) {
    const body = await mirror(token, params);
    assert.match(String(body.ERROR), expected, JSON.stringify(params));
  }
  assert.deepEqual(await target.listTopics(), before, 'no topic was created on the destination');
  assert.equal((await all(target, foreign)).length, 1);
  assert.equal((await all(target, narrow)).length, 0);
});

/** The bytes a topic's partitions take in the destination's log (Kafka's DescribeLogDirs). */
async function logBytes(topic: string, partitions: number[]): Promise<number> {
  const admin = new Admin({ clientId: 'tml-mirror-test-admin', bootstrapBrokers: [destination] });
  try {
    const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions }] });
    let total = 0;
    for (const broker of dirs)
      for (const dir of broker.results)
        for (const t of dir.topics)
          if (t.name === topic) for (const p of t.partitions) total += Number(p.partitionSize);
    return total;
  } finally {
    await admin.close();
  }
}

/**
 * A TCP proxy in front of the destination broker that records the client id of every request
 * header it passes (Kafka's request header: size, api key, version, correlation id, client id).
 */
async function clientIdProxy(): Promise<{ address: string; clientIds: Set<string>; close(): Promise<void> }> {
  const clientIds = new Set<string>();
  const [host, port] = destination.split(':');
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const broker = connect(Number(port), host);
    sockets.add(client).add(broker);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const length = pending.readInt16BE(12);
        if (length > 0) clientIds.add(pending.subarray(14, 14 + length).toString('utf8'));
        pending = pending.subarray(4 + size);
      }
      broker.write(chunk);
    });
    broker.pipe(client);
    const end = () => {
      client.destroy();
      broker.destroy();
    };
    client.on('error', end).on('close', end);
    broker.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as AddressInfo;
  return {
    address: `127.0.0.1:${address.port}`,
    clientIds,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

async function produceText(topic: string, count: number): Promise<void> {
  // highly compressible values: a codec shrinks them many times over
  await source.produce(
    topic,
    Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${i}:${'reading '.repeat(250)}`) })),
  );
}

test(
  'partitions grow by changepartitionperc, replication by changereplication, codecs and client ids apply',
  { skip },
  async () => {
    const grown = uniqueName('mirror-grown');
    await source.createTopic({ name: grown, partitions: 2 });
    await produceText(grown, 100);
    const proxy = await clientIdProxy();
    try {
      const first = await mirror(server.admin, {
        topiclist: grown,
        brokerlistto: proxy.address,
        changepartitionperc: 50,
        // 2 would not fit one broker: the change makes it 1
        replicationfactorto: 2,
        changereplication: -1,
        replicationfactorfrom: 1,
        compressionto: 'gzip',
        servicenameto: 'mirror-destination',
        servicenamefrom: 'mirror-source',
      });
      assert.equal(first.ERROR, undefined, JSON.stringify(first));
      assert.ok(proxy.clientIds.has('mirror-destination'), [...proxy.clientIds].join(','));
      assert.ok(![...proxy.clientIds].some((id) => id.startsWith('tml-mirror')));
    } finally {
      await proxy.close();
    }
    const described = await target.describeTopic(grown);
    assert.equal(described.partitions.length, 3, 'ceil(2 × 1.5)');
    assert.equal(described.replicationFactor, 1);
    assert.deepEqual(summary(await all(target, grown)), summary(await all(source, grown)));
    // the same records uncompressed, and with the source's codec kept (compressionfrom alone)
    const plain = uniqueName('mirror-plain');
    const kept = uniqueName('mirror-kept');
    for (const topic of [plain, kept]) {
      await source.createTopic({ name: topic, partitions: 2 });
      await produceText(topic, 100);
    }
    await mirror(server.admin, { topiclist: plain, compressionto: 'none' });
    await mirror(server.admin, { topiclist: kept, compressionfrom: 'gzip', compressionto: '' });
    const [gzipBytes, plainBytes, keptBytes] = await Promise.all([
      logBytes(grown, [0, 1, 2]),
      logBytes(plain, [0, 1]),
      logBytes(kept, [0, 1]),
    ]);
    assert.ok(plainBytes > 100 * 2000, String(plainBytes));
    assert.ok(gzipBytes * 5 < plainBytes, `gzip ${gzipBytes} vs none ${plainBytes}`);
    assert.ok(keptBytes * 5 < plainBytes, `kept ${keptBytes} vs none ${plainBytes}`);
    // an existing destination topic with fewer partitions than asked for is grown
    const again = await mirror(server.admin, { topiclist: grown, changepartitionperc: 100 });
    assert.equal(again.ERROR, undefined, JSON.stringify(again));
    const fresh = await open([destination]); // `target` keeps the metadata it read before
    try {
      assert.equal((await fresh.describeTopic(grown)).partitions.length, 4);
    } finally {
      await fresh.close();
    }
    assert.equal(again.Copied, 0);
  },
);

test('bad mirror controls: an ERROR naming the parameter, nothing created', { skip }, async () => {
  const topic = uniqueName('mirror-controls-bad');
  await source.createTopic({ name: topic, partitions: 1 });
  await produce(topic, 0, 3);
  const before = await target.listTopics();
  const cases: Array<[Record<string, string | number>, string]> = [
    [{ changepartitionperc: -10 }, 'changepartitionperc'],
    [{ changepartitionperc: 'more' }, 'changepartitionperc'],
    [{ changereplication: -5 }, 'changereplication'],
    [{ replicationfactorfrom: 3 }, 'replicationfactorfrom'],
    [{ replicationfactorfrom: '1:2' }, 'replicationfactorfrom'],
    [{ replicationfactorto: 0 }, 'replicationfactorto'],
    [{ compressionto: 'brotli' }, 'compressionto'],
    [{ compressionfrom: 'gzip:lz4' }, 'compressionfrom'],
    [{ servicenameto: 'not a client id!' }, 'servicenameto'],
  ];
  for (const [params, parameter] of cases) {
    const body = await mirror(server.admin, { topiclist: topic, ...params });
    assert.match(String(body.ERROR), new RegExp(`parameter '${parameter}'`), JSON.stringify(params));
  }
  assert.deepEqual(await target.listTopics(), before);
});
