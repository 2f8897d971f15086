// Broker loss on a three-broker cluster (scripts/kafka.sh start --brokers 3: KRaft, replication
// factor 3, min.insync.replicas=2). Producers write through tml's Kafka backbone (idempotent,
// acks=all) while one broker is killed with SIGKILL and started again, then the broker leading
// partition 0. Meanwhile a continuous solution runs on three `tml worker` processes
// (bench/kafka-cluster-solution.ts), fed ten rows a second. Afterwards every partition is read
// back: every acknowledged record must be there, and every input row of the solution must have
// exactly one prediction. Prints a table and writes bench/results/kafka-cluster.json.
//
// A bench, also run by .ci/run after npm test: three JVMs and three workers on the CI machine's two
// cores take 2-3 minutes in all (docs/benchmarks.md has the measured times), too long for npm test.
//
// Usage: npm run bench:kafka-cluster   (TML_KAFKA_CLUSTER_PORT, default 19192, as scripts/kafka.sh)
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { openBackbone } from '../src/backbone/open.js';
import { longestPause, startSolutionLoad } from './kafka-cluster-solution.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);

function kafkaSh(...args: string[]): string {
  const result = spawnSync('bash', [join(root, 'scripts/kafka.sh'), ...args, '--brokers', '3'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`kafka.sh ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/**
 * As kafkaSh, without blocking the event loop: a node's start takes 10–20 s, during which the
 * producers and the solution's feeder must go on (a blocked loop would show as their pause).
 */
async function kafkaShAsync(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'bash',
    [join(root, 'scripts/kafka.sh'), ...args, '--brokers', '3'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return stdout;
}

/** node id → pid and port of the running nodes (all started by this bench through kafka.sh). */
function nodes(): Map<number, { pid: number; port: number }> {
  const out = new Map<number, { pid: number; port: number }>();
  for (const line of kafkaSh('pids').trim().split('\n')) {
    const [id, pid, port] = line.split(' ').map(Number);
    if (id) out.set(id, { pid, port });
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOPIC = 'broker-loss';
const PRODUCERS = 3;

const started = Date.now();
kafkaSh('start', '--fresh');
const startSeconds = (Date.now() - started) / 1000;
const brokers = kafkaSh('env').trim().split('=')[1];
const admin = new Kafka({
  clientId: 'bench-admin',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
}).admin();
await admin.connect();
// Every topic tml creates (the solution's catalog, status, models and outputs too) gets three
// replicas, as TML_DEFAULT_REPLICATION_FACTOR=3 gives the workers: tml's default of 1 would leave
// each of them on one broker, offline while that broker is down.
const backbone = await openBackbone({
  dataDir: '',
  kafka: { brokers: brokers.split(','), clientId: 'bench' },
  defaultReplicationFactor: 3,
});
await backbone.createTopic({ name: TOPIC, partitions: 3, replicationFactor: 3 });
const solution = await startSolutionLoad(backbone, brokers, root);

async function leaderOf(partition: number): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  return meta.topics[0].partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
}
async function fullIsr(): Promise<boolean> {
  const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  return meta.topics[0].partitions.every((p) => p.isr.length === 3);
}

// Producers: each sends batches of 10 numbered records and remembers what was acknowledged.
const acked = new Set<string>();
const ackTimes: number[] = [];
let failures = 0;
let stop = false;
const producers = Array.from({ length: PRODUCERS }, async (_, p) => {
  let seq = 0;
  while (!stop) {
    const values = Array.from({ length: 10 }, (_, i) => `p${p}-${seq + i}`);
    try {
      await backbone.produce(
        TOPIC,
        values.map((value) => ({ key: `${p}-${seq}`, value })),
      );
      for (const v of values) acked.add(v);
      ackTimes.push(Date.now());
      seq += 10;
    } catch {
      failures++; // not acknowledged: may or may not be stored; the next batch has new numbers
      seq += 10;
      await sleep(100);
    }
  }
});

interface Fault {
  what: string;
  node: number;
  at: number;
  pauseMs: number;
}
const faults: Fault[] = [];
async function kill(what: string, node: number): Promise<void> {
  const target = nodes().get(node);
  if (target === undefined) throw new Error(`node ${node} is not running`);
  const at = Date.now();
  process.kill(target.pid, 'SIGKILL');
  faults.push({ what, node, at, pauseMs: 0 });
  console.log(`${new Date(at).toISOString().slice(11, 23)} SIGKILL node ${node} (${what})`);
  await sleep(8000);
  await kafkaShAsync('start', '--node', String(node));
  console.log(`${new Date().toISOString().slice(11, 23)} node ${node} started again`);
  for (let i = 0; i < 120 && !(await fullIsr()); i++) await sleep(500);
}

await sleep(5000);
const leader0 = await leaderOf(0);
const follower = [1, 2, 3].find((n) => n !== leader0) ?? 1;
await kill('a follower of partition 0', follower);
await sleep(3000);
await kill('the leader of partition 0', await leaderOf(0));
await sleep(3000);
stop = true;
await Promise.all(producers);
const { figures, pausesMs, workerLog } = await solution.finish(faults).finally(() => solution.close());

// the pause of each fault: the longest gap between acknowledgements from the kill on
ackTimes.sort((a, b) => a - b);
for (const fault of faults) fault.pauseMs = longestPause(ackTimes, fault.at, 20_000, Date.now());

// read everything back
const stored = new Set<string>();
let duplicates = 0;
for (const { partition, latest } of await backbone.listOffsets(TOPIC)) {
  for (let offset = 0; offset < latest;) {
    const { records } = await backbone.fetch({ topic: TOPIC, partition, offset, maxRecords: 5000 });
    if (records.length === 0) break;
    for (const r of records) {
      const value = r.value?.toString('utf8') ?? '';
      if (stored.has(value)) duplicates++;
      stored.add(value);
    }
    offset = records[records.length - 1].offset + 1;
  }
}
const lost = [...acked].filter((v) => !stored.has(v)).length;
await backbone.close();
await admin.disconnect();
kafkaSh('stop');

const table = {
  'cluster start (3 nodes)': `${startSeconds.toFixed(1)} s`,
  'acknowledged records': acked.size,
  'stored records': stored.size,
  'acknowledged but lost': lost,
  'duplicates stored': duplicates,
  'failed sends (not acknowledged)': failures,
  ...Object.fromEntries(
    faults.map((f) => [`pause after SIGKILL of ${f.what} (node ${f.node})`, `${f.pauseMs} ms`]),
  ),
  'solution: workers / first model after': `${figures.workers} / ${figures.firstModelSeconds.toFixed(1)} s`,
  'solution: input rows / rows predicted / predictions': `${figures.inputRows} / ${figures.predicted} / ${figures.predictions}`,
  'solution: rows without a prediction / duplicates': `${figures.missing} / ${figures.duplicates}`,
  'solution: rows not acknowledged (feeder)': figures.feedFailures,
  'solution: rows never consumed (150 s after the feed stopped)': figures.notConsumed,
  'solution: last prediction after the feed stopped': `${figures.lastPredictionAfterEndMs} ms`,
  ...Object.fromEntries(
    faults.map((f, i) => [`solution pause after SIGKILL of ${f.what}`, `${pausesMs[i]} ms`]),
  ),
  'whole run': `${((Date.now() - started) / 1000).toFixed(0)} s`,
};
console.table(table);
const out = join(root, 'bench', 'results', 'kafka-cluster.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      note: 'three JVMs and the producers on one shared 2-core machine; other work may run at the same time',
      producers: PRODUCERS,
      acknowledged: acked.size,
      stored: stored.size,
      lost,
      duplicates,
      failures,
      faults: faults.map(({ what, node, pauseMs }, i) => ({
        what,
        node,
        pauseMs,
        solutionPauseMs: pausesMs[i],
      })),
      solution: figures,
      table,
    },
    null,
    2,
  ) + '\n',
);
if (workerLog) console.error(`the workers' last words:\n${workerLog}`);
if (lost > 0 || figures.missing > 0 || figures.duplicates > 0 || !figures.consumedAll) {
  console.error(
    `FAIL: ${lost} acknowledged records missing, ${figures.missing} rows without a prediction, ` +
      `${figures.duplicates} duplicate predictions, ${figures.notConsumed} rows never consumed`,
  );
  process.exit(1);
}
