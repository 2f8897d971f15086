// Small helpers of the Kafka backbone.

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Rejects with `error()` unless `promise` settles within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const STATES: Record<string, string> = {
  stable: 'Stable',
  preparingrebalance: 'PreparingRebalance',
  completingrebalance: 'CompletingRebalance',
  empty: 'Empty',
  dead: 'Dead',
};

/** Kafka's group state names as Kafka writes them (`PreparingRebalance`), whatever the client's casing. */
export function groupState(raw: string): string {
  return STATES[raw.replace(/[_\s]/g, '').toLowerCase()] ?? raw;
}

/** Settles as `promise`, or rejects with the signal's reason (an AbortError) when it aborts first. */
export async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => undefined); // an abandoned request must not become an unhandled rejection
  signal.throwIfAborted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
