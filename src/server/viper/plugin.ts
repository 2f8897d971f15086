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
import { ViperParams } from './params.js';
import { parseViperRequestLine } from './query.js';
import { sendViper, viperErrorBody } from './respond.js';

export function viperRoutes(services: ServerServices, authenticator: Authenticator) {
  return async function viper(app: FastifyInstance): Promise<void> {
    async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const line = parseViperRequestLine(request.raw.url ?? request.url);
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
        const name = line.endpoint.slice(0, 60);
        const message = plannedEndpoints.has(line.endpoint)
          ? `endpoint '${name}' is not supported by this tml server yet`
          : line.endpoint === ''
            ? 'no endpoint named in the path (e.g. /createtopics?vipertoken=...)'
            : `unknown endpoint '${name}'`;
        return sendViper(reply, viperErrorBody(message));
      }
      request.tml.operation = line.endpoint;
      if (line.repeated.length > 0) {
        request.log.debug(
          { repeated: line.repeated },
          'repeated query parameters: the first value of each is used',
        );
      }
      const params = new ViperParams(line.params, services.limits.maxMessageBytes);
      try {
        const principal = await authenticator.authenticate(line.params.get('vipertoken'));
        const body = await endpoint.run({ ...services, principal }, params);
        return sendViper(reply, body);
      } catch (error) {
        const failure = viperNamed(toServerError(error), line.endpoint);
        request.tml.outcome = failure.code;
        if (failure.status >= 500) request.log.error({ err: error }, `${line.endpoint} failed`);
        return sendViper(reply, viperErrorBody(failure.message));
      } finally {
        for (const parameter of params.read) {
          services.metrics.viperParameters.inc({ endpoint: line.endpoint, parameter });
        }
      }
    }
    app.get('/*', handle);
  };
}
