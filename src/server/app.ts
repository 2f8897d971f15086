// The tml HTTP server: the VIPER-compatible GET API at `/<endpoint>` (optionally behind a
// microservice path segment), the typed JSON API under `/v1`, `/healthz` and `/metrics`.
import type { AlertMailer } from './alert-mail.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { TrainingPool } from '../automl/index.js';
import type { Backbone } from '../backbone/types.js';
import type { SolutionCatalog } from '../solutions/catalog-types.js';
import type { SolutionTopics } from '../solutions/topics.js';
import { parse as parseQuery } from 'node:querystring';
import type { DestinationStream } from 'pino';
import { Authenticator, requireRole } from './auth/authenticator.js';
import { registerConsole } from './console/plugin.js';
import { ConsoleSessions } from './console/sessions.js';
import { toServerError } from './error-mapping.js';
import { DEFAULT_FAILURE_LIMIT, FailureLimiter, type FailureLimitSettings } from './auth/failure-limit.js';
import { KeyedMutex } from './keyed-mutex.js';
import { DEFAULT_CONNECTION_LIMITS, MAX_V1_QUERY_CHARS, type ConnectionLimits } from './limits.js';
import { createTransport, type TlsFiles } from './transport.js';
import { loggerOptions } from './logging.js';
import { ServerMetrics } from './metrics.js';
import type { ServerLimits, ServerServices } from './operations/context.js';
import type { ServerStore } from './store/records.js';
import { TrainingSlots } from './training-slots.js';
import { DEFAULT_MAX_REGISTRATIONS_PER_TOKEN, DEFAULT_MAX_TRAININGS_PER_TOKEN } from '../config/config.js';
import { viperShapers } from './viper/records.js';
import { UsageRecorder } from './operations/aims/usage.js';
import { runAimsRules } from './operations/aims/rules.js';
import { v1Routes } from './v1/plugin.js';
import { viperRoutes } from './viper/plugin.js';
import { sendViper, viperErrorBody } from './viper/respond.js';

export interface AppOptions {
  backbone: Backbone;
  store: ServerStore;
  limits: Partial<ServerLimits> & Pick<ServerLimits, 'maxMessageBytes'>;
  /** pino level, or false for no logs (tests). */
  logLevel?: string | false;
  /** Close the store and the backbone when the app closes (the server owns them). */
  closeResources?: boolean;
  /** Process metrics (CPU, memory, event loop) in /metrics; off in tests. */
  processMetrics?: boolean;
  /** Worker threads for training (default: the machine's parallelism). */
  trainingThreads?: number;
  /**
   * A training pool shared with others in the process (the solution worker of `tml serve`); the
   * app uses it and leaves closing it to its owner. Default: the app's own pool.
   */
  trainingPool?: TrainingPool;
  /** The solutions' catalog; default: opened on the backbone at the first solutions request. */
  solutions?: SolutionCatalog;
  /** The topics of that default catalog (TML_NAMESPACE's); default: the un-namespaced ones. */
  solutionTopics?: SolutionTopics;
  /** Failed authentications allowed per client address (default 20 a minute). */
  authFailures?: FailureLimitSettings;
  /** Timeouts and connection caps (defaults: DEFAULT_CONNECTION_LIMITS). */
  connections?: Partial<ConnectionLimits>;
  /** Serve HTTPS with this certificate and key. */
  tls?: TlsFiles;
  /**
   * `/metrics` needs an admin token (default true); false serves it to anyone, without the Node
   * version and with outcomes reduced to ok and error.
   */
  metricsNeedToken?: boolean;
  /** Where the log goes (default stdout); tests read it. */
  logStream?: DestinationStream;
  /** ms since the epoch (default Date.now): AiMS counts days by it; tests move it. */
  clock?: () => number;
  /** How often AiMS's usage counts are written and its rules applied (default 60 s; 0: never). */
  aimsEveryMs?: number;
  /** Mails alerts (config file `alertMail`); closed with the app. */
  alertMailer?: AlertMailer;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Filled by the faces for the metrics: which operation, and `ok` or an error code. */
    tml: { face: string; operation: string; outcome: string };
  }
  interface FastifyInstance {
    /** Counts reads a solution made for a consumer id in AiMS's usage (the workers `tml serve` starts). */
    noteSolutionRead(consumerId: string, bytes: number, records: number): void;
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = {
    maxConsumeRecords: 1000,
    topicDefaults: { partitions: 1, replicationFactor: 1 },
    maxTrainingsPerToken: DEFAULT_MAX_TRAININGS_PER_TOKEN,
    maxRegistrationsPerToken: DEFAULT_MAX_REGISTRATIONS_PER_TOKEN,
    ...options.limits,
  };
  const app = Fastify({
    logger:
      options.logLevel === false
        ? false
        : {
            ...loggerOptions(options.logLevel ?? 'info'),
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    // Parsed for every request before any route runs, so it must not cost what the URL's size
    // does: /v1 refuses a longer query (onRequest), the VIPER face reads its own lazily.
    // A path segment may be a whole topic name (Kafka allows 249 characters) or an id (200 in the
    // /v1 schemas); the router's default of 100 would answer 404 for legal ones.
    routerOptions: {
      maxParamLength: 256,
      querystringParser: (query: string) =>
        query.length > MAX_V1_QUERY_CHARS ? {} : { ...parseQuery(query) },
    },
    // VIPER carries its data in the query string (bulk produce: thousands of values). Node's default
    // 16 KiB header limit would cut those off with a bare 431; this lets values up to the record
    // limit in, percent-encoded, and larger ones reach the parameter check and its clear error.
    serverFactory: (handler) =>
      createTransport(handler, {
        limits: { ...DEFAULT_CONNECTION_LIMITS, ...options.connections },
        maxHeaderSize: limits.maxMessageBytes * 3 + 64 * 1024,
        ...(options.tls ? { tls: options.tls } : {}),
      }),
    bodyLimit: limits.maxMessageBytes * 3 + 64 * 1024,
    // A path Fastify cannot decode (`/%zz`) never reaches a route: answer it in the face's own way.
    frameworkErrors: (error, request, frameworkReply) => {
      // Fastify types this reply with its generic route defaults; it is an ordinary reply.
      // The URL is never echoed: it may hold a token.
      const reply = frameworkReply as unknown as FastifyReply;
      const url = request.raw.url ?? '';
      const detail = 'the URL path is not valid (a malformed %-escape)';
      if (
        error.code === 'FST_ERR_BAD_URL' &&
        (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?'))
      ) {
        return reply.code(400).header('content-type', 'application/problem+json').send({
          type: 'urn:tml:problem:bad-url',
          title: 'Bad Request',
          status: 400,
          detail,
          code: 'BAD_URL',
        });
      }
      return sendViper(reply, viperErrorBody(detail));
    },
    // Unknown fields are an error to report, not something to drop silently (Fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
  });

  const metricsNeedToken = options.metricsNeedToken ?? true;
  const metrics = new ServerMetrics({
    processMetrics: options.processMetrics ?? false,
    public: !metricsNeedToken,
  });
  let inFlight = 0;
  // One pool for the server's life, started by the first training: training runs on its threads, so
  // the event loop keeps serving. Closed on shutdown after the trainings in flight.
  let pool: TrainingPool | undefined;
  const trainingPool = () =>
    options.trainingPool ??
    (pool ??= new TrainingPool({ maxThreads: options.trainingThreads, idleTimeout: 10_000 }));
  app.addHook('onClose', async () => pool?.close());
  let catalog: Promise<SolutionCatalog> | undefined = options.solutions && Promise.resolve(options.solutions);
  const solutions = () =>
    (catalog ??= import('../solutions/catalog.js')
      .then(({ openSolutionCatalog }) =>
        openSolutionCatalog(
          options.backbone,
          options.solutionTopics ? { topics: options.solutionTopics } : {},
        ),
      )
      .catch((error: unknown) => {
        catalog = undefined; // a backbone that was briefly unavailable: the next request tries again
        throw error;
      }));
  const services: ServerServices = {
    backbone: options.backbone,
    store: options.store,
    limits,
    metrics,
    locks: new KeyedMutex(),
    shapers: viperShapers,
    ...(options.alertMailer ? { alertMailer: options.alertMailer } : {}),
    trainingPool,
    address: () => {
      const address = app.server.address();
      return typeof address === 'object' && address !== null
        ? { host: address.address, port: address.port }
        : { host: '', port: 0 };
    },
    inFlight: () => inFlight,
    trainings: new TrainingSlots(limits.maxTrainingsPerToken),
    solutions,
    ...(options.store.usage ? { usage: new UsageRecorder(options.store.usage, options.clock) } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const authenticator = new Authenticator(options.store.tokens, {
    ...(options.store.tokenUsage ? { usage: options.store.tokenUsage } : {}),
    failures: new FailureLimiter(options.authFailures ?? DEFAULT_FAILURE_LIMIT),
  });

  app.decorateRequest('tml', null as unknown as FastifyRequest['tml']);
  // the solution workers' reads attributed to a consumer id (a spec's io.consumerId) count in AiMS
  app.decorate('noteSolutionRead', (consumerId: string, bytes: number, records: number) =>
    services.usage?.noteRead(consumerId, bytes, records),
  );
  app.addHook('onRequest', async (request) => {
    inFlight++;
    request.tml = { face: 'other', operation: 'other', outcome: 'ok' };
  });
  app.addHook('onResponse', async (request, reply) => {
    inFlight--;
    const { face, operation, outcome } = request.tml;
    metrics.requests.inc({ face, operation, outcome: metrics.outcome(outcome) });
    metrics.latency.observe({ face, operation }, reply.elapsedTime / 1000);
  });

  // Graceful shutdown: Fastify stops accepting and closes idle keep-alive connections when close()
  // starts; a connection busy with a request would then stay open until its keep-alive timeout
  // (72 s). Answers sent while closing therefore ask the client to close the connection.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.get('/healthz', async (_request, reply) => {
    await options.backbone.listTopics();
    return reply.send({ status: 'ok', backbone: options.backbone.kind });
  });
  app.get('/metrics', async (request, reply) => {
    if (metricsNeedToken) {
      try {
        const bearer = /^Bearer\s+(\S{1,200})\s*$/i.exec(request.headers.authorization ?? '')?.[1];
        requireRole(await authenticator.authenticate(bearer, request.ip), 'admin', 'metrics');
      } catch (error) {
        const failure = toServerError(error);
        request.tml.outcome = failure.code;
        return reply.code(failure.status).send({ code: failure.code, message: failure.message });
      }
    }
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const sessions = new ConsoleSessions(authenticator, options.store.tokens);
  await registerConsole(app, sessions);
  await app.register(v1Routes(services, authenticator, sessions), { prefix: '/v1' });
  await app.register(viperRoutes(services, authenticator));

  // AiMS: the usage counted in memory is written, then the rules (off unless turned on) applied.
  const aimsEveryMs = options.aimsEveryMs ?? 60_000;
  const aims = async () => {
    try {
      await services.usage?.flush();
      await runAimsRules({ ...services, principal: { tokenId: 'aims', role: 'admin' } });
    } catch (error) {
      app.log.warn({ err: error }, 'AiMS rules failed');
    }
  };
  const aimsTimer = aimsEveryMs > 0 ? setInterval(() => void aims(), aimsEveryMs) : undefined;
  aimsTimer?.unref();
  app.addHook('onClose', async () => {
    clearInterval(aimsTimer);
    await services.usage?.flush().catch(() => undefined);
  });

  if (options.closeResources) {
    // Runs after in-flight requests have finished (Fastify closes the listener first).
    app.addHook('onClose', async () => {
      await services.usage?.flush().catch(() => undefined); // before the store it goes to closes
      await options.store.close();
      await options.backbone.close();
    });
  }
  return app;
}
