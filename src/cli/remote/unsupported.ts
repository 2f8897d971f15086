// The one wording for what the server's /v1 API cannot do: a usage error (exit 2), nothing sent.
import { UsageError } from '../errors.js';

export function notOverServer(what: string, why: string): UsageError {
  return new UsageError(`${what} is not available with --server: ${why}`);
}
