// tml consume <topic>: print records from offsets, timestamps or as a consumer group; --follow waits for more.
import type { Command } from 'commander';
import { checkTopicNameRule as validateTopicName } from '../../server/local-backbone.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { integerAtLeast, parseStartOffset, parseTimestamp, type StartOffset } from '../options.js';

export interface ConsumeOptions {
  partition?: number;
  offset?: StartOffset;
  fromTimestamp?: number;
  maxRecords?: number;
  follow?: boolean;
  group?: string;
}

export const consumeCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('consume')
      .description('print the records of a topic: the value per line, or with --json every field as JSON')
      .summary('print records from an offset, a time or a group; --follow waits for more')
      .argument('<topic>', 'the topic to read')
      .option('-p, --partition <n>', 'read only this partition (default: all)', integerAtLeast(0))
      .option(
        '-o, --offset <offset>',
        "where to start: 'earliest' (default), 'latest' or an offset (needs --partition when the topic has several)",
        parseStartOffset,
      )
      .option(
        '--from-timestamp <time>',
        'start at the first record at or after this time (ms since the epoch or ISO 8601)',
        parseTimestamp,
      )
      .option('-n, --max-records <n>', 'stop after this many records', integerAtLeast(1))
      .option('-f, --follow', 'keep waiting for new records until Ctrl-C')
      .option(
        '-g, --group <id>',
        'consume as a member of this consumer group and commit offsets (starts at the committed offset)',
      )
      .addHelpText(
        'after',
        '\nOutput: one value per line (a tombstone prints as null); with --json one JSON object per line:\n' +
          '  {"topic", "partition", "offset", "timestamp", "key", "value", "headers"}\n' +
          '\nExamples:\n' +
          '  tml consume orders\n' +
          '  tml consume orders --partition 0 --offset 100 --max-records 10\n' +
          '  tml consume orders --from-timestamp 2024-05-01T00:00:00Z --json\n' +
          '  tml consume orders --offset latest --follow\n' +
          '  tml consume orders --group billing --follow',
      )
      .action(action(host, consume));
  },
};

async function consume(context: CommandContext, options: ConsumeOptions, topic: string): Promise<void> {
  validateTopicName(topic);
  if (options.offset !== undefined && options.fromTimestamp !== undefined) {
    throw new UsageError('give --offset or --from-timestamp, not both');
  }
  if (options.group !== undefined) {
    if (options.group.trim() === '') throw new UsageError('--group needs a group id');
    if (options.partition !== undefined) {
      throw new UsageError('--partition cannot be combined with --group: the group assigns the partitions');
    }
    if (typeof options.offset === 'number' || options.fromTimestamp !== undefined) {
      throw new UsageError(
        "--group starts at the group's committed offsets; --offset may only be 'earliest' or 'latest' " +
          '(where to start when the group has none)',
      );
    }
  }
  const { runConsume } = await import('../consume/run.js');
  await runConsume(context, topic, options);
}
