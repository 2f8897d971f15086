// tml demo (what `npm start` runs): three live streams on the embedded backbone, a solution that
// retrains on every new window and keeps predicting, optimising and scoring anomalies, and a live
// view of what it decides — until Ctrl-C or --duration.
import type { Command } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { integerAtLeast } from '../options.js';
import { join } from 'node:path';
import type { Backbone } from '../../backbone/types.js';

export interface DemoOptions {
  duration?: number;
  window: number;
  retrainEvery: number;
  modelruns: number;
  rate: number;
  port?: number;
  server: boolean;
}

export const demoCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('demo')
      .description(
        'run TML live: generate three streams (with a drift), retrain on every new window, keep predicting',
      )
      .option(
        '-d, --duration <seconds>',
        'stop after this many seconds (default: run until Ctrl-C)',
        integerAtLeast(1),
      )
      .option(
        '-w, --window <records>',
        'the latest N records of each stream form the training window',
        integerAtLeast(30),
        300,
      )
      .option(
        '-r, --retrain-every <ms>',
        'retrain trigger interval in milliseconds',
        integerAtLeast(100),
        2000,
      )
      .option(
        '-m, --modelruns <n>',
        'candidate models tried per retrain (VIPER modelruns)',
        integerAtLeast(1),
        10,
      )
      .option('--rate <rows>', 'rows per second appended to each stream', integerAtLeast(1), 20)
      .option(
        '--port <n>',
        'port of the tml server the demo starts (default 8000 or $TML_PORT; 0 = any free)',
        integerAtLeast(0),
      )
      .option('--no-server', 'do not start the tml server alongside')
      .addHelpText(
        'after',
        '\nTopics (created in the data directory when missing):\n' +
          '  demo-load, demo-temperature, demo-humidity   the input streams (load depends on the other two)\n' +
          '  demo-params                                  every new champion model, as JSON with lineage\n' +
          '  demo-predictions                             a prediction of the newest row, twice a second\n' +
          '  demo-optimal                                 inputs that maximise the predicted load\n' +
          '  demo-anomalies                               the risk score across the three streams\n' +
          '\nThe demo also runs the tml server (VIPER API and /v1) on the same backbone, so its topics can be\n' +
          'read while it runs, with the admin token it prints, e.g.:\n' +
          '  TOKEN=$(cat .tml/admin.tok); H="Authorization: Bearer $TOKEN"\n' +
          '  curl -sH "$H" -H "content-type: application/json" -d \'{"topic":"demo-predictions"}\' \\\n' +
          '    http://127.0.0.1:8000/v1/consumers                  # answers {"consumerId": ...}\n' +
          '  curl -sH "$H" -H "content-type: application/json" -d \'{"maxRecords":3}\' \\\n' +
          '    http://127.0.0.1:8000/v1/consumers/<consumerId>/poll',
      )
      .action(action(host, demo));
  },
};

async function demo(context: CommandContext, options: DemoOptions): Promise<void> {
  const { LiveSolution } = await import('../../solutions/live-solution.js');
  const { DemoStreamGenerator, DEMO_STREAMS } = await import('../../solutions/demo-streams.js');
  const { TrainingPool } = await import('../../automl/index.js');
  const { LiveView } = await import('../live-view.js');

  const config = context.config();
  if (options.port !== undefined) config.server.port = options.port;
  let opened: Backbone | undefined;
  const open = async () => (opened = await context.openBackbone());
  let server: { url: string; close(): Promise<void> } | undefined;
  let adminToken: string | undefined;
  if (options.server) {
    const { startServer } = await import('../../server/serve.js');
    // the server shares this process's backbone (one process per embedded data directory) and
    // closes it when it closes; it also closes it when it cannot start
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
    server = running;
    adminToken = running.adminTokenPath ?? join(config.dataDir, 'admin.tok');
  } else {
    await open();
  }
  if (opened === undefined) throw new Error('unreachable: the backbone is open');
  const backbone = opened;
  const pool = new TrainingPool();
  const solution = new LiveSolution(
    backbone,
    {
      name: 'demo',
      dependentVariable: DEMO_STREAMS.load,
      independentVariables: [DEMO_STREAMS.temperature, DEMO_STREAMS.humidity],
      windowRecords: options.window,
      modelruns: options.modelruns,
      timeBudgetMs: Math.max(200, Math.floor(options.retrainEvery * 0.8)),
      paramsTopic: 'demo-params',
      predictionsTopic: 'demo-predictions',
      optimalTopic: 'demo-optimal',
      anomaliesTopic: 'demo-anomalies',
      ismin: 0,
    },
    pool,
  );
  const generator = new DemoStreamGenerator(Math.max(options.window * 4, 1500));
  const view = new LiveView(context.host.stderr, {
    dataDir: config.dataDir,
    window: options.window,
    retrainEveryMs: options.retrainEvery,
    serverUrl: server?.url,
    adminTokenPath: adminToken,
  });
  solution.on('retrain', (r) => view.retrain(r));
  solution.on('prediction', (p) => view.prediction(p));
  solution.on('optimum', (o) => view.optimum(o));
  solution.on('anomaly', (a) => view.anomaly(a));
  const problem = (message: string) => view.problem(message);
  solution.on('problem', problem);

  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.duration !== undefined) setTimeout(stop, options.duration * 1000).unref();
  });

  try {
    for (const name of Object.values(DEMO_STREAMS)) await backbone.ensureTopic({ name });
    await solution.createTopics();
    // a first window of history, so the first model is trained at once
    await generator.produce(backbone, options.window);
    view.start();

    const perTick = Math.max(1, Math.round(options.rate / 10));
    const loops = [
      every(
        100,
        () => stopping,
        async () => {
          const rows = await generator.produce(backbone, perTick);
          view.rows(generator.rows, rows[rows.length - 1].drifted);
        },
        problem,
      ),
      every(
        options.retrainEvery,
        () => stopping,
        () => solution.retrain().then(() => undefined),
        problem,
      ),
      every(
        500,
        () => stopping,
        () => solution.predictLatest().then(() => undefined),
        problem,
      ),
    ];
    await stopped;
    await Promise.all(loops);
  } finally {
    view.stop();
    await pool.close();
    if (server) await server.close();
    else await backbone.close();
  }
  await context.out.line(view.summary());
}

/** Runs `work` every `ms` (never overlapping itself) until `done()`; errors are shown, not fatal. */
async function every(
  ms: number,
  done: () => boolean,
  work: () => Promise<void>,
  onError: (message: string) => void,
): Promise<void> {
  while (!done()) {
    const started = Date.now();
    try {
      await work();
    } catch (error) {
      onError((error as Error).message);
    }
    const wait = ms - (Date.now() - started);
    if (wait > 0 && !done()) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
