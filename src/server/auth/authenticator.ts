// Turns a presented token into a role, or refuses it. The VIPER face passes `vipertoken`, the `/v1`
// face the `Authorization: Bearer` value; both end here.
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Collection } from '../store/collection.js';
import type { TokenRecord } from '../store/records.js';
import type { Role } from './roles.js';
import { tokenId, tokenMatches } from './tokens.js';

export interface Principal {
  tokenId: string;
  role: Role;
}

export class Authenticator {
  constructor(private readonly tokens: Collection<TokenRecord>) {}

  async authenticate(presented: string | undefined): Promise<Principal> {
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
    return { tokenId: record.id, role: record.role };
  }
}

export function requireRole(principal: Principal, role: Role, operation: string): void {
  if (role === 'admin' && principal.role !== 'admin') {
    throw new ForbiddenError(`'${operation}' needs an admin token`);
  }
}
