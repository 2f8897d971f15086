// Token management (admin only): create, list, revoke. The token text is returned once, by create.
import { requireRole } from '../auth/authenticator.js';
import type { Role } from '../auth/roles.js';
import { generateToken } from '../auth/tokens.js';
import { ConflictError, NotFoundError, showValue } from '../errors.js';
import type { TokenRecord } from '../store/records.js';
import type { OperationContext } from './context.js';

export type TokenInfo = Omit<TokenRecord, 'hash'>;

function info(record: TokenRecord): TokenInfo {
  return { id: record.id, role: record.role, label: record.label, createdAt: record.createdAt };
}

export async function createToken(
  context: OperationContext,
  role: Role,
  label = '',
): Promise<{ token: string; info: TokenInfo }> {
  requireRole(context.principal, 'admin', 'token create');
  const { token, record } = generateToken(role, label);
  await context.store.tokens.put(record.id, record);
  return { token, info: info(record) };
}

export function listTokens(context: OperationContext): TokenInfo[] {
  requireRole(context.principal, 'admin', 'token list');
  return context.store.tokens.values().map(info);
}

export async function revokeToken(context: OperationContext, id: string): Promise<TokenInfo> {
  requireRole(context.principal, 'admin', 'token revoke');
  const record = context.store.tokens.get(id);
  if (record === undefined)
    throw new NotFoundError('UNKNOWN_TOKEN', `token '${showValue(id)}' does not exist`, 'id');
  const admins = context.store.tokens.values().filter((t) => t.role === 'admin');
  if (record.role === 'admin' && admins.length === 1) {
    throw new ConflictError(
      'LAST_ADMIN_TOKEN',
      'the last admin token cannot be revoked (create another admin token first)',
    );
  }
  await context.store.tokens.delete(id);
  return info(record);
}
