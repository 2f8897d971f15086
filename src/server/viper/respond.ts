// VIPER's response convention: HTTP 200 always (the oldest client drops non-200 bodies), one JSON
// document, errors as `{"ERROR": "..."}`. JSON.stringify escapes every control character, which the
// clients' strict json.loads requires (viper-protocol.md §1.3).
import type { FastifyReply } from 'fastify';

export const JSON_UTF8 = 'application/json; charset=utf-8';

export function viperErrorBody(message: string): { ERROR: string } {
  return { ERROR: message };
}

export function sendViper(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).header('content-type', JSON_UTF8).send(JSON.stringify(body));
}
