// `npm run bench:solutions`: how many concurrent solutions one machine sustains (3 input streams
// each, window 500 rows, retrain every second) while meeting the retrain deadline 99% of the time,
// and how fresh the predictions are (record appended → prediction by a model that learnt from it).
// The number of solutions is raised step by step on the embedded backbone until a level fails; the
// same run is then made on Kafka at one level: `--kafka <brokers>`, or by default the local broker
// (scripts/kafka.sh, started when it is not running); `--no-kafka` skips it. Prints a table and
// writes bench/results/solutions.json.
//
//   node dist/bench/solutions.js [--levels 25,50,100,150,200,300,400] [--measure 25] [--warmup 8]
//     [--rate 5] [--algorithms ols,ridge,knn,gbdt] [--modelruns 4] [--fresh-every 0.5|none]
//     [--fresh-level 50] [--kafka <brokers>|local] [--no-kafka] [--kafka-level 20]
//     [--kafka-retry-delay 20|none] [--kafka-catalog-partitions 12] [--skip-embedded] [--quick]
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBackbone } from '../src/backbone/embedded/embedded-backbone.js';
import { KafkaBackbone } from '../src/backbone/kafka/index.js';
import type { Backbone } from '../src/backbone/types.js';
import { kafkaTarget } from './backbone-kafka.js';
import { runLoad, type AutoMLChoice, type LoadResult } from './solutions-load.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

interface Settings {
  levels: number[];
  warmupSeconds: number;
  measureSeconds: number;
  tailSeconds: number;
  rowsPerSecond: number;
  windowRows: number;
  retrainEverySeconds: number;
  toleranceMs: number;
  configurations: Array<{ label: string; automl: AutoMLChoice }>;
  kafka?: string;
  kafkaLevel: number;
  /** A second Kafka run with this client retry delay (ms) and this many catalog partitions. */
  kafkaRetryDelayMs?: number;
  kafkaCatalogPartitions?: number;
  /** One more embedded run at `freshLevel` solutions with this shorter retrain period. */
  freshEverySeconds?: number;
  freshLevel: number;
  /** Only the Kafka run (while developing). */
  skipEmbedded: boolean;
}

/** Sustained: the retrain deadline met 99% of the time, and every row predicted (no growing backlog). */
const DEADLINE_GOAL = 0.99;

function parseArgs(argv: string[]): Settings {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const numbers = (text: string): number[] => text.split(',').map(Number);
  const configurations: Settings['configurations'] = [];
  const algorithms = value('algorithms');
  if (algorithms !== undefined) {
    const list = algorithms.split(',');
    const modelruns = Number(value('modelruns') ?? list.length);
    configurations.push({
      label: `modelruns ${modelruns}: ${list.join('/')}`,
      automl: { modelruns, algorithms: list, timeBudgetMs: 500 },
    });
  } else {
    // What a micro-model user would pick: the cheap linear family plus k-NN and boosted trees for
    // nonlinear relations; and the same without the trees, whose fit dominates the retrain cost.
    configurations.push({
      label: 'modelruns 4: ols/ridge/knn/gbdt',
      automl: { modelruns: 4, algorithms: ['ols', 'ridge', 'knn', 'gbdt'], timeBudgetMs: 500 },
    });
    configurations.push({
      label: 'modelruns 3: ols/ridge/knn',
      automl: { modelruns: 3, algorithms: ['ols', 'ridge', 'knn'], timeBudgetMs: 500 },
    });
  }
  return {
    levels: numbers(value('levels') ?? (quick ? '20' : '25,50,100,150,200,300,400')),
    warmupSeconds: Number(value('warmup') ?? (quick ? 4 : 8)),
    measureSeconds: Number(value('measure') ?? (quick ? 8 : 25)),
    tailSeconds: Number(value('tail') ?? 5),
    rowsPerSecond: Number(value('rate') ?? 5),
    windowRows: 500,
    retrainEverySeconds: 1,
    toleranceMs: Number(value('tolerance') ?? 250),
    configurations,
    kafka: argv.includes('--no-kafka') ? undefined : (value('kafka') ?? 'local'),
    kafkaLevel: Number(value('kafka-level') ?? 20),
    skipEmbedded: argv.includes('--skip-embedded'),
    kafkaRetryDelayMs:
      value('kafka-retry-delay') === 'none' ? undefined : Number(value('kafka-retry-delay') ?? 20),
    kafkaCatalogPartitions:
      value('kafka-catalog-partitions') === undefined ? undefined : Number(value('kafka-catalog-partitions')),
    freshEverySeconds: value('fresh-every') === 'none' ? undefined : Number(value('fresh-every') ?? 0.5),
    freshLevel: Number(value('fresh-level') ?? 50),
  };
}

interface Row {
  backbone: string;
  configuration: string;
  retrainEverySeconds: number;
  /** What differs from the defaults in this run, if anything. */
  note?: string;
  result: LoadResult;
  sustained: boolean;
}

interface Variant {
  retrainEverySeconds?: number;
  catalogPartitions?: number;
  note?: string;
}

const sustained = (r: LoadResult): boolean =>
  r.deadline.metFraction >= DEADLINE_GOAL &&
  r.rowsUnpredicted <= 0.01 * r.rowsAppendedPerSecond * r.measureSeconds;

async function measure(
  settings: Settings,
  backboneName: string,
  open: () => Promise<{ backbone: Backbone; done: () => Promise<void> }>,
  configuration: Settings['configurations'][number],
  n: number,
  log: (line: string) => void,
  variant: Variant = {},
): Promise<Row> {
  const every = variant.retrainEverySeconds ?? settings.retrainEverySeconds;
  log(
    `${backboneName}, ${configuration.label}, ${n} solutions, retrain every ${every} s${variant.note ? `, ${variant.note}` : ''}:`,
  );
  const { backbone, done } = await open();
  try {
    const result = await runLoad({
      backbone,
      prefix: `bs${process.pid}-${Date.now().toString(36)}-`,
      solutions: n,
      rowsPerSecond: settings.rowsPerSecond,
      windowRows: settings.windowRows,
      retrainEverySeconds: every,
      automl: configuration.automl,
      warmupSeconds: settings.warmupSeconds,
      measureSeconds: settings.measureSeconds,
      tailSeconds: settings.tailSeconds,
      toleranceMs: settings.toleranceMs,
      catalogPartitions: variant.catalogPartitions,
      log,
    });
    const row: Row = {
      backbone: backboneName,
      configuration: configuration.label,
      retrainEverySeconds: every,
      note: variant.note,
      result,
      sustained: sustained(result),
    };
    log(format(row));
    return row;
  } finally {
    await done();
  }
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : v === Infinity ? '∞' : '-');

const HEADER =
  'backbone | AutoML per retrain              | every |   N | deadline met | late p99 ms | CPU % | ELU | CPU wait % | loop p99 ms | retrains/s | promoted | predictions/s | rows/s | pred. p99 ms | fresh p50/p99 ms | decided p50/p99 ms | ok';

function format({
  backbone,
  configuration,
  retrainEverySeconds,
  note,
  result: r,
  sustained: ok,
}: Row): string {
  return [
    (backbone + (note === undefined ? '' : '*')).padEnd(8),
    configuration.padEnd(31),
    `${retrainEverySeconds} s`.padStart(5),
    String(r.solutions).padStart(3),
    `${(r.deadline.metFraction * 100).toFixed(2)}%`.padStart(12),
    ms(r.deadline.latenessP99Ms).padStart(11),
    r.processCpuPercent.toFixed(0).padStart(5),
    r.eventLoopUtilization.toFixed(2).padStart(4),
    (r.cpuPressurePercent === null ? '-' : r.cpuPressurePercent.toFixed(0)).padStart(10),
    r.eventLoopDelayP99Ms.toFixed(1).padStart(11),
    r.retrainsPerSecond.toFixed(0).padStart(10),
    `${(r.promotedFraction * 100).toFixed(0)}%`.padStart(8),
    r.predictionsPerSecond.toFixed(0).padStart(13),
    r.rowsAppendedPerSecond.toFixed(0).padStart(6),
    ms(r.predictionLatencyP99Ms).padStart(12),
    `${ms(r.freshness.strict.p50Ms)}/${ms(r.freshness.strict.p99Ms)}`.padStart(16),
    `${ms(r.freshness.decided.p50Ms)}/${ms(r.freshness.decided.p99Ms)}`.padStart(18),
    ok ? 'yes' : 'no',
  ].join(' | ');
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const log = (line: string): void => console.log(line);
  const root = projectRoot();
  const rows: Row[] = [];
  const capacity: Record<string, number> = {};

  const openEmbedded = async (): Promise<{ backbone: Backbone; done: () => Promise<void> }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-solutions-'));
    const backbone = await EmbeddedBackbone.open({ dataDir });
    return {
      backbone,
      done: async () => {
        await backbone.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  };

  for (const configuration of settings.skipEmbedded ? [] : settings.configurations) {
    let best = 0;
    for (const n of settings.levels) {
      const row = await measure(settings, 'embedded', openEmbedded, configuration, n, log);
      rows.push(row);
      if (!row.sustained) break;
      best = n;
    }
    capacity[configuration.label] = best;
    log(`capacity (embedded, ${configuration.label}): ${best} solutions`);
  }
  // Freshness is bounded below by the retrain period (a row that just missed a cut waits for the
  // next): the same load with a shorter period shows what the runtime adds on top.
  if (!settings.skipEmbedded && settings.freshEverySeconds !== undefined) {
    const configuration = settings.configurations[settings.configurations.length - 1];
    rows.push(
      await measure(settings, 'embedded', openEmbedded, configuration, settings.freshLevel, log, {
        retrainEverySeconds: settings.freshEverySeconds,
      }),
    );
  }

  let kafkaNote: string | undefined;
  if (settings.kafka !== undefined) {
    let brokers: string[];
    let release = (): void => {};
    if (settings.kafka === 'local') {
      const target = kafkaTarget(root);
      if ('unavailable' in target) {
        kafkaNote = `kafka not measured: ${target.unavailable}`;
        log(kafkaNote);
        brokers = [];
      } else {
        brokers = target.brokers;
        release = target.release;
        kafkaNote = 'kafka: the local single broker (scripts/kafka.sh)';
      }
    } else {
      brokers = settings.kafka.split(',');
      kafkaNote = `kafka: ${brokers.length} broker(s) given on the command line`;
    }
    try {
      const openKafka =
        (retryDelayMs?: number) => async (): Promise<{ backbone: Backbone; done: () => Promise<void> }> => {
          const backbone = new KafkaBackbone({ brokers, clientId: 'tml-bench-solutions', retryDelayMs });
          await backbone.connect();
          return { backbone, done: () => backbone.close() };
        };
      for (const configuration of settings.configurations) {
        rows.push(await measure(settings, 'kafka', openKafka(), configuration, settings.kafkaLevel, log));
        // Back-to-back transactions of one producer meet CONCURRENT_TRANSACTIONS while the previous
        // commit's markers are written; the client waits its retry delay (300 ms by default) each time.
        if (settings.kafkaRetryDelayMs !== undefined) {
          rows.push(
            await measure(
              settings,
              'kafka',
              openKafka(settings.kafkaRetryDelayMs),
              configuration,
              settings.kafkaLevel,
              log,
              {
                note:
                  `Kafka client retryDelayMs ${settings.kafkaRetryDelayMs} (default 300)` +
                  (settings.kafkaCatalogPartitions === undefined
                    ? ''
                    : `, ${settings.kafkaCatalogPartitions} catalog partitions`),
                catalogPartitions: settings.kafkaCatalogPartitions,
              },
            ),
          );
        }
      }
    } finally {
      release();
    }
  }

  console.log('');
  console.log(HEADER);
  for (const row of rows) console.log(format(row));
  for (const row of rows.filter((r) => r.note !== undefined)) {
    console.log(`* ${row.backbone}, ${row.result.solutions} solutions: ${row.note}`);
  }
  console.log('');
  for (const [label, n] of Object.entries(capacity)) {
    console.log(`capacity on the embedded backbone, ${label}: ${n} solutions (goal >= 200)`);
  }

  const out = join(root, 'bench', 'results', 'solutions.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        note: 'shared 2-core machine; other work may run at the same time (machineBusyPercent shows it)',
        settings: { ...settings, kafka: kafkaNote, deadlineGoal: DEADLINE_GOAL },
        capacity,
        rows: rows.map(({ backbone, configuration, retrainEverySeconds, note, sustained: ok, result }) => ({
          backbone,
          configuration,
          retrainEverySeconds,
          note,
          sustained: ok,
          ...result,
        })),
      },
      (_key, v: unknown) => (v === Infinity ? 'Infinity' : v),
      2,
    ),
  );
  console.log(`written to ${out}`);
}

/** The folder holding package.json above this file (dist/bench/ when built, bench/ under tsx). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
