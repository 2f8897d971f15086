// How the `tml` command reports failure: one line `tml: <message>` on stderr and an exit code.
//   2 — the command line was rejected before anything was changed (unknown option, bad number,
//       invalid topic name, missing file, ...);
//   1 — the command failed while running (unknown topic, offset out of range, record too large, ...).
import { backboneErrorCode } from '../server/local-backbone.js';
import { TmlApiError, TmlConnectionError } from '../client/errors.js';
import { ConfigError } from '../config/config.js';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** A bad command line: wrong combination of options, missing input, unreadable file. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Bad data met while running (e.g. a malformed line of an input file). */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** A topic is not in the state the command needs (it exists already, or does not exist). */
export class TopicStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicStateError';
  }
}

/** Backbone errors that say the caller's arguments are wrong, rather than that something failed. */
const USAGE_CODES = new Set(['INVALID_TOPIC_NAME', 'INVALID_PARTITIONS', 'INVALID_CONFIG']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT_USAGE;
  const code = backboneErrorCode(error);
  if (code !== undefined && USAGE_CODES.has(code)) return EXIT_USAGE;
  // The server rejected the request as malformed (its validation): nothing was changed.
  if (error instanceof TmlApiError && error.status === 400) return EXIT_USAGE;
  return EXIT_RUNTIME;
}

/** The one line shown for an error (without the `tml: ` prefix). */
export function messageFor(error: unknown): string {
  if (error instanceof TmlApiError) return serverMessage(error);
  if (error instanceof TmlConnectionError) return connectionMessage(error);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Node's system errors name the syscall and path already; say it in plain words.
    if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${pathOf(error) ?? error.message}`;
    if (code === 'ENOSPC') return `no space left on the device: ${error.message}`;
    return oneLine(error.message);
  }
  return oneLine(String(error));
}

/** The server's problem details as one line; refusals of the token say so first. */
function serverMessage(error: TmlApiError): string {
  const detail = oneLine(error.message);
  if (error.code === `HTTP_${error.status}`) {
    // No problem details: whatever answered is not the /v1 API of a tml server.
    return `the server answered HTTP ${error.status} without problem details: is --server the address of a tml server?`;
  }
  if (error.status === 401) return `the server refused the token: ${detail} (HTTP 401)`;
  if (error.status === 403) return `forbidden by the server: ${detail} (HTTP 403)`;
  if (error.status >= 500) return `the server failed: ${detail} (HTTP ${error.status})`;
  return detail;
}

/** "fetch failed" says nothing: name the network error underneath. */
function connectionMessage(error: TmlConnectionError): string {
  // Already worded by the CLI (remote/connect.ts) around the SDK's error.
  if (error.cause instanceof TmlConnectionError) return oneLine(error.message);
  let reason: string | undefined;
  for (
    let cause: unknown = error.cause;
    cause instanceof Error && reason === undefined;
    cause = cause.cause
  ) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (cause.name === 'TimeoutError') reason = 'no answer in time';
    else if (code === 'ECONNREFUSED') reason = 'connection refused (is `tml serve` running there?)';
    else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') reason = 'host not found';
    else if (code === 'ECONNRESET') reason = 'the connection was reset';
    else if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') reason = 'the connection timed out';
    else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') reason = 'host unreachable';
  }
  const message = oneLine(error.message);
  return reason === undefined ? message : message.replace(/: [^:]*$/, `: ${reason}`);
}

function pathOf(error: Error): string | undefined {
  return (error as NodeJS.ErrnoException).path;
}

export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
