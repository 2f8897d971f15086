// Which server the CLI talks to, and with which token: `--server`/`--token`/`--token-file` on the
// command line, else TML_SERVER/TML_TOKEN/TML_TOKEN_FILE. No server means the local backbone.
import { readFileSync } from 'node:fs';
import { serverClientSettings } from '../../config/config.js';
import { UsageError } from '../errors.js';

export interface RemoteSettings {
  /** The server's base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  token: string;
  /** How long one request may take (ms). */
  timeoutMs: number;
}

/** Requests to a server give up after this long by default (an unreachable host fails within it). */
export const SERVER_TIMEOUT_MS = 30_000;

export interface RemoteOptions {
  server?: string;
  token?: string;
  tokenFile?: string;
}

/** The remote settings, or undefined when the CLI works on the local backbone. */
export function resolveRemote(
  flags: RemoteOptions,
  env: Record<string, string | undefined> | undefined,
): RemoteSettings | undefined {
  const fromEnv = serverClientSettings(env);
  const server = flags.server ?? fromEnv.server;
  if (server === undefined) {
    if (flags.token !== undefined || flags.tokenFile !== undefined) {
      throw new UsageError('--token and --token-file are for a server: give --server <url> too');
    }
    return undefined;
  }
  const url = checkUrl(server);
  const token = tokenFrom(flags) ?? tokenFrom({ token: fromEnv.token, tokenFile: fromEnv.tokenFile });
  if (token === undefined) {
    throw new UsageError(
      '--server needs --token (a token of that server): --token <token>, --token @<file>, ' +
        '--token-file <file> or TML_TOKEN',
    );
  }
  return { url, token, timeoutMs: fromEnv.timeoutMs ?? SERVER_TIMEOUT_MS };
}

function checkUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server '${server}' is not a URL (expected e.g. http://127.0.0.1:8000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server '${server}' is not an http(s) URL (expected e.g. http://127.0.0.1:8000)`);
  }
  return url.href.replace(/\/+$/, '');
}

function tokenFrom(options: { token?: string; tokenFile?: string }): string | undefined {
  if (options.token !== undefined && options.tokenFile !== undefined) {
    throw new UsageError('give --token or --token-file, not both');
  }
  if (options.tokenFile !== undefined) return readToken(options.tokenFile, '--token-file');
  if (options.token?.startsWith('@')) return readToken(options.token.slice(1), '--token @file');
  const token = options.token?.trim();
  if (options.token !== undefined && !token) throw new UsageError('--token is empty');
  return token;
}

function readToken(path: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${option} ${path}: no such file`);
    if (code === 'EACCES') throw new UsageError(`${option} ${path}: permission denied`);
    throw new UsageError(`${option} ${path}: ${(error as Error).message}`);
  }
  // admin.tok holds the token alone, perhaps with a trailing newline.
  const token = text.trim();
  if (!token) throw new UsageError(`${option} ${path}: the file is empty`);
  return token;
}
