// One line per event of the solutions a process runs (`tml run`, `tml worker`): retrains, drift,
// problems, and every few seconds the predictions made — progress a user can follow or grep.
import type { SolutionRunner } from '../solutions/runner.js';
import type { SolutionWorker } from '../solutions/worker.js';

export interface EventLogOptions {
  /** Only this solution's events (default: all). */
  solution?: string;
  /** Lines as JSON objects (for scripts). */
  json?: boolean;
  /** How often the prediction counts are summarised (ms; default 5,000). */
  summaryEveryMs?: number;
}

export function logSolutionEvents(
  worker: SolutionWorker,
  write: (line: string) => void,
  options: EventLogOptions = {},
): () => void {
  const counts = new Map<string, number>();
  const line = (event: string, fields: Record<string, unknown>, text: string): void => {
    write(
      options.json ? JSON.stringify({ event, at: new Date().toISOString(), ...fields }) : `${time()} ${text}`,
    );
  };
  const follow = (runner: SolutionRunner): void => {
    const name = runner.spec.name;
    if (options.solution !== undefined && options.solution !== name) return;
    line('started', { solution: name }, `${name}: running on this worker`);
    const who = (entity: string): string => (entity === '' ? name : `${name}[${entity}]`);
    runner.on('retrain', ({ entity, trigger, outcome, state }) => {
      if (!outcome.trained) {
        line(
          'retrain-skipped',
          { solution: name, entity, trigger, reason: outcome.reason },
          `${who(entity)}: retrain (${trigger}) skipped: ${outcome.reason}`,
        );
        return;
      }
      const c = outcome.challenger;
      const verdict = outcome.refreshed
        ? `champion v${outcome.champion.version} ${outcome.champion.json.algorithm}: the champion's configuration beat challenger ${c.algorithm} and was refit on this window`
        : outcome.promoted
          ? `champion v${outcome.champion.version} ${c.algorithm} (accuracy ${(c.forecastAccuracy * 100).toFixed(1)}%)`
          : `kept v${outcome.champion.version} ${outcome.champion.json.algorithm} (challenger ${c.algorithm} was not better)`;
      line(
        'retrain',
        {
          solution: name,
          entity,
          trigger,
          retrain: state.retrains,
          promoted: outcome.promoted,
          refreshed: outcome.refreshed,
          version: outcome.champion.version,
          algorithm: outcome.champion.json.algorithm,
          rows: outcome.rows,
          candidates: outcome.candidates,
          elapsedMs: Math.round(outcome.elapsedMs),
        },
        `${who(entity)}: retrain #${state.retrains} (${trigger}) on ${outcome.rows} rows, ${outcome.candidates} candidates, ${Math.round(outcome.elapsedMs)} ms: ${verdict}`,
      );
    });
    runner.on('drift', (event) =>
      line(
        'drift',
        { ...event },
        `${who(event.entity)}: DRIFT detected at offset ${event.offset} (Page-Hinkley ${event.statistic.toFixed(1)}): retraining`,
      ),
    );
    runner.on('problem', (problem) =>
      line('problem', { solution: name, message: problem.message }, `${name}: ${problem.message}`),
    );
    runner.on('prediction', () => counts.set(name, (counts.get(name) ?? 0) + 1));
  };
  worker.on('runner', follow);
  for (const runner of worker.runners()) follow(runner);
  worker.on('stopped', (name) => {
    if (options.solution === undefined || options.solution === name)
      line('stopped', { solution: name }, `${name}: stopped on this worker`);
  });
  worker.on('assignment', (partitions) =>
    line(
      'assignment',
      { partitions },
      `worker ${worker.clientId}: catalog partitions [${partitions.join(', ')}]`,
    ),
  );
  const timer = setInterval(() => {
    for (const [name, count] of counts) {
      if (count > 0)
        line('predictions', { solution: name, count }, `${name}: ${count} predictions published`);
    }
    counts.clear();
  }, options.summaryEveryMs ?? 5000);
  timer.unref();
  return () => clearInterval(timer);
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}
