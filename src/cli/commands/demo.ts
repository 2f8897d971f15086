// tml demo (what `npm start` runs): continuous TML with zero set-up. On the embedded backbone it
// starts the tml server, generates three live streams whose relation changes after a while, creates
// a solution on them through the solutions' catalog, runs it in a solution worker (the same runtime
// `tml serve` and `tml worker` use) and shows live what it decides — until Ctrl-C or --duration.
import type { Command } from 'commander';
import { join } from 'node:path';
import type { Backbone } from '../../backbone/types.js';
import type { SolutionRunner } from '../../solutions/runner.js';
import type { SolutionWorker } from '../../solutions/worker.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { integerAtLeast } from '../options.js';

export interface DemoOptions {
  duration?: number;
  driftAfter: number;
  rate: number;
  window: number;
  retrainRows: number;
  retrainSeconds: number;
  modelruns: number;
  port?: number;
  server: boolean;
  view: boolean;
}

/** The demo's solution; its output topics are named after it (`demo-params`, ...). */
export const DEMO_SOLUTION = 'demo';

export const demoCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('demo')
      .description(
        'run TML live: three streams (with a drift), a solution that retrains on every new window and keeps predicting',
      )
      .option(
        '-d, --duration <seconds>',
        'stop after this many seconds (default: run until Ctrl-C)',
        integerAtLeast(1),
      )
      .option(
        '--drift-after <seconds>',
        'the relation between the streams changes after this many seconds',
        integerAtLeast(1),
        75,
      )
      .option('--rate <rows>', 'rows per second appended to each stream', integerAtLeast(1), 20)
      .option(
        '-w, --window <rows>',
        'the latest N rows of the streams form the training window',
        integerAtLeast(30),
        300,
      )
      .option('--retrain-rows <k>', 'retrain after every K new rows', integerAtLeast(1), 50)
      .option('--retrain-seconds <t>', 'and at least every T seconds', integerAtLeast(1), 5)
      .option(
        '-m, --modelruns <n>',
        'candidate models tried per retrain (VIPER modelruns)',
        integerAtLeast(1),
        8,
      )
      .option(
        '--port <n>',
        'port of the tml server the demo starts (default 8000 or $TML_PORT; 0 = any free)',
        integerAtLeast(0),
      )
      .option('--no-server', 'do not start the tml server alongside')
      .option('--no-view', 'print one line per event instead of redrawing a screen (always so when piped)')
      .addHelpText(
        'after',
        '\nThe data directory is ./.tml unless --data-dir or $TML_DATA_DIR says otherwise; a solution\n' +
          `'${DEMO_SOLUTION}' left by an earlier run is replaced (its model registry starts afresh).\n` +
          '\nTopics:\n' +
          '  demo-temperature, demo-humidity, demo-load   the input streams (load depends on the other two)\n' +
          "  demo-params        every new champion model, as JSON with its lineage (the window's offsets)\n" +
          '  demo-predictions   a prediction of every new row by the current champion\n' +
          '  demo-drift         drift events (Page-Hinkley on the prediction error)\n' +
          '  demo-optimal       the inputs that maximise the predicted load, per champion\n' +
          '  demo-anomalies     the risk score of every new row across the three streams\n' +
          '\nThe demo runs the tml server (VIPER API and /v1) on the same backbone and prints its address\n' +
          "and the admin token's path, so the API can be called while it runs, e.g.:\n" +
          '  tml --server http://127.0.0.1:8000 --token-file .tml/admin.tok solutions describe demo\n' +
          '  tml --server http://127.0.0.1:8000 --token-file .tml/admin.tok models demo\n' +
          '\nExamples:\n' +
          '  tml demo\n' +
          '  tml demo --duration 60 --drift-after 20 --rate 50 --no-view',
      )
      .action(action(host, demo));
  },
};

async function demo(context: CommandContext, options: DemoOptions): Promise<void> {
  const { DemoStreamGenerator, DEMO_STREAMS } = await import('../../solutions/demo-streams.js');
  const { openSolutionCatalog } = await import('../../solutions/catalog.js');
  const { UnknownSolutionError } = await import('../../solutions/errors.js');
  const { solutionTopics } = await import('../../solutions/topics.js');
  const { LiveView } = await import('../live-view.js');

  const config = context.config();
  if (options.port !== undefined) config.server.port = options.port;
  const runtime = await openDemoRuntime(context, options);
  const { backbone, server, worker } = runtime;

  const view = new LiveView(context.host.stdout, {
    dataDir: config.dataDir,
    backbone: backbone.kind,
    solution: DEMO_SOLUTION,
    target: 'load',
    features: ['temperature', 'humidity'],
    window: options.window,
    retrainEveryRecords: options.retrainRows,
    retrainEverySeconds: options.retrainSeconds,
    rate: options.rate,
    driftAfterSeconds: options.driftAfter,
    serverUrl: server?.url,
    adminTokenPath: server?.adminTokenPath,
    mode: options.view && context.host.stdout.isTTY === true ? 'screen' : 'lines',
  });
  const stopping = stopSignal(context, options.duration);
  let producing: Promise<void> | undefined;
  try {
    // The demo writes a few hundred records a second for as long as it runs: an hour of them is
    // enough to watch, and keeps a long-running `npm start` from filling the disk.
    const spec = demoSpec(options, DEMO_STREAMS);
    for (const topic of [...Object.values(DEMO_STREAMS), ...Object.values(spec.outputs)]) {
      await backbone.ensureTopic({ name: topic, partitions: 1, config: DEMO_TOPIC_CONFIG });
    }
    const catalog = await openSolutionCatalog(backbone, { topics: solutionTopics(config.namespace) });
    try {
      await catalog.delete(DEMO_SOLUTION);
      context.note(
        `tml demo: replaced the solution '${DEMO_SOLUTION}' of an earlier run (its model registry starts afresh)`,
      );
    } catch (error) {
      if (!(error instanceof UnknownSolutionError)) throw error;
    }

    worker.on('error', (error) => view.problem({ at: Date.now(), message: `worker: ${error.message}` }));

    // A first window of history, so the solution trains its first model at once; the drift comes
    // --drift-after seconds of live rows later.
    const generator = new DemoStreamGenerator({
      driftAfterRows: options.window + options.driftAfter * options.rate,
    });
    await generator.produce(backbone, options.window);
    view.rows(generator.rows, generator.drifted ? generator.driftAfterRows : undefined);
    const { createdAt } = await catalog.create(spec);
    // Follow the runner of this solution, not one of an earlier run still stopping. The worker may
    // have started it already (before create() returned): it is then among its runners; if not, the
    // 'runner' event announces it (nothing runs between these lines).
    const follow = (runner: SolutionRunner): void => {
      if (runner.spec.name === DEMO_SOLUTION && runner.entry.createdAt === createdAt) view.attach(runner);
    };
    worker.on('runner', follow);
    for (const runner of worker.runners()) follow(runner);
    view.start();
    producing = produceLive(options.rate, stopping, async (rows) => {
      await generator.produce(backbone, rows);
      view.rows(generator.rows, generator.drifted ? generator.driftAfterRows : undefined);
    }).catch((error: Error) => view.problem({ at: Date.now(), message: `streams: ${error.message}` }));
    await stopping.promise;
  } finally {
    stopping.stop();
    await producing;
    // each runner finishes its step (its transaction) first: nothing half-done is published; the
    // worker stops before the view does, so the view shows the last of it
    await worker.close();
    view.stop();
    await runtime.close();
  }
  await context.out.line(view.summary());
}

/** An hour of the demo's records (`retention.ms`), inputs and outputs alike. */
export const DEMO_RETENTION_MS = 3_600_000;
const DEMO_TOPIC_CONFIG = { 'retention.ms': DEMO_RETENTION_MS };

/** The demo's solution: load from temperature and humidity, retrained on the latest window. */
export function demoSpec(
  options: Pick<DemoOptions, 'window' | 'retrainRows' | 'retrainSeconds' | 'modelruns'>,
  streams: { load: string; temperature: string; humidity: string },
): Record<string, unknown> & { outputs: Record<string, string> } {
  return {
    name: DEMO_SOLUTION,
    description: 'tml demo: an energy load from temperature and humidity, whose relation changes',
    inputs: [
      { topic: streams.temperature, variables: ['temperature'] },
      { topic: streams.humidity, variables: ['humidity'] },
      { topic: streams.load, variables: ['load'] },
    ],
    window: { records: options.window },
    dependentVariable: 'load',
    independentVariables: ['temperature', 'humidity'],
    retrain: { everyRecords: options.retrainRows, everySeconds: options.retrainSeconds },
    // the search of one retrain stays well under the time between retrains
    automl: { modelruns: options.modelruns, timeBudgetMs: 1000 },
    optimize: { ismin: false },
    anomaly: {},
    drift: { enabled: true, delta: 0.25, threshold: 150 },
    outputs: {
      params: `${DEMO_SOLUTION}-params`,
      predictions: `${DEMO_SOLUTION}-predictions`,
      drift: `${DEMO_SOLUTION}-drift`,
      optimal: `${DEMO_SOLUTION}-optimal`,
      anomalies: `${DEMO_SOLUTION}-anomalies`,
    },
    outputRetentionMs: DEMO_RETENTION_MS,
  };
}

interface DemoRuntime {
  backbone: Backbone;
  /** The worker running the solutions in this process: the server's own, or one of the demo's. */
  worker: SolutionWorker;
  server?: { url: string; adminTokenPath: string };
  /** Stops the worker, then closes the server (when there is one) and the backbone. */
  close(): Promise<void>;
}

/**
 * Opens the backbone and a solution worker. With the server (the default) both are the server's:
 * it shares this process's backbone (the embedded one allows one process per data directory), runs
 * the worker, and closes them when it closes. Without it the demo starts a worker of its own.
 */
async function openDemoRuntime(context: CommandContext, options: DemoOptions): Promise<DemoRuntime> {
  const config = context.config();
  const { solutionTopics, workerGroup } = await import('../../solutions/topics.js');
  if (!options.server) {
    const backbone = await context.openBackbone();
    try {
      const { SolutionWorker } = await import('../../solutions/worker.js');
      const { viperRecordShapers } = await import('../../server/viper/solution-records.js');
      const worker = await SolutionWorker.start(backbone, {
        pool: 'own',
        recordShapers: viperRecordShapers,
        topics: solutionTopics(config.namespace),
        groupId: workerGroup(config.namespace),
      });
      return {
        backbone,
        worker,
        close: async () => {
          await worker.close();
          await backbone.close();
        },
      };
    } catch (error) {
      await backbone.close().catch(() => undefined);
      throw error;
    }
  }
  let opened: Backbone | undefined;
  const open = async () => (opened = await context.openBackbone());
  const { startServer } = await import('../../server/serve.js');
  const start = () => startServer(config, open, { logLevel: 'warn' });
  let running;
  try {
    running = await start();
  } catch (error) {
    // the default port taken by something else: the demo does not need that port, any will do
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== undefined) throw error;
    context.note(`tml demo: port ${config.server.port} is in use; the server takes a free port instead`);
    config.server.port = 0;
    running = await start();
  }
  if (opened === undefined || running.worker === undefined) {
    await running.close();
    throw new Error('unreachable: the server runs on the backbone it opened, with its solution worker');
  }
  return {
    backbone: opened,
    worker: running.worker,
    server: {
      url: running.url,
      adminTokenPath: running.adminTokenPath ?? join(config.dataDir, 'admin.tok'),
    },
    // the server stops its worker and pool, then closes the backbone
    close: () => running.close(),
  };
}

interface StopSignal {
  promise: Promise<void>;
  readonly stopped: boolean;
  stop(): void;
}

/**
 * Resolves on Ctrl-C, SIGTERM or after `durationSeconds`. Its handlers go once it resolves, so a
 * second Ctrl-C during the shutdown ends the process at once (Node's default).
 */
function stopSignal(context: CommandContext, durationSeconds: number | undefined): StopSignal {
  let resolve!: () => void;
  let stopped = false;
  const promise = new Promise<void>((r) => (resolve = r));
  const onSignal = (name: NodeJS.Signals) => {
    context.note(`tml demo: ${name}: stopping the worker and the server (${name} again exits at once)`);
    signal.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer =
    durationSeconds === undefined ? undefined : setTimeout(() => signal.stop(), durationSeconds * 1000);
  const signal: StopSignal = {
    promise,
    get stopped() {
      return stopped;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    },
  };
  return signal;
}

/**
 * Appends rows at `rate` per second until stopped, paced by the clock rather than by a fixed sleep,
 * so the streams keep their rate (and the drift its time) however long each append takes.
 */
async function produceLive(
  rate: number,
  stop: StopSignal,
  append: (rows: number) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  let produced = 0;
  while (!stop.stopped) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate) - produced;
    if (due > 0) {
      const rows = Math.min(due, Math.max(1, rate)); // at most a second's worth per append
      await append(rows);
      produced += rows;
    }
    await Promise.race([stop.promise, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
}
