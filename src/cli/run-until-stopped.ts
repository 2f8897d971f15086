// Long-running commands (`tml run`, `tml worker`) stop on Ctrl-C / SIGTERM or after `--duration`.

/** Resolves on SIGINT or SIGTERM, or after `durationSeconds` when given; names the reason. */
export function untilStopped(durationSeconds?: number): Promise<string> {
  return new Promise((resolve) => {
    const timer =
      durationSeconds === undefined
        ? undefined
        : setTimeout(() => finish(`${durationSeconds} s elapsed`), durationSeconds * 1000);
    const onSignal = (signal: string): void => finish(signal);
    function finish(reason: string): void {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(reason);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
