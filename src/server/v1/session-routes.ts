// The console's sign-in: a token is exchanged once for an HttpOnly session cookie (see
// console/sessions.ts); the session then stands for the token on every /v1 request of the browser.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConsoleSessions } from '../console/sessions.js';
import type { ContextOf } from './plugin.js';
import { problems } from './schemas.js';

const SignInBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200, description: 'An admin or user token' }) },
  { additionalProperties: false },
);
const SessionReply = Type.Object({
  role: Type.String(),
  tokenId: Type.String(),
  expiresAt: Type.Optional(Type.Number()),
});

export function registerSessionRoutes(
  app: FastifyInstance,
  contextOf: ContextOf,
  sessions: ConsoleSessions,
): void {
  app.post<{ Body: Static<typeof SignInBody> }>(
    '/session',
    {
      config: { public: true },
      schema: {
        operationId: 'signIn',
        // the browser's affair: programs send their token with each request
        hide: true,
        summary: 'Exchange a token for a browser session (an HttpOnly, SameSite=Strict cookie)',
        tags: ['console'],
        body: SignInBody,
        response: { 200: SessionReply, ...problems(400) },
      },
    },
    async (request, reply) => {
      const session = await sessions.signIn(request.body.token);
      sessions.setCookie(reply, session.id, session.expiresAt);
      return {
        role: session.principal.role,
        tokenId: session.principal.tokenId,
        expiresAt: session.expiresAt,
      };
    },
  );

  app.get(
    '/session',
    {
      schema: {
        operationId: 'whoAmI',
        summary: 'The role of the token or session making the request',
        tags: ['console'],
        response: { 200: SessionReply, ...problems() },
      },
    },
    async (request) => {
      const { principal } = contextOf(request);
      return { role: principal.role, tokenId: principal.tokenId };
    },
  );

  app.delete(
    '/session',
    {
      config: { public: true },
      schema: {
        operationId: 'signOut',
        hide: true,
        summary: 'End the browser session',
        tags: ['console'],
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      sessions.signOut(request);
      sessions.clearCookie(reply);
      return reply.code(204).send();
    },
  );
}
