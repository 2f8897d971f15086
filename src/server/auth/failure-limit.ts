// A cap on failed authentications per client address: past it, every authentication from that
// address is refused until its window ends, so tokens cannot be guessed at line speed and a flood of
// bad tokens costs one map lookup each. Memory is bounded: the oldest addresses are forgotten first.
import { ServerError } from '../errors.js';

export interface FailureLimitSettings {
  /** Failed authentications allowed per address per window (default 20). */
  maxFailures: number;
  /** The window, in milliseconds (default 60 s). */
  windowMs: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimitSettings = { maxFailures: 20, windowMs: 60_000 };

/** Addresses remembered at once; a flood from more addresses forgets the oldest. */
const MAX_ADDRESSES = 10_000;

export class TooManyFailuresError extends ServerError {
  constructor(
    readonly retryAfterSeconds: number,
    settings: FailureLimitSettings,
  ) {
    super(
      'TOO_MANY_AUTH_FAILURES',
      429,
      `too many failed authentications from this address (limit ${settings.maxFailures} per ` +
        `${Math.round(settings.windowMs / 1000)} s); try again in ${retryAfterSeconds} s`,
    );
  }
}

export class FailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly settings: FailureLimitSettings = DEFAULT_FAILURE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws TooManyFailuresError while `address` is over its limit. */
  check(address: string): void {
    const window = this.#windows.get(address);
    if (window === undefined || window.failures < this.settings.maxFailures) return;
    const left = window.start + this.settings.windowMs - this.now();
    if (left <= 0) {
      this.#windows.delete(address);
      return;
    }
    throw new TooManyFailuresError(Math.ceil(left / 1000), this.settings);
  }

  failed(address: string): void {
    const now = this.now();
    let window = this.#windows.get(address);
    if (window === undefined || now - window.start >= this.settings.windowMs) {
      this.#windows.delete(address);
      window = { start: now, failures: 0 };
      this.#windows.set(address, window);
      if (this.#windows.size > MAX_ADDRESSES) {
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
    }
    window.failures++;
  }
}
