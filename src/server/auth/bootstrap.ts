// First start: with no token stored, an admin token is created and written to `admin.tok` in the
// data directory (mode 0600), where VIPER users expect it (they read it raw: seed, getparams()).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection } from '../store/collection.js';
import type { TokenRecord } from '../store/records.js';
import { ConfigError } from '../../config/config.js';
import { generateToken, hashToken, tokenId } from './tokens.js';

export const ADMIN_TOKEN_FILE = 'admin.tok';

/** Checks the form of a token handed in, before anything is opened (a bad setting stops the start). */
export function checkAdminToken(given: string | undefined): void {
  if (given !== undefined && tokenId(given) === undefined) {
    throw new ConfigError(
      'TML_ADMIN_TOKEN (or TML_ADMIN_TOKEN_FILE) is not a tml token: tml_<16 hex>_<43 base64url characters>',
    );
  }
}

/**
 * Creates the first admin token when none exists; answers the file it wrote, else undefined. A token
 * the deployment hands in (`given`: TML_ADMIN_TOKEN / _FILE, e.g. from a Kubernetes Secret) is
 * stored instead, once, and no file is written.
 */
export async function ensureAdminToken(
  tokens: Collection<TokenRecord>,
  dataDir: string,
  given?: string,
): Promise<string | undefined> {
  await tokens.refresh();
  if (given !== undefined) {
    checkAdminToken(given);
    const id = tokenId(given) as string;
    const hash = hashToken(given);
    if (tokens.get(id)?.hash !== hash) {
      const record = { id, role: 'admin' as const, hash, label: 'from TML_ADMIN_TOKEN' };
      await tokens.put(id, { ...record, createdAt: new Date().toISOString() });
    }
    return undefined;
  }
  if (tokens.values().some((t) => t.role === 'admin')) return undefined;
  const { token, record } = generateToken('admin', 'created at first start');
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  // Written before the token is stored: a token nobody can read would lock the admin out.
  await writeFile(path, token, { mode: 0o600 });
  // `mode` applies only when the file is created; an older admin.tok keeps its own mode otherwise.
  await chmod(path, 0o600);
  await tokens.put(record.id, record);
  return path;
}
