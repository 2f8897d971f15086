// A client for the server given with --server, checked first with the public GET /v1/status: a URL
// that is not a tml server (the VIPER face answers every unknown path with HTTP 200 and an ERROR body)
// is named as such instead of failing later on an odd answer.
import type { TmlClient } from '../../client/index.js';
import type { RemoteSettings } from './settings.js';

export class NotATmlServerError extends Error {
  constructor(url: string) {
    super(`${url} did not answer as a tml server's /v1 API: is --server the address of a tml server?`);
    this.name = 'NotATmlServerError';
  }
}

export async function connect(remote: RemoteSettings): Promise<TmlClient> {
  const { TmlClient, TmlConnectionError } = await import('../../client/index.js');
  const client = new TmlClient({ url: remote.url, token: remote.token, timeoutMs: remote.timeoutMs });
  let status: unknown;
  try {
    status = await client.status();
  } catch (error) {
    if (error instanceof TmlConnectionError && isTimeout(error)) {
      throw new TmlConnectionError(
        `cannot reach the tml server at ${remote.url}: no answer within ${remote.timeoutMs / 1000} s`,
        { cause: error },
      );
    }
    throw error;
  }
  const backbone = (status as { backbone?: unknown } | undefined)?.backbone;
  if (typeof backbone !== 'string') throw new NotATmlServerError(remote.url);
  return client;
}

function isTimeout(error: Error): boolean {
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'TimeoutError') return true;
  }
  return false;
}
