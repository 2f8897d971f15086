// How the `tml` command reports failure: one line `tml: <message>` on stderr and an exit code.
//   2 — the command line was rejected before anything was changed (unknown option, bad number,
//       invalid topic name, missing file, ...);
//   1 — the command failed while running (unknown topic, offset out of range, record too large, ...).
import { BackboneError } from '../backbone/errors.js';
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

/** Backbone errors that say the caller's arguments are wrong, rather than that something failed. */
const USAGE_CODES = new Set(['INVALID_TOPIC_NAME', 'INVALID_PARTITIONS', 'INVALID_CONFIG']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError) return EXIT_USAGE;
  if (error instanceof BackboneError && USAGE_CODES.has(error.code)) return EXIT_USAGE;
  return EXIT_RUNTIME;
}

/** The one line shown for an error (without the `tml: ` prefix). */
export function messageFor(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Node's system errors name the syscall and path already; say it in plain words.
    if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${pathOf(error) ?? error.message}`;
    if (code === 'ENOSPC') return `no space left on the device: ${error.message}`;
    return oneLine(error.message);
  }
  return oneLine(String(error));
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
