// Log settings: pino through Fastify. Tokens never reach a log line: the VIPER token travels in the
// query string, so the logged URL is rewritten, and the Authorization header is censored.
import type { FastifyRequest } from 'fastify';

const TOKEN_IN_QUERY = /([?&]vipertoken=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_QUERY, '$1[REDACTED]');
}

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
        // A URL can carry a bulk payload: log its start only.
        const url = redactUrl(request.url);
        return {
          method: request.method,
          url: url.length > 300 ? `${url.slice(0, 300)}…(${url.length} chars)` : url,
          remoteAddress: request.ip,
        };
      },
    },
  };
}
