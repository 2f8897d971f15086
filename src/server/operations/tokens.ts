// Token management (admin only): create, list, rotate, revoke. The token text is returned once, by
// create and rotate. A token may have a lifetime; rotation replaces a token by a new one with the
// same role, label and lifetime, and retires the old one at once or after a grace period.
import { requireRole } from '../auth/authenticator.js';
import type { Role } from '../auth/roles.js';
import { generateToken } from '../auth/tokens.js';
import { ConflictError, NotFoundError, ParameterError, showValue } from '../errors.js';
import type { TokenRecord } from '../store/records.js';
import type { OperationContext } from './context.js';

export type TokenInfo = Omit<TokenRecord, 'hash'> & { lastUsedAt?: string };

/** The longest lifetime or grace period accepted: ten years, in seconds. */
export const MAX_TOKEN_SECONDS = 10 * 365 * 24 * 3600;

function info(record: TokenRecord, context?: OperationContext): TokenInfo {
  const lastUsedAt = context?.store.tokenUsage?.get(record.id)?.lastUsedAt;
  return {
    id: record.id,
    role: record.role,
    label: record.label,
    createdAt: record.createdAt,
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    ...(lastUsedAt ? { lastUsedAt } : {}),
  };
}

function checkSeconds(name: string, seconds: number | undefined, min: number): void {
  if (seconds === undefined) return;
  if (!Number.isSafeInteger(seconds) || seconds < min || seconds > MAX_TOKEN_SECONDS) {
    throw new ParameterError(name, `must be a whole number of seconds from ${min} to ${MAX_TOKEN_SECONDS}`);
  }
}

export async function createToken(
  context: OperationContext,
  role: Role,
  label = '',
  expiresInSeconds?: number,
): Promise<{ token: string; info: TokenInfo }> {
  requireRole(context.principal, 'admin', 'token create');
  checkSeconds('expiresInSeconds', expiresInSeconds, 60);
  const now = new Date();
  const { token, record } = generateToken(role, label, now);
  if (expiresInSeconds !== undefined) {
    record.expiresAt = new Date(now.getTime() + expiresInSeconds * 1000).toISOString();
  }
  await context.store.tokens.put(record.id, record);
  return { token, info: info(record) };
}

export function listTokens(context: OperationContext): TokenInfo[] {
  requireRole(context.principal, 'admin', 'token list');
  return context.store.tokens.values().map((record) => info(record, context));
}

/**
 * A new token in place of `id`: same role and label, and the same lifetime if the old one had one.
 * The old token stops working now (`graceSeconds` 0, the default) or that many seconds later.
 */
export async function rotateToken(
  context: OperationContext,
  id: string,
  graceSeconds = 0,
): Promise<{ token: string; info: TokenInfo; retired: TokenInfo }> {
  requireRole(context.principal, 'admin', 'token rotate');
  checkSeconds('graceSeconds', graceSeconds, 0);
  const old = context.store.tokens.get(id);
  if (old === undefined)
    throw new NotFoundError('UNKNOWN_TOKEN', `token '${showValue(id)}' does not exist`, 'id');
  const now = new Date();
  const { token, record } = generateToken(old.role, old.label, now);
  if (old.expiresAt !== undefined) {
    const lifetime = Date.parse(old.expiresAt) - Date.parse(old.createdAt);
    record.expiresAt = new Date(now.getTime() + lifetime).toISOString();
  }
  // the new token first: a failure between the writes leaves two tokens, never none
  await context.store.tokens.put(record.id, record);
  const retiredAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  const retired = { ...old, expiresAt: retiredAt };
  if (graceSeconds === 0) {
    await context.store.tokens.delete(id);
    await context.store.tokenUsage?.delete(id);
  } else if (old.expiresAt === undefined || old.expiresAt > retiredAt) {
    await context.store.tokens.put(id, retired);
  }
  return { token, info: info(record), retired: info(retired) };
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
  await context.store.tokenUsage?.delete(id);
  return info(record);
}
