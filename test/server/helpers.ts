// A tml server on a real embedded backbone in a temporary directory, driven with Fastify's inject.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import type { ServerLimits } from '../../src/server/operations/context.js';
import type { ServerStore } from '../../src/server/store/records.js';

export interface TestServer {
  app: FastifyInstance;
  backbone: Backbone;
  store: ServerStore;
  dataDir: string;
  admin: string;
  user: string;
  close(): Promise<void>;
}

export async function startTestServer(
  options: { maxMessageBytes?: number; limits?: Partial<ServerLimits> } & Pick<
    AppOptions,
    | 'logStream'
    | 'authFailures'
    | 'logLevel'
    | 'connections'
    | 'metricsNeedToken'
    | 'processMetrics'
    | 'clock'
    | 'aimsEveryMs'
    | 'alertMailer'
  > = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-server-'));
  const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
  const backbone = await openBackbone({ dataDir, maxMessageBytes });
  const store = await openServerStore(backbone);
  const admin = generateToken('admin', 'test');
  const user = generateToken('user', 'test');
  await store.tokens.put(admin.record.id, admin.record);
  await store.tokens.put(user.record.id, user.record);
  const app = await buildApp({
    backbone,
    store,
    limits: { ...options.limits, maxMessageBytes },
    logLevel: options.logLevel ?? false,
    closeResources: true,
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.authFailures ? { authFailures: options.authFailures } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.metricsNeedToken !== undefined ? { metricsNeedToken: options.metricsNeedToken } : {}),
    ...(options.processMetrics ? { processMetrics: true } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.aimsEveryMs !== undefined ? { aimsEveryMs: options.aimsEveryMs } : {}),
    ...(options.alertMailer ? { alertMailer: options.alertMailer } : {}),
  });
  return {
    app,
    backbone,
    store,
    dataDir,
    admin: admin.token,
    user: user.token,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A VIPER call as the Python clients make it: the raw text concatenated, then spaces sent as `+`
 * (what aiohttp does); other characters are passed as given, so tests can send odd ones.
 */
export function viperUrl(endpoint: string, params: Record<string, string | number>): string {
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${String(v).replace(/ /g, '+')}`)
    .join('&');
  return `/${endpoint}${query ? `?${query}` : ''}`;
}

/** GETs a VIPER endpoint; asserts VIPER's convention (HTTP 200, one JSON document) and parses it. */
export async function viper<T = Record<string, unknown>>(
  app: FastifyInstance,
  endpoint: string,
  params: Record<string, string | number>,
): Promise<T> {
  const response = await app.inject({ method: 'GET', url: viperUrl(endpoint, params) });
  assert.equal(
    response.statusCode,
    200,
    `VIPER answers 200 always (${endpoint}: ${response.body.slice(0, 200)})`,
  );
  assert.match(String(response.headers['content-type']), /^application\/json/);
  // eslint-disable-next-line no-control-regex -- the clients' strict json.loads refuses them
  assert.doesNotMatch(response.body, /[\u0000-\u001f]/, 'no raw control characters');
  return JSON.parse(response.body) as T;
}

export const CONTACT = {
  companyname: 'OTICS',
  contactname: 'Sebastian',
  contactemail: 'Sebastian.maurice',
  location: 'Toronto',
  description: 'Test Training',
};
