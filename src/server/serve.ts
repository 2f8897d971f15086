// Runs a tml server: opens the backbone and the registrations, makes sure an admin token exists,
// listens, and shuts down gracefully (in-flight requests finish, then the stores close).
import type { FastifyInstance } from 'fastify';
import type { Backbone } from '../backbone/types.js';
import type { TmlConfig } from '../config/config.js';
import { buildApp } from './app.js';
import { ensureAdminToken } from './auth/bootstrap.js';
import { openServerStore } from './store/metadata-collection.js';

export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port`. */
  url: string;
  /** Set on the first start: where the new admin token was written. */
  adminTokenPath?: string;
  close(): Promise<void>;
}

export async function startServer(
  config: TmlConfig,
  openBackbone: () => Promise<Backbone>,
  options: { logLevel?: string | false } = {},
): Promise<RunningServer> {
  const backbone = await openBackbone();
  try {
    const store = await openServerStore(backbone);
    const adminTokenPath = await ensureAdminToken(store.tokens, config.dataDir);
    const app = await buildApp({
      backbone,
      store,
      limits: { maxMessageBytes: config.maxMessageBytes, topicDefaults: config.topicDefaults },
      logLevel: options.logLevel ?? config.logLevel,
      closeResources: true,
      processMetrics: true,
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
    const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
    let closing: Promise<void> | undefined;
    return {
      app,
      url: `http://${host}:${port}`,
      ...(adminTokenPath ? { adminTokenPath } : {}),
      close: () => (closing ??= app.close()),
    };
  } catch (error) {
    await backbone.close().catch(() => undefined);
    throw error;
  }
}
