// Console sessions: what a session stands for, and each way it ends with its reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from '../../src/server/auth/authenticator.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { ConsoleSessions, SESSION_COOKIE } from '../../src/server/console/sessions.js';
import { UnauthorizedError } from '../../src/server/errors.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const request = (id: string | undefined, method = 'GET', headers: Record<string, string> = {}) =>
  ({
    cookies: id === undefined ? {} : { [SESSION_COOKIE]: id },
    method,
    headers,
  }) as unknown as FastifyRequest;

const refusedWith = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof UnauthorizedError, String(error));
  assert.match(error.message, pattern);
  return true;
};

test('a session stands for its token until it expires, then says so', async () => {
  let now = 1_000_000;
  const sessions = new ConsoleSessions(new Authenticator(server.store.tokens), server.store.tokens, {
    lifetimeMs: 60_000,
    now: () => now,
  });
  const { id, principal, expiresAt } = await sessions.signIn(server.admin);
  assert.equal(principal.role, 'admin');
  assert.equal(expiresAt, 1_060_000);
  assert.ok(!id.includes(server.admin.slice(4, 20)));
  assert.deepEqual(sessions.principalOf(request(id)), principal);
  now += 59_999;
  assert.equal(sessions.principalOf(request(id)).role, 'admin');
  now += 1;
  assert.throws(
    () => sessions.principalOf(request(id)),
    refusedWith(/the session has expired: sign in again/),
  );
  // and it is gone: the next request meets an unknown session
  assert.throws(() => sessions.principalOf(request(id)), refusedWith(/not known/));
});

test('a token with a lifetime ends its sessions when it expires, and the console is told why', async () => {
  let now = Date.now();
  const sessions = new ConsoleSessions(new Authenticator(server.store.tokens), server.store.tokens, {
    lifetimeMs: 60_000,
    now: () => now,
  });
  const short = generateToken('user', 'short-lived');
  await server.store.tokens.put(short.record.id, {
    ...short.record,
    expiresAt: new Date(now + 30_000).toISOString(),
  });
  const { id, expiresAt } = await sessions.signIn(short.token);
  assert.equal(expiresAt, Date.parse(new Date(now + 30_000).toISOString())); // the token's end, not 60 s
  now += 29_000;
  assert.equal(sessions.principalOf(request(id)).role, 'user');
  now += 1_000;
  assert.throws(
    () => sessions.principalOf(request(id)),
    refusedWith(/the token of this session has expired: sign in with a new one/),
  );
});

test('wrong tokens get no session; unknown cookies, sign-out and revoked tokens end with a reason', async () => {
  const sessions = new ConsoleSessions(new Authenticator(server.store.tokens), server.store.tokens);
  await assert.rejects(sessions.signIn('tml_0123456789abcdef_wrong'), refusedWith(/not valid/));
  await assert.rejects(sessions.signIn(''), refusedWith(/a token is required/));
  assert.throws(() => sessions.principalOf(request(undefined)), refusedWith(/not signed in/));
  assert.throws(() => sessions.principalOf(request('forged')), refusedWith(/not known/));

  const user = await sessions.signIn(server.user);
  sessions.signOut(request(user.id));
  assert.throws(() => sessions.principalOf(request(user.id)), refusedWith(/not known/));

  const again = await sessions.signIn(server.user);
  const record = server.store.tokens.get(again.principal.tokenId);
  assert.ok(record);
  await server.store.tokens.delete(record.id);
  assert.throws(
    () => sessions.principalOf(request(again.id)),
    refusedWith(/the token of this session was revoked/),
  );
});

test('a change through a session from another site is refused; the same site passes', async () => {
  const sessions = new ConsoleSessions(new Authenticator(server.store.tokens), server.store.tokens);
  await server.store.tokens.refresh();
  const { id } = await sessions.signIn(server.admin);
  assert.throws(
    () => sessions.principalOf(request(id, 'POST', { 'sec-fetch-site': 'cross-site' })),
    /must come from the console itself/,
  );
  assert.equal(sessions.principalOf(request(id, 'POST', { 'sec-fetch-site': 'same-origin' })).role, 'admin');
  // reads are not changes: a GET from a link elsewhere is fine (and SameSite=Strict sends no cookie then anyway)
  assert.equal(sessions.principalOf(request(id, 'GET', { 'sec-fetch-site': 'cross-site' })).role, 'admin');
});
