// RFC 9457 problem details for the /v1 face. `type` is a URN per error code (no document to fetch);
// `code` and `parameter` are extension members that clients can branch on.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  InvalidContentError,
  ParameterError,
  type ServerError,
  NotFoundError,
  showValue,
} from '../errors.js';

export const PROBLEM_JSON = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  parameter?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  413: 'Content Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export function problemOf(error: ServerError, request: FastifyRequest): Problem {
  let parameter: string | undefined;
  const detail = error.message;
  // The core names its inputs as /v1 does, so errors pass through with their field as it is.
  if (error instanceof ParameterError || error instanceof InvalidContentError) {
    parameter = error.parameter;
  } else if (error instanceof NotFoundError && error.parameter) {
    parameter = error.parameter;
  }
  return {
    type: `urn:tml:problem:${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail,
    instance: showValue(request.url.split('?')[0], 200),
    code: error.code,
    ...(parameter !== undefined ? { parameter } : {}),
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).header('content-type', PROBLEM_JSON).send(problem);
}
