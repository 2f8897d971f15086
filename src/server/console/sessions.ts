// Browser sessions of the console. A token is presented once (sign-in, or a VIPERviz link) and
// exchanged for a random session id in an HttpOnly cookie, so the token itself never sits in the
// browser's storage or address bar. Sessions live in this process's memory (a restart signs everyone
// out) and hold only the token's id and hash: each request checks that the token still exists, so a
// revoked token ends its sessions at once.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Collection } from '../store/collection.js';
import type { TokenRecord } from '../store/records.js';

export const SESSION_COOKIE = 'tml_session';

interface Session {
  principal: Principal;
  tokenHash: string;
  expiresAt: number;
}

export interface SessionOptions {
  /** A session ends this long after sign-in (default 12 h). */
  lifetimeMs?: number;
  /** The oldest sessions are dropped beyond this many (default 10,000). */
  maxSessions?: number;
  now?: () => number;
}

const hash = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export class ConsoleSessions {
  // keyed by the hash of the session id: the ids themselves are only ever in the cookies
  readonly #sessions = new Map<string, Session>();
  readonly #lifetimeMs: number;
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: Collection<TokenRecord>,
    options: SessionOptions = {},
  ) {
    this.#lifetimeMs = options.lifetimeMs ?? 12 * 3600_000;
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Checks the token and answers a new session id with its principal. */
  async signIn(token: string | undefined): Promise<{ id: string; principal: Principal; expiresAt: number }> {
    const principal = await this.authenticator.authenticate(token);
    const record = this.tokens.get(principal.tokenId);
    if (record === undefined) throw new UnauthorizedError('the token is not valid');
    const id = randomBytes(32).toString('base64url');
    // a token with a lifetime ends its sessions with it
    const expiresAt = Math.min(
      this.#now() + this.#lifetimeMs,
      record.expiresAt === undefined ? Infinity : Date.parse(record.expiresAt),
    );
    if (this.#sessions.size >= this.#maxSessions) {
      const oldest = this.#sessions.keys().next();
      if (oldest.done !== true) this.#sessions.delete(oldest.value);
    }
    this.#sessions.set(hash(id), { principal, tokenHash: record.hash, expiresAt });
    return { id, principal, expiresAt };
  }

  /** The request carries a session cookie (valid or not). */
  presented(request: FastifyRequest): boolean {
    return typeof request.cookies?.[SESSION_COOKIE] === 'string';
  }

  /** The principal of the request's session; the error says why there is none. */
  principalOf(request: FastifyRequest): Principal {
    const id = request.cookies?.[SESSION_COOKIE];
    if (id === undefined || id === '') throw new UnauthorizedError('not signed in');
    const key = hash(id);
    const session = this.#sessions.get(key);
    if (session === undefined) {
      throw new UnauthorizedError('the session is not known (the server restarted, or you signed out)');
    }
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(key);
      const expiry = this.tokens.get(session.principal.tokenId)?.expiresAt;
      throw new UnauthorizedError(
        expiry !== undefined && Date.parse(expiry) <= session.expiresAt
          ? 'the token of this session has expired: sign in with a new one'
          : 'the session has expired: sign in again',
      );
    }
    if (this.tokens.get(session.principal.tokenId)?.hash !== session.tokenHash) {
      this.#sessions.delete(key);
      throw new UnauthorizedError('the token of this session was revoked');
    }
    // Cookies go with every request to this origin, so a change made through a session must come
    // from this origin's own pages (SameSite=Strict already keeps other sites' requests out).
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const site = request.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') {
        throw new ForbiddenError('a change through a console session must come from the console itself');
      }
    }
    return session.principal;
  }

  signOut(request: FastifyRequest): void {
    const id = request.cookies?.[SESSION_COOKIE];
    if (id !== undefined) this.#sessions.delete(hash(id));
  }

  setCookie(reply: FastifyReply, id: string, expiresAt: number): void {
    reply.setCookie(SESSION_COOKIE, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: reply.request.protocol === 'https',
      expires: new Date(expiresAt),
    });
  }

  clearCookie(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
