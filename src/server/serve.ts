// Runs a tml server: opens the backbone and the registrations, makes sure an admin token exists,
// listens, and shuts down gracefully (in-flight requests finish, then the stores close).
import { AlertMailer } from './alert-mail.js';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../config/config.js';
import type { Backbone } from '../backbone/types.js';
import type { TmlConfig } from '../config/config.js';
import { buildApp } from './app.js';
import { checkAdminToken, ensureAdminToken } from './auth/bootstrap.js';
import { openServerStore } from './store/metadata-collection.js';
import { solutionTopics, workerGroup } from '../solutions/topics.js';
import { TrainingPool } from '../automl/index.js';
import type { SolutionWorker } from '../solutions/worker.js';

export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port`. */
  url: string;
  /** Set on the first start: where the new admin token was written. */
  adminTokenPath?: string;
  /** The worker running the catalog's solutions in this process (absent with `solutionWorker: false`). */
  worker?: SolutionWorker;
  close(): Promise<void>;
}

export async function startServer(
  config: TmlConfig,
  openBackbone: () => Promise<Backbone>,
  options: {
    logLevel?: string | false;
    /**
     * Run solutions in this process (default true): server instances join the workers' consumer
     * group like `tml worker`s, so on Kafka they share the solutions with them.
     */
    solutionWorker?: boolean;
  } = {},
): Promise<RunningServer> {
  checkAdminToken(config.adminToken);
  const backbone = await openBackbone();
  try {
    // Another server's registrations reach this one through the store's follower (docs/server.md);
    // a failure of it is logged once the log exists, and the follower retries.
    let followFailed = (_error: unknown): void => undefined;
    const store = await openServerStore(backbone, { onError: (error) => followFailed(error) });
    const adminTokenPath = await ensureAdminToken(store.tokens, config.dataDir, config.adminToken);
    // one training pool for the API's trainings and the solutions' retrains: two cores, not four threads
    const pool = new TrainingPool({ idleTimeout: 10_000 });
    const tls = config.server.tls && {
      cert: await readFile(config.server.tls.cert).catch((error: unknown) =>
        unreadable('certificate', error),
      ),
      key: await readFile(config.server.tls.key).catch((error: unknown) => unreadable('key', error)),
    };
    const alertMailer = config.alertMail ? new AlertMailer(config.alertMail) : undefined;
    const app = await buildApp({
      ...(tls ? { tls } : {}),
      ...(alertMailer ? { alertMailer } : {}),
      backbone,
      store,
      limits: {
        maxMessageBytes: config.maxMessageBytes,
        topicDefaults: config.topicDefaults,
        maxTrainingsPerToken: config.maxTrainingsPerToken,
        maxRegistrationsPerToken: config.maxRegistrationsPerToken,
      },
      logLevel: options.logLevel ?? config.logLevel,
      closeResources: true,
      processMetrics: true,
      metricsNeedToken: config.server.metricsNeedToken ?? true,
      trainingPool: pool,
      // the namespace's catalog: the one the workers below run
      solutionTopics: solutionTopics(config.namespace),
    });
    followFailed = (error) => app.log.warn({ err: error }, 'following the metadata topic failed; retrying');
    // after the requests in flight (onClose): they may still be training
    app.addHook('onClose', async () => pool.close());
    app.addHook('onClose', async () => alertMailer?.close());
    let worker: SolutionWorker | undefined;
    if (options.solutionWorker !== false) {
      const { SolutionWorker } = await import('../solutions/worker.js');
      const { viperRecordShapers } = await import('./viper/solution-records.js');
      worker = await SolutionWorker.start(backbone, {
        pool,
        topics: solutionTopics(config.namespace),
        groupId: workerGroup(config.namespace),
        recordShapers: viperRecordShapers,
      });
      worker.on('error', (error) => app.log.error({ err: error }, 'solution worker'));
      worker.on('read', (read) => app.noteSolutionRead(read.consumerId, read.bytes, read.records));
      // preClose: the worker stops (each solution finishing its step) before onClose closes the backbone
      app.addHook('preClose', async () => worker?.close());
    }
    await app.listen({ host: config.server.host, port: config.server.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    let closing: Promise<void> | undefined;
    return {
      app,
      url: `${tls ? 'https' : 'http'}://${host}:${port}`,
      ...(adminTokenPath ? { adminTokenPath } : {}),
      ...(worker ? { worker } : {}),
      close: () => (closing ??= app.close()),
    };
  } catch (error) {
    await backbone.close().catch(() => undefined);
    throw error;
  }
}

function unreadable(what: string, error: unknown): never {
  throw new ConfigError(`cannot read the TLS ${what}: ${(error as Error).message}`);
}
