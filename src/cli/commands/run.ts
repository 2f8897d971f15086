// tml run solution.yaml: adds the solution to the catalog (or continues it) and runs it here, with
// every other solution of the catalog, printing its retrains, drift and problems until Ctrl-C.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { integerAtLeast } from '../options.js';

interface RunOptions {
  replace?: boolean;
  duration?: number;
  events?: 'text' | 'json';
}

export const runCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('run')
      .description('run a continuous solution from its spec (YAML or JSON) until Ctrl-C')
      .argument('<spec>', 'the solution spec file, or - for stdin')
      .option('--replace', 'if a solution of this name exists with another spec, delete it and start afresh')
      .option(
        '--duration <seconds>',
        'stop after this many seconds (default: run until Ctrl-C)',
        integerAtLeast(1),
      )
      .option('--events <format>', 'event lines as text or json', 'text')
      .addHelpText(
        'after',
        '\nThe solution is stored in the catalog and keeps its models: running the same spec again\n' +
          'continues where it stopped. The process runs every solution of the catalog (on the\n' +
          'embedded backbone one process does all the work; on Kafka, start `tml worker`s to share it).\n' +
          'The spec format is in docs/solutions.md. Examples:\n' +
          '  tml run plant.yaml\n' +
          '  tml run plant.yaml --replace --duration 60\n' +
          '  cat plant.json | tml run -',
      )
      .action(action(host, run));
  },
};

async function readSpec(context: CommandContext, path: string): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the spec ${path}: ${(error as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of context.host.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function run(context: CommandContext, options: RunOptions, path: string): Promise<void> {
  const { eventsFormat, runWorkerUntilStopped } = await import('../run-worker.js');
  eventsFormat(options.events);
  const { parseSolutionSpecText } = await import('../../solutions/spec.js');
  const { SolutionSpecError } = await import('../../solutions/errors.js');
  let spec;
  try {
    spec = parseSolutionSpecText(await readSpec(context, path));
  } catch (error) {
    if (error instanceof SolutionSpecError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  const backbone = await context.openBackbone();
  try {
    const { openSolutionCatalog } = await import('../../solutions/catalog.js');
    const { solutionTopics, workerGroup } = await import('../../solutions/topics.js');
    const namespace = context.config().namespace;
    const catalog = await openSolutionCatalog(backbone, { topics: solutionTopics(namespace) });
    const existing = (await catalog.list()).find((s) => s.name === spec.name);
    if (existing !== undefined && isDeepStrictEqual(existing.spec, spec)) {
      if (existing.state === 'paused') await catalog.resume(spec.name);
      context.note(`tml: ${spec.name}: continuing (retrains so far: ${existing.status?.retrains ?? 0})`);
    } else {
      if (existing !== undefined) {
        if (!options.replace) {
          throw new UsageError(
            `a solution named ${spec.name} exists with another spec: use --replace to start it afresh, or change its name`,
          );
        }
        await catalog.delete(spec.name);
        context.note(`tml: ${spec.name}: the old solution and its registry were deleted (--replace)`);
      }
      await catalog.create(spec);
      context.note(`tml: ${spec.name}: created`);
    }
    await runWorkerUntilStopped(context, backbone, {
      groupId: workerGroup(namespace),
      duration: options.duration,
      events: options.events,
      stopping: 'each solution finishes its current step',
    });
    const view = await catalog.describe(spec.name);
    context.note(
      `tml: ${spec.name}: ${view.status?.retrains ?? 0} retrains, ${view.status?.predictions ?? 0} predictions, ${view.status?.driftEvents ?? 0} drift events so far`,
    );
  } finally {
    await backbone.close();
  }
}
