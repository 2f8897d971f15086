// First start: with no token stored, an admin token is created and written to `admin.tok` in the
// data directory (mode 0600), where VIPER users expect it (they read it raw: seed, getparams()).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection } from '../store/collection.js';
import type { TokenRecord } from '../store/records.js';
import { generateToken } from './tokens.js';

export const ADMIN_TOKEN_FILE = 'admin.tok';

/** Creates the first admin token when none exists; answers the file it wrote, else undefined. */
export async function ensureAdminToken(
  tokens: Collection<TokenRecord>,
  dataDir: string,
): Promise<string | undefined> {
  await tokens.refresh();
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
