// Log settings: pino through Fastify. Tokens never reach a log line: the VIPER token travels in the
// query string, so the logged URL is decoded as the parser decodes it and every token in it is
// replaced (src/server/redact.ts); the Authorization header is censored.
import type { FastifyRequest } from 'fastify';
import { redactUrl } from './redact.js';

export { redactUrl };

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'vipertoken',
  '*.vipertoken',
  'token',
  '*.token',
];

export function loggerOptions(level: string) {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(request: FastifyRequest) {
        // A URL can carry a bulk payload: its start only, read no further than that.
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
