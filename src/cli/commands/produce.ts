// tml produce <topic> [values...]: append records from arguments, stdin or a CSV/JSON-lines file.
import type { Command } from 'commander';
import { Option } from 'commander';
import { checkTopicNameRule as validateTopicName } from '../../server/local-backbone.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { integerAtLeast, parseDelimiter } from '../options.js';

export interface ProduceOptions {
  file?: string;
  format?: 'lines' | 'jsonl' | 'csv';
  records?: boolean;
  key?: string;
  partition?: number;
  keyColumn?: string;
  valueColumn?: string;
  delimiter?: string;
  batchSize: number;
  progress: boolean;
  producerId?: string;
}

export const produceCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('produce')
      .description(
        'append records to a topic: values as arguments, lines on stdin, or a CSV / JSON-lines file',
      )
      .summary('append records from arguments, stdin or a file')
      .argument('<topic>', 'the topic to append to')
      .argument(
        '[values...]',
        'record values; "-" (or none, with stdin piped) reads one value per line from stdin',
      )
      .option(
        '-f, --file <path>',
        'read records from a file: .csv, .jsonl/.ndjson, anything else one value per line',
      )
      .addOption(
        new Option(
          '--format <format>',
          'how to read the file or stdin (default: from the file extension)',
        ).choices(['lines', 'jsonl', 'csv']),
      )
      .option('--records', 'JSON lines are records {"key", "value", "headers", "partition", "timestamp"}')
      .option('-k, --key <key>', 'key of every record (records with their own key keep it)')
      .option(
        '-p, --partition <n>',
        'partition of every record (default: by key hash, else round-robin)',
        integerAtLeast(0),
      )
      .option('--key-column <name>', 'CSV: the column holding the key')
      .option(
        '--value-column <name>',
        'CSV: the column holding the value (default: the whole row as a JSON object)',
      )
      .option('--delimiter <char>', 'CSV: the field delimiter', parseDelimiter)
      .option('-b, --batch-size <n>', 'records per append', integerAtLeast(1), 1000)
      .option(
        '--producer-id <id>',
        "with --server: the topic's producer id (default: looked up, which needs an admin token)",
      )
      .option('--no-progress', 'no progress bar (shown for files over 1 MiB when stderr is a terminal)')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  tml produce orders "first order" "second order"\n' +
          '  tml produce orders --key customer-7 \'{"amount": 12.5}\'\n' +
          '  seq 1 1000 | tml produce numbers\n' +
          '  tml produce readings --file readings.csv --key-column sensor\n' +
          '  tml produce readings --file readings.jsonl --records',
      )
      .action(action(host, produce));
  },
};

async function produce(
  context: CommandContext,
  options: ProduceOptions,
  topic: string,
  values: string[],
): Promise<void> {
  validateTopicName(topic);
  const { openSource, runProduce } = await import('../produce/run.js');
  const source = await openSource(context, options, values);
  await runProduce(context, topic, source, options);
}
