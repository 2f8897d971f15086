// Mounts the VIPER face: every GET that no other route claims is a VIPER call. The request line is
// parsed here from the raw URL, not by Fastify, because VIPER's quirks (viper-protocol.md §1) differ
// from standard query parsing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { toServerError } from '../error-mapping.js';
import type { ServerServices } from '../operations/context.js';
import { status } from '../operations/status.js';
import { plannedEndpoints, viperEndpoints } from './endpoints.js';
import { viperNamed } from './names.js';
import { ParameterError, ServerError } from '../errors.js';
import { redactTokens } from '../redact.js';
import { BULK_ENDPOINTS, MAX_QUERY_PARAMETERS, MAX_URL_CHARS } from './limits.js';
import { ViperParams } from './params.js';
import { countParameters, endpointOf, findViperToken, parseViperQuery, splitTarget } from './query.js';
import { sendViper, viperErrorBody } from './respond.js';

function urlTooLong(length: number, endpoint: string): ServerError {
  return new ServerError(
    'URL_TOO_LONG',
    414,
    `the URL is ${length} characters, over the limit of ${MAX_URL_CHARS} for '${endpoint}' ` +
      `(only ${[...BULK_ENDPOINTS].join(', ')} take more)`,
  );
}

export function viperRoutes(services: ServerServices, authenticator: Authenticator) {
  return async function viper(app: FastifyInstance): Promise<void> {
    async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const target = request.raw.url ?? request.url;
      const { path, query } = splitTarget(target);
      // a path is a microservice prefix and an endpoint name: short, or not a VIPER call
      const line = endpointOf(path.length > 1024 ? path.slice(0, 1024) : path);
      request.tml.face = 'viper';
      if (line.endpoint === 'areyoubusy') {
        request.tml.operation = 'areyoubusy';
        const s = status(services);
        return sendViper(reply, [
          { Type: 'VIPER', Host: s.host, Port: s.port, Busy: s.busy, InFlight: s.inFlight },
          {
            Type: 'HPDE',
            Host: s.host,
            Port: s.port,
            Busy: s.trainingBusy,
            InProcess: true,
            Trainings: s.trainings,
            MaxTrainingsPerToken: s.maxTrainingsPerToken,
          },
        ]);
      }
      const endpoint = viperEndpoints[line.endpoint];
      if (endpoint === undefined) {
        request.tml.operation = 'unknown';
        request.tml.outcome = 'UNKNOWN_ENDPOINT';
        const name = redactTokens(line.endpoint.slice(0, 140)).slice(0, 60);
        const message = plannedEndpoints.has(line.endpoint)
          ? `endpoint '${name}' is not supported by this tml server yet`
          : line.endpoint === ''
            ? 'no endpoint named in the path (e.g. /createtopics?vipertoken=...)'
            : `unknown endpoint '${name}'`;
        return sendViper(reply, viperErrorBody(message));
      }
      request.tml.operation = line.endpoint;
      let read: ReadonlySet<string> = new Set();
      try {
        const bulk = BULK_ENDPOINTS.has(line.endpoint);
        // Measured, never decoded, before the token is checked.
        if (!bulk && target.length > MAX_URL_CHARS) throw urlTooLong(target.length, line.endpoint);
        const principal = await authenticator.authenticate(findViperToken(query), request.ip);
        const count = countParameters(query);
        if (count > MAX_QUERY_PARAMETERS) {
          throw new ServerError(
            'TOO_MANY_PARAMETERS',
            400,
            `the query has ${count} parameters, over the limit of ${MAX_QUERY_PARAMETERS}`,
          );
        }
        const { params, repeated, oversizedName } = parseViperQuery(query);
        if (oversizedName !== undefined) {
          throw new ParameterError(redactTokens(oversizedName).slice(0, 40) + '…', 'is not a parameter name');
        }
        if (repeated.length > 0) {
          request.log.debug({ repeated }, 'repeated query parameters: the first value of each is used');
        }
        const viperParams = new ViperParams(params, services.limits.maxMessageBytes);
        read = viperParams.read;
        const body = await endpoint.run({ ...services, principal }, viperParams);
        return sendViper(reply, body);
      } catch (error) {
        const failure = viperNamed(toServerError(error), line.endpoint);
        request.tml.outcome = failure.code;
        if (failure.status >= 500) request.log.error({ err: error }, `${line.endpoint} failed`);
        return sendViper(reply, viperErrorBody(failure.message));
      } finally {
        // which parameters each endpoint really reads (docs/viper-compatibility.md is checked against it)
        for (const parameter of read) {
          services.metrics.viperParameters.inc({ endpoint: line.endpoint, parameter });
        }
      }
    }
    app.get('/*', handle);
  };
}
