// tml worker: one of the processes that share the solutions through a Kafka consumer group. Start
// as many as the load needs; stopping or killing one hands its solutions to the others.
import type { Command } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { integerAtLeast } from '../options.js';

interface WorkerOptions {
  group?: string;
  clientId?: string;
  sessionTimeout?: number;
  duration?: number;
  events?: 'text' | 'json';
}

export const workerCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('worker')
      .description('run solutions, sharing them with the other workers of the group (Kafka)')
      .option(
        '--group <id>',
        'the consumer group of the workers (default: tml.solution-workers, or per TML_NAMESPACE)',
      )
      .option('--client-id <id>', 'this worker in group descriptions and solution statuses')
      .option(
        '--session-timeout <ms>',
        'a silent worker loses its solutions after this long',
        integerAtLeast(1000),
        10_000,
      )
      .option(
        '--duration <seconds>',
        'stop after this many seconds (default: until Ctrl-C)',
        integerAtLeast(1),
      )
      .option('--events <format>', 'event lines as text or json', 'text')
      .addHelpText(
        'after',
        "\nThe workers of a group split the catalog's partitions between them through Kafka's\n" +
          'consumer-group rebalancing; each solution runs on exactly one of them. On the embedded\n' +
          'backbone a single process owns the data directory, so one worker runs everything.\n' +
          'Examples:\n' +
          '  TML_KAFKA_BROKERS=broker:9092 tml worker\n' +
          '  tml worker --client-id worker-2 --events json',
      )
      .action(action(host, work));
  },
};

async function work(context: CommandContext, options: WorkerOptions): Promise<void> {
  const { eventsFormat, runWorkerUntilStopped } = await import('../run-worker.js');
  eventsFormat(options.events);
  const { solutionTopics, workerGroup } = await import('../../solutions/topics.js');
  const groupId = options.group ?? workerGroup(context.config().namespace);
  const backbone = await context.openBackbone();
  try {
    const { checkWorkerNamespace } = await import('../worker-namespace.js');
    const { namespace } = context.config();
    await checkWorkerNamespace(backbone, namespace, solutionTopics(namespace));
    await runWorkerUntilStopped(context, backbone, {
      groupId,
      clientId: options.clientId,
      sessionTimeoutMs: options.sessionTimeout,
      duration: options.duration,
      events: options.events,
      started: (clientId) => `tml: worker ${clientId} in group ${groupId} on the ${backbone.kind} backbone`,
      stopping: 'each solution finishes its current step, then the group rebalances',
    });
  } finally {
    await backbone.close();
  }
}
