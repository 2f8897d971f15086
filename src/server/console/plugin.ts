// Serves the console (the browser UI bundled into dist/console at build time) at `/`, and VIPERviz's
// old view links (`/prediction.html?topic=…&vipertoken=…`), which open the matching console view: the
// token in such a link is exchanged for a session once and dropped from the address bar by a redirect.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConsoleSessions } from './sessions.js';

/** VIPERviz's view pages (reference/viperviz.md). */
export const VIPERVIZ_VIEWS = [
  'prediction',
  'optimization',
  'anomaly',
  'aims',
  'generictopics',
  'preprocess',
];

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** dist/console beside the compiled server (dist/src/server/console), or the built one from src/. */
export function consoleAssetsDir(): string | undefined {
  for (const candidate of ['../../../console/', '../../../dist/console/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`) && existsSync(`${dir}app.js`)) return dir;
  }
  return undefined;
}

/** Registers cookies (for every face: the /v1 face reads the session), the assets and the view links. */
export async function registerConsole(app: FastifyInstance, sessions: ConsoleSessions): Promise<void> {
  await app.register(fastifyCookie);
  const root = consoleAssetsDir();
  const page = (reply: FastifyReply) => {
    if (root === undefined) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` (it bundles console/ into dist/console).\n');
    }
    return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).sendFile('index.html', root);
  };
  if (root !== undefined) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/console/',
      index: false,
      cacheControl: false,
      setHeaders: (res) => {
        res.header('cache-control', 'no-cache');
        res.header('x-content-type-options', 'nosniff');
      },
    });
  } else {
    app.log.warn('console assets not found: the console answers 503 until `npm run build` has run');
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => page(reply));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/', 302));

  for (const view of VIPERVIZ_VIEWS) {
    app.get<{ Querystring: Record<string, string> }>(
      `/${view}.html`,
      { schema: { hide: true } },
      async (request, reply) => {
        const { vipertoken, ...rest } = request.query;
        const target = `/#/viz/${view}?${new URLSearchParams(rest).toString()}`;
        if (vipertoken !== undefined) {
          try {
            const session = await sessions.signIn(vipertoken);
            sessions.setCookie(reply, session.id, session.expiresAt);
          } catch (error) {
            const reason = `the link's vipertoken was refused: ${(error as Error).message}`;
            return reply.redirect(`/#/signin?reason=${encodeURIComponent(reason)}`, 303);
          }
        }
        // 303 to a URL without the token: it leaves the address bar and the history entry
        return reply.header('referrer-policy', 'no-referrer').redirect(target, 303);
      },
    );
  }
}
