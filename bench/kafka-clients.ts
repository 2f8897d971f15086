// Kafka client choice by measurement: kafkajs vs @platformatic/kafka against the same local broker,
// in the same run. Produce (batch 1 and 1,000; 100-byte and 1 KB records; acks=all, idempotent),
// consume throughput through a consumer group, end-to-end latency p50/p99.
// Usage: npm run bench:kafka-clients  (starts no broker: run `npm run kafka:start` first, or set
// TML_KAFKA_BROKERS). Writes bench/results/kafka-clients.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { Admin, Consumer, Producer, ProduceAcks } from '@platformatic/kafka';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const brokers = (process.env.TML_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const quick = process.argv.includes('--quick');
const run = randomBytes(3).toString('hex');

interface ClientUnderTest {
  name: string;
  createTopic(topic: string): Promise<void>;
  /** Sends `count` records of `size` bytes in sends of `batch` records, each send awaited. */
  produce(topic: string, count: number, batch: number, size: number): Promise<void>;
  /** Reads `count` records from the start of `topic` through a new consumer group. */
  consume(topic: string, count: number): Promise<{ firstRecordMs: number; allRecordsMs: number }>;
  /** Sends `count` records one at a time (each awaited) while a group consumer reads them. */
  latency(topic: string, count: number): Promise<number[]>;
  close(): Promise<void>;
}

function payloads(batch: number, size: number): Buffer[] {
  return Array.from({ length: batch }, () => randomBytes(size));
}

function kafkajsClient(): ClientUnderTest {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  let connected = false;
  const connect = async () => {
    if (connected) return;
    await admin.connect();
    await producer.connect();
    connected = true;
  };
  return {
    name: 'kafkajs 2.2.4',
    async createTopic(topic) {
      await connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    },
    async produce(topic, count, batch, size) {
      await connect();
      const values = payloads(batch, size);
      for (let sent = 0; sent < count; sent += batch) {
        await producer.send({
          topic,
          acks: -1,
          compression: CompressionTypes.None,
          messages: values.map((value) => ({ value })),
        });
      }
    },
    async consume(topic, count) {
      const consumer = kafka.consumer({ groupId: `bench-kafkajs-${topic}`, maxBytes: 10 * 1024 * 1024 });
      const start = performance.now();
      let firstRecordMs = 0;
      let seen = 0;
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const done = new Promise<number>((resolve) => {
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (seen === 0) firstRecordMs = performance.now() - start;
            seen += batch.messages.length;
            if (seen >= count) resolve(performance.now() - start);
          },
        });
      });
      const allRecordsMs = await done;
      await consumer.disconnect();
      return { firstRecordMs, allRecordsMs };
    },
    async latency(topic, count) {
      await connect();
      const consumer = kafka.consumer({ groupId: `bench-kafkajs-lat-${topic}`, maxWaitTimeInMs: 500 });
      const samples: number[] = [];
      let joined!: () => void;
      const ready = new Promise<void>((resolve) => (joined = resolve));
      consumer.on(consumer.events.GROUP_JOIN, () => joined());
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let next!: () => void;
      await consumer.run({
        eachMessage: async ({ message }) => {
          samples.push(performance.now() - Number(message.value!.toString()));
          next();
        },
      });
      await ready;
      for (let i = 0; i < count; i++) {
        const received = new Promise<void>((resolve) => (next = resolve));
        await producer.send({ topic, acks: -1, messages: [{ value: String(performance.now()) }] });
        await received;
      }
      await consumer.disconnect();
      return samples;
    },
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

function platformaticClient(): ClientUnderTest {
  const base = { clientId: 'bench-platformatic', bootstrapBrokers: brokers };
  const admin = new Admin(base);
  const producer = new Producer({
    ...base,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
  });
  return {
    name: '@platformatic/kafka 1.35',
    async createTopic(topic) {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      // metadata propagation: wait until the leader is known
      for (let i = 0; i < 50; i++) {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true }).catch(() => undefined);
        if (metadata?.topics.get(topic)?.partitions[0]?.leader !== undefined) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async produce(topic, count, batch, size) {
      const values = payloads(batch, size);
      for (let sent = 0; sent < count; sent += batch) {
        await producer.send({ messages: values.map((value) => ({ topic, value, partition: 0 })) });
      }
    },
    async consume(topic, count) {
      const consumer = new Consumer({
        ...base,
        groupId: `bench-platformatic-${topic}`,
        maxBytes: 10 * 1024 * 1024,
      });
      const start = performance.now();
      let firstRecordMs = 0;
      let seen = 0;
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const allRecordsMs = await new Promise<number>((resolve, reject) => {
        stream.on('data', () => {
          if (seen === 0) firstRecordMs = performance.now() - start;
          if (++seen === count) resolve(performance.now() - start);
        });
        stream.on('error', reject);
      });
      await stream.close();
      await consumer.close(true);
      return { firstRecordMs, allRecordsMs };
    },
    async latency(topic, count) {
      const consumer = new Consumer({
        ...base,
        groupId: `bench-platformatic-lat-${topic}`,
        maxWaitTime: 500,
      });
      const samples: number[] = [];
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      let next!: () => void;
      stream.on('data', (message) => {
        samples.push(performance.now() - Number(message.value.toString()));
        next();
      });
      for (let i = 0; i < count; i++) {
        const received = new Promise<void>((resolve) => (next = resolve));
        await producer.send({
          messages: [{ topic, value: Buffer.from(String(performance.now())), partition: 0 }],
        });
        await received;
      }
      await stream.close();
      await consumer.close(true);
      return samples;
    },
    async close() {
      await producer.close();
      await admin.close();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Row {
  client: string;
  case: string;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
}

const produceCases = [
  { batch: 1, size: 100, count: quick ? 300 : 2_000 },
  { batch: 1, size: 1024, count: quick ? 300 : 2_000 },
  { batch: 1000, size: 100, count: quick ? 20_000 : 100_000 },
  { batch: 1000, size: 1024, count: quick ? 10_000 : 50_000 },
];
const consumeCount = produceCases[2].count;
const latencyCount = quick ? 200 : 1_000;

async function measure(client: ClientUnderTest): Promise<Row[]> {
  const rows: Row[] = [];
  const slug = client.name.startsWith('kafkajs') ? 'kjs' : 'plt';
  let consumeTopic = '';
  for (const c of produceCases) {
    const topic = `bench-clients-${run}-${slug}-b${c.batch}-s${c.size}`;
    await client.createTopic(topic);
    await client.produce(topic, Math.min(c.batch * 5, c.count), c.batch, c.size); // warm-up
    const start = performance.now();
    await client.produce(topic, c.count, c.batch, c.size);
    const seconds = (performance.now() - start) / 1000;
    rows.push({
      client: client.name,
      case: `produce batch ${c.batch}, ${c.size} B`,
      records: c.count,
      seconds,
      recordsPerSecond: c.count / seconds,
      mbPerSecond: (c.count * c.size) / seconds / 1e6,
    });
    if (c.batch === 1000 && c.size === 100) consumeTopic = topic;
  }
  const total = consumeCount + Math.min(5000, consumeCount);
  const consumed = await client.consume(consumeTopic, total);
  const seconds = (consumed.allRecordsMs - consumed.firstRecordMs) / 1000;
  rows.push({
    client: client.name,
    case: `consume (group, 100 B), join ${Math.round(consumed.firstRecordMs)} ms excluded`,
    records: total,
    seconds,
    recordsPerSecond: total / seconds,
    mbPerSecond: (total * 100) / seconds / 1e6,
  });
  const latencyTopic = `bench-clients-${run}-${slug}-latency`;
  await client.createTopic(latencyTopic);
  const samples = (await client.latency(latencyTopic, latencyCount)).sort((a, b) => a - b);
  const latencySeconds = samples.reduce((a, b) => a + b, 0) / 1000;
  rows.push({
    client: client.name,
    case: 'end-to-end latency (produce → group consumer)',
    records: samples.length,
    seconds: latencySeconds,
    recordsPerSecond: samples.length / latencySeconds,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
  });
  await client.close();
  return rows;
}

const rows: Row[] = [];
for (const make of [kafkajsClient, platformaticClient]) rows.push(...(await measure(make())));

const cases = [...new Set(rows.map((r) => r.case.replace(/, join .*$/, '')))];
const table = cases.map((name) => {
  const [a, b] = ['kafkajs', '@platformatic'].map((prefix) =>
    rows.find((r) => r.client.startsWith(prefix) && r.case.startsWith(name)),
  );
  const isLatency = a?.p50Ms !== undefined;
  return {
    case: name,
    kafkajs: isLatency
      ? `p50 ${a!.p50Ms!.toFixed(2)} / p99 ${a!.p99Ms!.toFixed(2)} ms`
      : `${Math.round(a!.recordsPerSecond)} rec/s`,
    platformatic: isLatency
      ? `p50 ${b!.p50Ms!.toFixed(2)} / p99 ${b!.p99Ms!.toFixed(2)} ms`
      : `${Math.round(b!.recordsPerSecond)} rec/s`,
    'platformatic / kafkajs': isLatency
      ? `${(b!.p50Ms! / a!.p50Ms!).toFixed(2)}× p50 latency`
      : `${(b!.recordsPerSecond / a!.recordsPerSecond).toFixed(2)}× throughput`,
  };
});
console.table(table);
// bench/results/ of the repository, whether this runs from bench/ (tsx) or dist/bench/ (compiled)
let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
const out = join(root, 'bench', 'results', 'kafka-clients.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      brokers,
      quick,
      note: 'shared 2-core machine, the broker on the same cores; other work may run at the same time',
      rows,
      table,
    },
    null,
    2,
  ) + '\n',
);
console.log(`written ${out}`);
