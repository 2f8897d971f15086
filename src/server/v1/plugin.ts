// The /v1 face: JSON bodies, real status codes, RFC 9457 problems, Bearer tokens, and the OpenAPI
// document built from the same route schemas that validate the requests.
import { readFileSync } from 'node:fs';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import { BackboneError } from '../../backbone/errors.js';
import { toServerError } from '../error-mapping.js';
import { ParameterError, ServerError, showValue } from '../errors.js';
import { MAX_V1_QUERY_CHARS } from '../limits.js';
import type { OperationContext, ServerServices } from '../operations/context.js';
import { buildOpenApi, collectRoute, type RouteDoc } from './openapi.js';
import { problemOf, sendProblem } from './problem.js';
import { Problem } from './schemas.js';
import { registerRoutes } from './routes.js';
import { EventStreams } from '../console/event-stream.js';
import type { ConsoleSessions } from '../console/sessions.js';
import { registerAimsRoutes } from './aims-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerPartitionRoutes } from './partition-routes.js';
import { registerTrainingRoutes } from './training-routes.js';
import { strictValidatorCompiler } from './validator.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes reachable without a token. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The operation context of an authenticated /v1 request. */
export type ContextOf = (request: FastifyRequest) => OperationContext;

function packageVersion(): string {
  for (const up of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tml' && pkg.version) return pkg.version;
    } catch {
      // Not at this depth (src/ under tsx, dist/src/ compiled): try the next.
    }
  }
  return '0.0.0';
}

/** Ajv's first complaint, as a ParameterError naming the field. */
function validationError(error: FastifyError): ParameterError {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  const fromPath = (first?.instancePath ?? '').split('/').filter(Boolean).join('.');
  const field =
    typeof params.missingProperty === 'string'
      ? params.missingProperty
      : typeof params.additionalProperty === 'string'
        ? params.additionalProperty
        : fromPath || (error.validationContext ?? 'body');
  const detail =
    typeof params.additionalProperty === 'string'
      ? 'is not a known field'
      : typeof params.missingProperty === 'string'
        ? 'is required'
        : (first?.message ?? error.message);
  return new ParameterError(field, detail);
}

export function v1Routes(services: ServerServices, authenticator: Authenticator, sessions?: ConsoleSessions) {
  return async function v1(app: FastifyInstance): Promise<void> {
    const docs: RouteDoc[] = [];
    app.addSchema(Problem);
    app.setValidatorCompiler(strictValidatorCompiler);
    app.addHook('onRoute', (route) => collectRoute(docs, route));

    app.addHook('onRequest', async (request) => {
      request.tml.face = 'v1';
      request.tml.operation = request.routeOptions.schema?.operationId ?? 'unknown';
      const query = request.url.indexOf('?');
      if (query !== -1 && request.url.length - query - 1 > MAX_V1_QUERY_CHARS) {
        throw new ServerError(
          'URL_TOO_LONG',
          414,
          `the query is over the limit of ${MAX_V1_QUERY_CHARS} characters`,
        );
      }
      if (request.routeOptions.config.public === true) return;
      const header = request.headers.authorization ?? '';
      // bounded: a header is at most the server's header size, and this regex is linear
      const match = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
      // the console's browser session stands for its token when no Bearer token is given
      if (match === null && sessions?.presented(request)) request.principal = sessions.principalOf(request);
      else request.principal = await authenticator.authenticate(match?.[1], request.ip);
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      let failure: ServerError;
      if (error.validation !== undefined) failure = validationError(error);
      else if (error instanceof ServerError || error instanceof BackboneError) failure = toServerError(error);
      else if (typeof error.statusCode === 'number' && error.statusCode < 500) {
        // Fastify's own client errors: malformed JSON, wrong content type, body too large.
        failure = new ServerError(error.code ?? 'BAD_REQUEST', error.statusCode, error.message);
      } else failure = toServerError(error);
      request.tml.outcome = failure.code;
      if (failure.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, problemOf(failure, request));
    });

    const notFound = (request: FastifyRequest, reply: FastifyReply) => {
      const rawPath = request.url.split('?')[0];
      // shown in answers: bounded, tokens redacted
      const path = showValue(rawPath, 200);
      // A declared path asked with a method it does not declare: 405 with the methods it has.
      const allowed = allowedMethods(docs, rawPath.replace(/^\/v1(?=\/)/, ''));
      // The method is declared there but the router refused the path (a segment too long): 404.
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        request.tml.outcome = 'METHOD_NOT_ALLOWED';
        reply.header('allow', allowed.join(', '));
        return sendProblem(
          reply,
          problemOf(
            new ServerError(
              'METHOD_NOT_ALLOWED',
              405,
              `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
            ),
            request,
          ),
        );
      }
      request.tml.outcome = 'NOT_FOUND';
      return sendProblem(
        reply,
        problemOf(new ServerError('NOT_FOUND', 404, `no route ${request.method} ${path}`), request),
      );
    };
    app.setNotFoundHandler(notFound);
    // Claims /v1/<anything> before the VIPER face's catch-all does.
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/*',
      config: { public: true },
      schema: { hide: true },
      handler: notFound,
    });

    const contextOf: ContextOf = (request) => {
      if (request.principal === undefined)
        throw new ServerError('INTERNAL', 500, 'no principal on an authenticated route');
      return { ...services, principal: request.principal };
    };
    registerRoutes(app, services, contextOf);
    if (sessions !== undefined) registerSessionRoutes(app, contextOf, sessions);
    registerLiveRoutes(app, contextOf, new EventStreams(services.metrics.registry));
    registerTrainingRoutes(app, contextOf);
    registerPartitionRoutes(app, contextOf);
    registerAimsRoutes(app, contextOf);

    const version = packageVersion();
    let document: unknown;
    app.get(
      '/openapi.json',
      { config: { public: true }, schema: { hide: true } },
      async () => (document ??= buildOpenApi(docs, { Problem }, version)),
    );
  };
}

/** The methods the documented routes declare for a concrete path (`/topics/a` matches `/topics/:topic`). */
function allowedMethods(docs: RouteDoc[], path: string): string[] {
  const segments = path.split('/');
  const methods = new Set<string>();
  for (const doc of docs) {
    const pattern = doc.url.split('/');
    if (pattern.length !== segments.length) continue;
    if (pattern.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]))) {
      methods.add(doc.method.toUpperCase());
    }
  }
  return [...methods].sort();
}
