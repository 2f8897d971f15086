// tml topics create|list|describe|alter|delete
import type { Command } from 'commander';
import type { TopicConfig, TopicDescription } from '../../backbone/types.js';
import { checkTopicNameRule as validateTopicName } from '../../server/local-backbone.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { collectTopicConfig, integerAtLeast, TOPIC_CONFIG_NAMES } from '../options.js';
import { formatCount, table } from '../output.js';

interface CreateOptions {
  partitions?: number;
  replicationFactor?: number;
  config?: TopicConfig;
  ifNotExists?: boolean;
}

interface DeleteOptions {
  ifExists?: boolean;
}

export const topicsCommand: CliCommand = {
  register(program: Command, host) {
    const topics = program
      .command('topics')
      .description('create, list, describe, alter and delete topics')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  tml topics create orders --partitions 3 --config retention.ms=604800000\n' +
          '  tml topics list\n' +
          '  tml topics describe orders\n' +
          '  tml topics alter orders --partitions 6\n' +
          '  tml topics delete orders',
      );

    topics
      .command('create')
      .description('create a topic')
      .argument('<name>', 'topic name: letters, digits, ".", "_" and "-", at most 249 characters')
      .option(
        '-p, --partitions <n>',
        'number of partitions (default: 1 or $TML_DEFAULT_PARTITIONS)',
        integerAtLeast(1),
      )
      .option(
        '-r, --replication-factor <n>',
        'number of copies (the embedded backbone keeps one)',
        integerAtLeast(1),
      )
      .option(
        '-c, --config <key=value>',
        `topic config, repeatable: ${TOPIC_CONFIG_NAMES.join(', ')}`,
        collectTopicConfig,
      )
      .option('--if-not-exists', 'succeed without change when the topic exists')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  tml topics create orders --partitions 3\n' +
          '  tml topics create latest-prices --config cleanup.policy=compact\n' +
          '  tml topics create events --config retention.ms=86400000 --config retention.bytes=1073741824',
      )
      .action(action(host, createTopic));

    topics.command('list').description('list the topics').action(action(host, listTopics));

    topics
      .command('describe')
      .description("show a topic's partitions (earliest and latest offsets) and config")
      .argument('<name>', 'topic name')
      .action(action(host, describeTopic));

    topics
      .command('alter')
      .description("grow a topic's partitions (Kafka adds partitions, never removes them)")
      .argument('<name>', 'topic name')
      .requiredOption(
        '-p, --partitions <n>',
        'the new number of partitions, at least the current',
        integerAtLeast(1),
      )
      .addHelpText('after', '\nExample:\n  tml topics alter orders --partitions 6')
      .action(action(host, alterTopic));

    topics
      .command('delete')
      .description('delete a topic and all its records')
      .argument('<name>', 'topic name')
      .option('--if-exists', 'succeed without change when the topic does not exist')
      .action(action(host, deleteTopic));
  },
};

async function createTopic(context: CommandContext, options: CreateOptions, name: string): Promise<void> {
  validateTopicName(name);
  const topic = {
    name,
    ...(options.partitions !== undefined ? { partitions: options.partitions } : {}),
    ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
    ...(options.config ? { config: options.config } : {}),
  };
  const created = await context.withTopicOps((ops) => ops.createTopic(topic, options.ifNotExists === true));
  if (created.note !== undefined) context.note(created.note);
  if (context.json) {
    await context.out.json(created.json);
    return;
  }
  const partitions = created.partitions;
  const replication =
    created.replicationFactor !== undefined ? `, replication factor ${created.replicationFactor}` : '';
  await context.out.line(
    `created topic '${name}' (${partitions} partition${partitions === 1 ? '' : 's'}${replication})`,
  );
}

async function listTopics(context: CommandContext): Promise<void> {
  const names = await context.withTopicOps((ops) => ops.listTopics());
  names.sort();
  if (context.json) await context.out.json(names);
  else await context.out.write(names.map((name) => name + '\n').join(''));
}

async function describeTopic(context: CommandContext, _options: unknown, name: string): Promise<void> {
  validateTopicName(name);
  const description = await context.withTopicOps((ops) => ops.describeTopic(name));
  if (context.json) await context.out.json(description);
  else await context.out.write(formatDescription(description));
}

export function formatDescription(description: TopicDescription): string {
  const config = Object.entries(description.config)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  const rows: Array<Array<string | number>> = [['PARTITION', 'EARLIEST', 'LATEST', 'RECORDS']];
  let total = 0;
  for (const p of description.partitions) {
    total += p.latestOffset - p.earliestOffset;
    rows.push([
      p.partition,
      p.earliestOffset,
      p.latestOffset,
      formatCount(p.latestOffset - p.earliestOffset),
    ]);
  }
  return (
    `topic:              ${description.name}\n` +
    `partitions:         ${description.partitions.length}\n` +
    `replication factor: ${description.replicationFactor}\n` +
    `config:             ${config || '(defaults)'}\n` +
    `records:            ${formatCount(total)}\n\n` +
    table(rows) +
    '\n'
  );
}

async function alterTopic(
  context: CommandContext,
  options: { partitions: number },
  name: string,
): Promise<void> {
  validateTopicName(name);
  const grown = await context.withTopicOps((ops) => ops.addPartitions(name, options.partitions));
  if (context.json) await context.out.json(grown);
  else
    await context.out.line(
      grown.added === 0
        ? `topic '${name}' has ${grown.partitions} partitions already; nothing to do`
        : `topic '${name}' now has ${grown.partitions} partitions (${grown.added} added)`,
    );
}

async function deleteTopic(context: CommandContext, options: DeleteOptions, name: string): Promise<void> {
  validateTopicName(name);
  const deleted = await context.withTopicOps((ops) => ops.deleteTopic(name, options.ifExists === true));
  if (context.json) await context.out.json({ topic: name, deleted });
  else
    await context.out.line(
      deleted ? `deleted topic '${name}'` : `topic '${name}' does not exist; nothing to do`,
    );
}
