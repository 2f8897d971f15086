// Turns a presented token into a role, or refuses it. The VIPER face passes `vipertoken`, the `/v1`
// face the `Authorization: Bearer` value; both end here, with the client's address, which the
// failure limit counts by.
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Collection } from '../store/collection.js';
import type { TokenRecord, TokenUsage } from '../store/records.js';
import { FailureLimiter } from './failure-limit.js';
import type { Role } from './roles.js';
import { tokenId, tokenMatches } from './tokens.js';

export interface Principal {
  tokenId: string;
  role: Role;
}

/** A token's last use is written at most this often (reads stay free of writes). */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface AuthenticatorOptions {
  /** Where each token's last use is kept; without it, nothing is recorded. */
  usage?: Collection<TokenUsage>;
  failures?: FailureLimiter;
  now?: () => number;
}

export class Authenticator {
  readonly #written = new Map<string, number>();
  readonly #now: () => number;

  constructor(
    private readonly tokens: Collection<TokenRecord>,
    private readonly options: AuthenticatorOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  async authenticate(presented: string | undefined, address = ''): Promise<Principal> {
    this.options.failures?.check(address);
    try {
      return await this.#check(presented);
    } catch (error) {
      if (error instanceof UnauthorizedError) this.options.failures?.failed(address);
      throw error;
    }
  }

  async #check(presented: string | undefined): Promise<Principal> {
    // Users read admin.tok raw; a trailing newline may survive some clients.
    const token = presented?.trim();
    if (!token) throw new UnauthorizedError('a token is required (vipertoken, or Authorization: Bearer)');
    const id = tokenId(token);
    if (id === undefined) throw new UnauthorizedError('the token is not valid');
    let record = this.tokens.get(id);
    if (record === undefined) {
      // Perhaps created by `tml token create` since this server started.
      await this.tokens.refresh();
      record = this.tokens.get(id);
    }
    if (record === undefined || !tokenMatches(token, record)) {
      throw new UnauthorizedError('the token is not valid');
    }
    const now = this.#now();
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) {
      throw new UnauthorizedError(
        `the token ${record.id} expired at ${record.expiresAt}; ask an admin for a new one (tml token rotate)`,
      );
    }
    this.#used(record.id, now);
    return { tokenId: record.id, role: record.role };
  }

  #used(id: string, now: number): void {
    const usage = this.options.usage;
    if (usage === undefined || now - (this.#written.get(id) ?? -Infinity) < LAST_USED_RESOLUTION_MS) return;
    this.#written.set(id, now);
    // Best effort, off the request's path: a lost write only makes the last use look older.
    usage.put(id, { id, lastUsedAt: new Date(now).toISOString() }).catch(() => this.#written.delete(id));
  }
}

export function requireRole(principal: Principal, role: Role, operation: string): void {
  if (role === 'admin' && principal.role !== 'admin') {
    throw new ForbiddenError(`'${operation}' needs an admin token`);
  }
}
