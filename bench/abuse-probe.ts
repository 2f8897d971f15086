// The /healthz probe of the abuse run, in a worker thread of its own: the abusive clients share the
// main thread, and their work (building megabyte requests, reading answers) would otherwise delay
// the probe's own timer and be counted as the server's latency.
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeOptions {
  url: string;
  intervalMs: number;
  /** A probe not answered within this time counts as unanswered (its latency is this bound). */
  timeoutMs: number;
}

export interface ProbeSample {
  /** Milliseconds from the probe's start of the run. */
  at: number;
  latencyMs: number;
  /** HTTP status, or 0 when there was no answer in time (or the connection failed). */
  status: number;
}

const options = workerData as ProbeOptions;
const samples: ProbeSample[] = [];
const t0 = performance.now();
let running = true;
parentPort?.on('message', (message: string) => {
  if (message === 'stop') running = false;
});

while (running) {
  const started = performance.now();
  let status: number;
  try {
    const response = await fetch(`${options.url}/healthz`, {
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.arrayBuffer();
    status = response.status;
  } catch {
    status = 0;
  }
  const latencyMs = performance.now() - started;
  samples.push({ at: Math.round(started - t0), latencyMs, status });
  const wait = options.intervalMs - latencyMs;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
parentPort?.postMessage(samples);
