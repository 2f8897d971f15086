// One load level of the solutions benchmark: N solutions, each reading three input topics (two
// independent variables and the dependent one, joined by position) with a window of 500 rows and a
// retrain every second, fed by a producer appending rows to every solution at a steady rate. One
// SolutionWorker (with its training pool) runs them all in this process, as `tml worker` would; the
// producer shares the process (its cost is part of the CPU figure). After a warm-up, one period is
// measured; the producer keeps going for a tail so rows appended near the end can be learnt from.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TrainingPool } from '../src/automl/index.js';
import type { Backbone } from '../src/backbone/types.js';
import { openSolutionCatalog } from '../src/solutions/catalog.js';
import type { SolutionTopics } from '../src/solutions/topics.js';
import { SolutionWorker } from '../src/solutions/worker.js';
import {
  freshness,
  percentile,
  retrainDeadlines,
  type DeadlineStats,
  type Freshness,
} from './solutions-metrics.js';
import { SolutionTrace } from './solutions-recorder.js';

export interface AutoMLChoice {
  modelruns: number;
  algorithms: string[];
  timeBudgetMs: number;
}

export interface LoadOptions {
  /** A backbone nobody else writes these names on (fresh embedded store, or unique Kafka names). */
  backbone: Backbone;
  /** Prefix of every topic and group this run creates. */
  prefix: string;
  solutions: number;
  rowsPerSecond: number;
  windowRows: number;
  retrainEverySeconds: number;
  automl: AutoMLChoice;
  warmupSeconds: number;
  measureSeconds: number;
  tailSeconds: number;
  /** Partitions of the catalog topic: one transactional producer each (default 12). */
  catalogPartitions?: number;
  /** A retrain starting this long after its due time still counts as on time. */
  toleranceMs: number;
  log: (line: string) => void;
}

export interface LoadResult {
  solutions: number;
  measureSeconds: number;
  deadline: DeadlineStats;
  freshness: Freshness;
  /** CPU time of this process (all threads) per wall second, in % of one core. */
  processCpuPercent: number;
  /** The whole machine's busy share in the period (other work included), in % of all cores. */
  machineBusyPercent: number | null;
  /** The main thread's event-loop utilisation (busy share of wall time, 0–1). */
  eventLoopUtilization: number;
  /** Share of the period in which some task on the machine waited for a CPU (Linux PSI), in %. */
  cpuPressurePercent: number | null;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  retrainsPerSecond: number;
  retrainMeanMs: number;
  /** Share of the retrains whose new model replaced the champion. */
  promotedFraction: number;
  predictionsPerSecond: number;
  rowsAppendedPerSecond: number;
  /** Row appended → its own prediction published (by whichever champion), in ms. */
  predictionLatencyP50Ms: number;
  predictionLatencyP99Ms: number;
  /** Rows appended in the period that had no prediction by the end of the run. */
  rowsUnpredicted: number;
  problems: string[];
  startupSeconds: number;
}

/**
 * The rows of one solution: a nonlinear relation whose coefficient drifts slowly (a full cycle per
 * `DRIFT_PERIOD_ROWS` rows), with noise — a stream worth retraining on every second: a model cut
 * from the newest window is usually (not always) better than the one before it.
 */
export class BenchStream {
  #state: number;
  constructor(readonly solution: number) {
    this.#state = (solution * 2_654_435_761) >>> 0 || 1;
  }
  /** Row i (rows are drawn in order; the randomness is seeded per solution). */
  next(i: number): [number, number, number] {
    const a = Math.sin(i / 15 + this.solution) + 0.3 * (this.random() - 0.5);
    const b = this.random();
    const coefficient = 2 + Math.sin((2 * Math.PI * i) / DRIFT_PERIOD_ROWS);
    const noise = 0.2 * (this.random() + this.random() + this.random() - 1.5);
    return [a, b, coefficient * a + 3 * b * b + noise];
  }
  /** mulberry32 */
  private random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
}

const DRIFT_PERIOD_ROWS = 600;

const STREAMS = ['a', 'b', 'y'] as const;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { backbone, prefix, solutions: n, log } = options;
  const topicOf = (s: number, stream: string): string => `${prefix}s${s}.${stream}`;
  const topics: SolutionTopics = {
    catalog: `${prefix}catalog`,
    status: `${prefix}status`,
    registry: `${prefix}models`,
  };

  // inputs, with a full window already there so every solution trains at once
  const appendedAt: number[][] = [];
  const streams = Array.from({ length: n }, (_, s) => new BenchStream(s));
  for (let s = 0; s < n; s++) {
    const preload = Array.from({ length: options.windowRows }, (_, i) => streams[s].next(i));
    for (const [k, stream] of STREAMS.entries()) {
      await backbone.createTopic({ name: topicOf(s, stream), partitions: 1 });
      await backbone.produce(
        topicOf(s, stream),
        preload.map((values) => ({ value: String(values[k]), partition: 0 })),
      );
    }
    appendedAt.push(new Array<number>(options.windowRows).fill(Number.NaN));
  }

  const startup = Date.now();
  const pool = new TrainingPool();
  const traces: SolutionTrace[] = [];
  const byName = new Map<string, SolutionTrace>();
  for (let s = 0; s < n; s++) {
    const trace = new SolutionTrace(`${prefix}sol${s}`, `${topicOf(s, 'y')}/0`);
    traces.push(trace);
    byName.set(trace.name, trace);
  }
  const worker = await SolutionWorker.start(backbone, {
    pool,
    topics,
    groupId: `${prefix}workers`,
    clientId: `${prefix}worker`,
    catalogPartitions: options.catalogPartitions,
  });
  worker.on('runner', (runner) => byName.get(runner.spec.name)?.attach(runner));
  const workerErrors: string[] = [];
  worker.on('error', (error) => workerErrors.push(error.message));

  let stopped = false;
  let producing: Promise<void> | undefined;
  try {
    const catalog = await openSolutionCatalog(backbone, {
      topics,
      catalogPartitions: options.catalogPartitions,
    });
    for (let s = 0; s < n; s++) {
      await catalog.create({
        name: traces[s].name,
        inputs: STREAMS.map((stream) => ({ topic: topicOf(s, stream) })),
        window: { records: options.windowRows },
        dependentVariable: topicOf(s, 'y'),
        independentVariables: [topicOf(s, 'a'), topicOf(s, 'b')],
        retrain: { everySeconds: options.retrainEverySeconds },
        automl: options.automl,
      });
    }
    await worker.schedule();
    const readyBy = Date.now() + 60_000 + n * 500;
    while (traces.some((t) => !t.retrains.some((r) => r.trained))) {
      if (Date.now() > readyBy) {
        const waiting = traces.filter((t) => !t.retrains.some((r) => r.trained)).length;
        throw new Error(`${waiting} of ${n} solutions did not train their first model in time`);
      }
      await sleep(100);
    }
    const startupSeconds = (Date.now() - startup) / 1000;
    log(`  ${n} solutions running, first models trained in ${startupSeconds.toFixed(1)} s`);

    // the producer: row i of solution s is due at start + phase(s) + i / rate
    const started = Date.now();
    const intervalMs = 1000 / options.rowsPerSecond;
    const produced = new Array<number>(n).fill(0);
    producing = (async () => {
      while (!stopped) {
        const now = Date.now();
        const appends: Promise<void>[] = [];
        for (let s = 0; s < n; s++) {
          const due = Math.floor((now - started - (s / n) * intervalMs) / intervalMs) + 1;
          while (produced[s] < due) {
            const i = options.windowRows + produced[s]++;
            const values = streams[s].next(i);
            // the three streams of a row are sent together, as one producer would batch them
            appends.push(
              Promise.all(
                STREAMS.map((stream, k) =>
                  backbone.produce(topicOf(s, stream), [{ value: String(values[k]), partition: 0 }]),
                ),
              ).then(() => {
                appendedAt[s][i] = Date.now();
              }),
            );
          }
        }
        await Promise.all(appends);
        await sleep(10);
      }
    })();

    await sleep(options.warmupSeconds * 1000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const cpuBefore = process.cpuUsage();
    const machineBefore = machineTimes();
    const pressureBefore = cpuPressureMicros();
    const eluBefore = performance.eventLoopUtilization();
    const from = Date.now();
    delay.enable();
    await sleep(options.measureSeconds * 1000);
    delay.disable();
    const to = Date.now();
    const cpu = process.cpuUsage(cpuBefore);
    const machineAfter = machineTimes();
    const pressureAfter = cpuPressureMicros();
    const elu = performance.eventLoopUtilization(eluBefore);
    await sleep(options.tailSeconds * 1000);
    stopped = true;
    await producing;

    const seconds = (to - from) / 1000;
    const trainedInPeriod = traces.flatMap((t) =>
      t.retrains.filter((r) => r.trained && r.startedAt >= from && r.startedAt <= to),
    );
    let predictions = 0;
    for (const t of traces) {
      for (const at of t.predictionCommittedAt) if (at >= from && at <= to) predictions++;
    }
    // the k-th prediction of a solution is of its k-th new row (rows are predicted in order, once)
    let appended = 0;
    let unpredicted = 0;
    const latencies: number[] = [];
    appendedAt.forEach((rows, s) => {
      const committed = traces[s].predictionCommittedAt;
      for (let i = options.windowRows; i < rows.length; i++) {
        const at = rows[i];
        if (!(at >= from && at <= to)) continue;
        appended++;
        const published = committed[i - options.windowRows];
        if (published === undefined || Number.isNaN(published)) unpredicted++;
        else latencies.push(published - at);
      }
    });
    latencies.sort((a, b) => a - b);
    const fresh = freshness(traces, appendedAt, from, to);
    return {
      solutions: n,
      measureSeconds: seconds,
      deadline: retrainDeadlines(traces, from, to, options.retrainEverySeconds * 1000, options.toleranceMs),
      freshness: fresh,
      processCpuPercent: ((cpu.user + cpu.system) / 1000 / (to - from)) * 100,
      machineBusyPercent:
        machineBefore === null || machineAfter === null
          ? null
          : (1 - (machineAfter.idle - machineBefore.idle) / (machineAfter.total - machineBefore.total)) * 100,
      eventLoopUtilization: elu.utilization,
      cpuPressurePercent:
        pressureBefore === null || pressureAfter === null
          ? null
          : ((pressureAfter - pressureBefore) / 1000 / (to - from)) * 100,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      retrainsPerSecond: trainedInPeriod.length / seconds,
      retrainMeanMs:
        trainedInPeriod.reduce((sum, r) => sum + r.elapsedMs, 0) / Math.max(1, trainedInPeriod.length),
      promotedFraction:
        trainedInPeriod.filter((r) => r.promoted).length / Math.max(1, trainedInPeriod.length),
      predictionsPerSecond: predictions / seconds,
      rowsAppendedPerSecond: appended / seconds,
      predictionLatencyP50Ms: percentile(latencies, 50),
      predictionLatencyP99Ms: percentile(latencies, 99),
      rowsUnpredicted: unpredicted,
      problems: [...new Set([...workerErrors, ...traces.flatMap((t) => t.problems)])].slice(0, 10),
      startupSeconds,
    };
  } finally {
    stopped = true;
    await producing?.catch(() => undefined);
    await worker.close();
    await pool.close();
    // a shared cluster keeps topics: remove this run's (the embedded store is deleted whole)
    if (backbone.kind === 'kafka') {
      for (const topic of await backbone.listTopics()) {
        if (topic.startsWith(prefix)) await backbone.deleteTopic(topic).catch(() => undefined);
      }
    }
  }
}

/** Idle and total jiffies of all CPUs (Linux /proc/stat), or null elsewhere. */
function machineTimes(): { idle: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = fields[3] + (fields[4] ?? 0);
    return { idle, total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

/** Total µs some task waited for a CPU (/proc/pressure/cpu), or null where PSI is missing. */
function cpuPressureMicros(): number | null {
  try {
    const match = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
