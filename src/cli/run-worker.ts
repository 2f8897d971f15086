// The long-running part of `tml run` and `tml worker`: a solution worker with its training pool on
// an open backbone, its events printed, until Ctrl-C / SIGTERM or `--duration`.
import type { Backbone } from '../backbone/types.js';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';

export interface RunWorkerOptions {
  groupId: string;
  clientId?: string;
  sessionTimeoutMs?: number;
  /** Stop after this many seconds (default: on a signal). */
  duration?: number;
  /** `--events`: lines as text or JSON. */
  events?: string;
  /** Printed once the worker has joined its group. */
  started?: (clientId: string) => string;
  /** What stopping does, for the note printed when it starts. */
  stopping: string;
}

/** Checks `--events` before anything is opened. */
export function eventsFormat(events: string | undefined): 'text' | 'json' {
  if (events !== 'text' && events !== 'json') {
    throw new UsageError(`--events must be text or json, got ${String(events)}`);
  }
  return events;
}

export async function runWorkerUntilStopped(
  context: CommandContext,
  backbone: Backbone,
  options: RunWorkerOptions,
): Promise<void> {
  const { SolutionWorker } = await import('../solutions/worker.js');
  const { solutionTopics } = await import('../solutions/topics.js');
  const { logSolutionEvents } = await import('./solution-events.js');
  // the faces' record shapes: a VIPER batch endpoint's solution writes VIPER's keys on any worker
  const { viperRecordShapers } = await import('../server/viper/solution-records.js');
  const worker = await SolutionWorker.start(backbone, {
    pool: 'own',
    recordShapers: viperRecordShapers,
    groupId: options.groupId,
    topics: solutionTopics(context.config().namespace),
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
  });
  const stopLog = logSolutionEvents(worker, (line) => context.note(line), {
    json: eventsFormat(options.events) === 'json',
  });
  worker.on('error', (error) => context.note(`tml: worker: ${error.message}`));
  if (options.started) context.note(options.started(worker.clientId));
  const reason = await untilStopped(options.duration);
  context.note(`tml: ${reason}: stopping (${options.stopping})`);
  stopLog();
  await worker.close();
}

/** Resolves on SIGINT or SIGTERM, or after `durationSeconds` when given; names the reason. */
function untilStopped(durationSeconds?: number): Promise<string> {
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
