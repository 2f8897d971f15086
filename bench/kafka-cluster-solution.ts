// The solution half of the broker-loss bench (bench/kafka-cluster.ts): a continuous solution run by
// three `tml worker` processes sharing it through their consumer group, fed ten rows a second,
// while the bench kills brokers. Afterwards: every input row must have exactly one prediction
// (read_committed), and the longest gap between predictions after each kill is the pause.
// Rows without a prediction are counted among the consumed ones (the group's committed offset); rows
// never consumed within 150 s of the feed's end are counted apart, as a stall.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backbone } from '../src/backbone/types.js';
import { openSolutionCatalog } from '../src/solutions/catalog.js';
import { solutionTopics } from '../src/solutions/topics.js';

const INITIAL_ROWS = 60;
/**
 * How long the solution's group has to commit every row after the feed stopped: longer than one
 * backbone call may take with the default settings (KafkaCluster.deadlineMs, 137 s), so a call
 * that never settles is told apart from a runner that stopped for good.
 */
const CONSUME_WAIT_MS = 150_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function row(i: number): string {
  const a = ((i * 31) % 100) / 10;
  const b = ((i * 17) % 100) / 10;
  return JSON.stringify({ a, b, y: 2 * a - b + Math.sin(i) * 0.05 });
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

/**
 * The longest time without an event (an acknowledgement, a prediction) from `at` on, looking at the
 * events up to `windowMs` after it and the first one past that; with no event after the last one,
 * the time to `end` (the end of the run) counts, so a stall that never ended is not reported as 0.
 */
export function longestPause(sortedTimes: number[], at: number, windowMs: number, end: number): number {
  let last = at;
  let pause = 0;
  for (const t of sortedTimes) {
    if (t < at) continue;
    pause = Math.max(pause, t - last);
    last = t;
    if (t > at + windowMs) return pause;
  }
  return Math.max(pause, end - last);
}

export interface SolutionFigures {
  workers: number;
  /** Seconds from the workers' start to the solution's first model. */
  firstModelSeconds: number;
  inputRows: number;
  /** Rows whose produce was not acknowledged (they may or may not be stored; stored ones count). */
  feedFailures: number;
  /** Rows after the first model (each of them consumed must have one prediction). */
  predicted: number;
  predictions: number;
  missing: number;
  duplicates: number;
  /** The worker that ran the solution at the end. */
  ranOn: string | undefined;
  /** Every input row consumed (committed by the solution's group) within 150 s of the feed's end. */
  consumedAll: boolean;
  notConsumed: number;
  /** The last prediction's time after the feed stopped (negative: it stopped predicting before). */
  lastPredictionAfterEndMs: number;
}

export interface SolutionLoad {
  /** Stops feeding, waits for every row to be consumed, and checks the predictions. */
  finish(
    faults: { at: number }[],
  ): Promise<{ figures: SolutionFigures; pausesMs: number[]; workerLog: string }>;
  /** Stops the workers (SIGTERM, then SIGKILL if they hang). */
  close(): Promise<void>;
}

export async function startSolutionLoad(
  backbone: Backbone,
  brokers: string,
  root: string,
): Promise<SolutionLoad> {
  const namespace = `kc${Date.now().toString(36)}`;
  const topics = solutionTopics(namespace);
  const catalog = await openSolutionCatalog(backbone, { topics });
  const input = `${namespace}-input`;
  const name = `${namespace}-solution`;
  await backbone.createTopic({ name: input, partitions: 1, replicationFactor: 3 });
  await backbone.produce(
    input,
    Array.from({ length: INITIAL_ROWS }, (_, i) => ({ value: row(i) })),
  );
  await catalog.create({
    name,
    inputs: [{ topic: input, variables: ['a', 'b', 'y'] }],
    window: { records: 60 },
    dependentVariable: 'y',
    independentVariables: ['a', 'b'],
    retrain: { everyRecords: 100 },
    automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 1000 },
    drift: { enabled: false },
  });

  const workers: ChildProcess[] = [];
  const logs: string[] = [];
  const env = {
    ...process.env,
    TML_KAFKA_BROKERS: brokers,
    TML_NAMESPACE: namespace,
    TML_DEFAULT_REPLICATION_FACTOR: '3',
    TML_LOG_LEVEL: process.env.TML_LOG_LEVEL ?? 'warn',
  };
  // TML_BENCH_WORKER_LOGS=<dir>: every worker line also goes to <dir>/<worker>.log, stamped as below
  const logDir = process.env.TML_BENCH_WORKER_LOGS;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  for (const id of ['w1', 'w2', 'w3']) {
    const child = spawn(
      process.execPath,
      [join(root, 'dist/src/cli/main.js'), 'worker', '--client-id', id, '--session-timeout', '6000'],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const at = logs.push('') - 1;
    // the workers' lines carry no time: each gets the bench's time of arrival, so a line from a
    // broker's downtime is not taken for one from after its restart
    child.stderr?.on('data', (c: Buffer) => {
      const stamped = c
        .toString()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => `${new Date().toISOString().slice(11, 23)} ${line}\n`)
        .join('');
      logs[at] = (logs[at] + stamped).slice(-4000);
      if (logDir) appendFileSync(join(logDir, `${id}.log`), stamped);
    });
    workers.push(child);
  }
  const close = async () => {
    await Promise.all(
      workers.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await until('the solution’s first model', 180_000, async () => {
      const view = await catalog.describe(name);
      return (view.status?.retrains ?? 0) >= 1 ? true : undefined;
    });
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}\n${logs.join('\n---\n')}`, { cause: error });
  }
  const firstModelSeconds = (Date.now() - started) / 1000;

  // ten rows a second whatever a produce takes: each call sends every row due since the last one
  let feeding = true;
  let next = INITIAL_ROWS;
  let feedFailures = 0;
  const feedStart = Date.now();
  const feeder = (async () => {
    while (feeding) {
      const due = INITIAL_ROWS + Math.floor((Date.now() - feedStart) / 100) - next;
      if (due > 0) {
        const rows = Array.from({ length: due }, (_, i) => ({ value: row(next + i) }));
        try {
          await backbone.produce(input, rows);
        } catch {
          feedFailures += due;
        }
        next += due;
      }
      await sleep(100);
    }
  })();

  return {
    close,
    async finish(faults) {
      feeding = false;
      await feeder;
      const feedEnd = Date.now();
      const view = await catalog.describe(name);
      const group = `tml.solution.${view.name}.${view.createdAt}`;
      const [{ latest }] = await backbone.listOffsets(input);
      // a stalled solution is a result, not a crash: the figures say how far it got
      let committed = 0;
      const consumedAll = await until('every input row consumed', CONSUME_WAIT_MS, async () => {
        committed = (await backbone.committedOffsets(group))[0]?.offset ?? committed;
        return committed === latest ? true : undefined;
      }).catch(() => false);
      const workerLog = consumedAll ? '' : logs.join('\n---\n');
      // read_committed: what the workers' transactions committed, aborted ones left out
      const records: { offset: number; timestamp: number }[] = [];
      const predictionsTopic = `${name}-predictions`;
      for (const { partition, latest: end } of await backbone.listOffsets(predictionsTopic)) {
        for (let offset = 0; offset < end;) {
          const page = await backbone.fetch({ topic: predictionsTopic, partition, offset, maxRecords: 5000 });
          if (page.records.length === 0) break;
          for (const r of page.records) {
            const value = JSON.parse(r.value?.toString('utf8') ?? '{}') as {
              offsets?: Record<string, number>;
            };
            records.push({ offset: value.offsets?.[`${input}/0`] ?? -1, timestamp: Number(r.timestamp) });
          }
          offset = page.records[page.records.length - 1].offset + 1;
        }
      }
      const first = Math.min(...records.map((r) => r.offset));
      const seen = new Map<number, number>();
      for (const r of records) seen.set(r.offset, (seen.get(r.offset) ?? 0) + 1);
      let missing = 0;
      for (let o = first; o < committed; o++) if (!seen.has(o)) missing++;
      const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
      // the pause: the longest gap between predictions written in the 30 s after each kill
      const times = records.map((r) => r.timestamp).sort((a, b) => a - b);
      const pausesMs = faults.map(({ at }) => longestPause(times, at, 30_000, feedEnd));
      return {
        pausesMs,
        figures: {
          workers: workers.length,
          firstModelSeconds,
          inputRows: latest,
          feedFailures,
          predicted: latest - first,
          predictions: records.length,
          missing,
          duplicates,
          ranOn: (await catalog.describe(name)).status?.worker,
          consumedAll,
          notConsumed: latest - committed,
          lastPredictionAfterEndMs: (times.at(-1) ?? 0) - feedEnd,
        },
        workerLog,
      };
    },
  };
}
