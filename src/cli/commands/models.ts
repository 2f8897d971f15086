// tml models <solution>: a solution's model registry — the champion, the version history with its
// metrics and lineage, and the drift events — for one entity (record key), locally or on a server.
import type { Command } from 'commander';
import type { SolutionModels } from '../../client/index.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { withSolutionOps } from '../ops/solution-ops.js';
import { integerAtLeast } from '../options.js';
import { table } from '../output.js';

interface ModelsOptions {
  entity?: string;
  limit?: number;
}

/** A replaced champion's score, named after its metric (RMSE, or log-loss for classifiers). */
function replacedText(
  replaced: { version: number; rmse: number } | { version: number; logLoss: number },
): string {
  return 'rmse' in replaced
    ? `rmse ${replaced.rmse.toPrecision(4)}`
    : `log-loss ${replaced.logLoss.toPrecision(4)}`;
}

export const modelsCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('models')
      .description("show a solution's champion, model version history and drift events")
      .argument('<solution>', 'the solution')
      .option('-e, --entity <key>', "the entity (record key) of a per-entity solution (default: '')")
      .option(
        '-n, --limit <n>',
        'versions of the history to show, newest first (default: 20)',
        integerAtLeast(1),
      )
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  tml models sensors\n' +
          '  tml models fleet --entity truck-17 --limit 5\n' +
          '  tml models sensors --json',
      )
      .action(action(host, models));
  },
};

const time = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export function formatModels(registry: SolutionModels): string {
  const lines: string[] = [];
  const entity = registry.entity === '' ? '' : ` entity '${registry.entity}'`;
  const champion = registry.champion;
  lines.push(
    champion === undefined
      ? `solution '${registry.solution}'${entity}: no model yet`
      : `solution '${registry.solution}'${entity}: champion v${champion.version} ${champion.algorithm}, ` +
          `forecast accuracy ${champion.forecastAccuracy.toFixed(4)}, since ${time(champion.promotedAt)}`,
  );
  if (registry.history.length > 0) {
    lines.push(
      '',
      table([
        ['VERSION', 'RETRAIN', 'ALGORITHM', 'ACCURACY', 'TRIGGER', 'PROMOTED', 'REPLACED'],
        ...registry.history.map((v) => [
          v.version,
          v.retrain,
          v.algorithm,
          v.forecastAccuracy.toFixed(4),
          v.trigger,
          time(v.promotedAt),
          v.replaced ? `v${v.replaced.version} (${replacedText(v.replaced)})` : '-',
        ]),
      ]),
    );
  }
  lines.push('', registry.drift.length === 0 ? 'drift events: none' : 'drift events:');
  if (registry.drift.length > 0) {
    lines.push(
      table([
        ['AT', 'OFFSET', 'DETECTOR', 'STATISTIC', 'CHAMPION'],
        ...registry.drift.map((d) => [
          time(d.at),
          d.offset,
          d.detector,
          d.statistic.toPrecision(4),
          `v${d.championVersion}`,
        ]),
      ]),
    );
  }
  return lines.join('\n') + '\n';
}

async function models(context: CommandContext, options: ModelsOptions, solution: string): Promise<void> {
  const registry = await withSolutionOps(context, (ops) =>
    ops.models(solution, {
      ...(options.entity !== undefined ? { entity: options.entity } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
    }),
  );
  if (context.json) await context.out.json(registry);
  else await context.out.write(formatModels(registry));
}
