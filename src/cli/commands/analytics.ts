// tml analytics <step> <topic>: the stream steps of /v1 — preprocess, custom-JSON preprocessing,
// stream queries, correlations, k-means clusters and search anomalies — from the command line, with
// the /v1 body's fields as options (camelCase field = --kebab-case option). Locally they run through
// the server's check, operations and answer shape (src/cli/analytics/run.ts); with --server through
// the SDK. `--json` prints the /v1 answer; otherwise a table.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CliHost, CommandContext } from '../context.js';
import type { AnalyticsStep, StepBody } from '../analytics/run.js';

type Kind = 'integer' | 'number' | 'text' | 'list' | 'integers' | 'flag';

/** One /v1 body field: its option (`--max-rows <n>` is the field maxRows), how it is read, its help. */
interface Field {
  flags: string;
  kind: Kind;
  help: string;
  required?: boolean;
  default?: string;
}

interface StepCommand {
  step: AnalyticsStep;
  description: string;
  fields: Field[];
  examples: string[];
}

function integer(raw: string): number {
  const value = Number(raw.trim());
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError('expected an integer.');
  }
  return value;
}

function number(raw: string): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError('expected a number.');
  return value;
}

/** Comma-separated. */
function list(raw: string): string[] {
  return raw.split(',').map((item) => item.trim());
}

/** Comma-separated integers. */
const integers = (raw: string): number[] => list(raw).map(integer);

const parsers: Record<string, (raw: string) => unknown> = { integer, number, list, integers };

function optionOf(field: Field): Option {
  const option = new Option(field.flags, field.help);
  if (field.kind !== 'flag' && field.kind !== 'text') {
    const parse = parsers[field.kind];
    option.argParser(parse);
    if (field.default !== undefined) option.default(parse(field.default));
  } else if (field.default !== undefined) option.default(field.default);
  if (field.required === true) option.makeOptionMandatory();
  return option;
}

const f = (flags: string, kind: Kind, help: string, more: Partial<Field> = {}): Field => ({
  flags,
  kind,
  help,
  ...more,
});
const maxRows = f('--max-rows <n>', 'integer', 'records (or values per stream) read', { required: true });
const offset = f('--offset <n>', 'integer', '-1 (default): the newest --max-rows; N >= 0: from offset N on');
const identifier = f('--identifier <text>', 'text', 'a label written with the results');
const description = f('--description <text>', 'text', 'a description written with the results');
const produceTo = f(
  '--produce-to <topic>',
  'text',
  'an existing topic the results go to (default: the topic)',
);
const alertEmails = f('--alert-emails <list>', 'list', "mail alerts to these addresses (config 'alertMail')");
const mailEvery = f('--email-frequency-seconds <n>', 'integer', 'at most one mail per this many seconds');

export const STEPS: StepCommand[] = [
  {
    step: 'preprocess',
    description: "statistics over each stream's newest window, written as <stream>_preprocessed_<Type>",
    fields: [
      maxRows,
      f('--logic <list>', 'list', 'statistics: one for every stream or one per stream (avg,min,max,...)', {
        required: true,
      }),
      f('--streams <list>', 'list', 'the streams (default: all of the joined topic)'),
      f('--conditions <text>', 'text', 'per stream, the value range computed over: humidity=55,60:temp=34,n'),
      f('--topic-id <n>', 'integer', 'a device: only records keyed with it; outputs topicid<N>_...'),
      f('--preprocess-topic <topic>', 'text', 'an existing topic the items go to (default: the topic)'),
      offset,
      f('--raw-data', 'flag', 'keep the values computed over in each item'),
      f('--fields', 'flag', 'the streams are fields of the rows {"A":1,"B":2}'),
      identifier,
    ],
    examples: ['tml analytics preprocess sensors --streams temp,humidity --logic avg,max --max-rows 100'],
  },
  {
    step: 'custom-json',
    description: 'statistics per device and subtopic of raw JSON records read through JSON criteria',
    fields: [
      f('--criteria <text>', 'text', 'uid=…,filter:…~subtopics=…~values=…~identifiers=…~datetime=…', {
        required: true,
      }),
      f('--logic <list>', 'list', 'statistics for every device and subtopic (avg,max,...)', {
        required: true,
      }),
      maxRows,
      offset,
      f('--conditions <text>', 'text', 'per subtopic, the value range computed over: Voltage=200,n'),
      f('--preprocess-topic <topic>', 'text', 'an existing topic the items go to (default: the topic)'),
      f('--raw-data', 'flag', 'keep the values computed over in each item'),
      f('--form <form>', 'text', 'streams (default), array or rows'),
      f('--wait-ms <n>', 'integer', 'wait up to n ms for the topic to hold a record'),
      f('--attributes <name=path,...>', 'text', "each device's attributes from its newest record"),
      f('--track-tmlids', 'flag', 'track every device seen in the topic tml-tmlids'),
      identifier,
    ],
    examples: [
      "tml analytics custom-json meters --criteria 'uid=metadata.dsn~subtopics=name~values=value~datetime=ts' --logic avg,max --max-rows 500",
    ],
  },
  {
    step: 'query',
    description: 'conditions on the newest values of preprocessed streams; each result 1 or 0',
    fields: [
      f('--streams <list>', 'list', 'streams inside the topic, e.g. temp_preprocessed_Avg', {
        required: true,
      }),
      f(
        '--conditions <text>',
        'text',
        "queries separated by ':', terms joined by and/or: 'A > 5 and B < 3'",
        {
          required: true,
        },
      ),
      f('--device <key>', 'text', "a device (record key): its newest values among each stream's --max-rows"),
      f('--max-rows <n>', 'integer', 'with --device/--where/--fields: values per stream searched'),
      f('--topic-id <n>', 'integer', 'a device: the streams are read as topicid<N>_<stream>'),
      f('--offset <n>', 'integer', '-1 (default): the newest values; N >= 0: the window from offset N'),
      f('--fields', 'flag', "the streams are fields of the topic's JSON rows (array rows)"),
      f('--where <cond>', 'text', "[exact], (contains), {excludes} on --where-key's field"),
      f('--where-key <path>', 'text', 'the JSON path --where searches'),
      f('--no-raw-data', 'flag', "don't write each result's input values (rawData, msgIds)"),
      f('--description <text>', 'text', "one per query, separated by ';'"),
      identifier,
      produceTo,
    ],
    examples: [
      "tml analytics query sensors --streams temp_preprocessed_Avg --conditions 'temp_preprocessed_Avg > 30'",
    ],
  },
  {
    step: 'correlate',
    description: 'Pearson, Spearman and Kendall correlations (p-values, lags) between streams',
    fields: [
      f('--streams <list>', 'list', 'topics, topic/stream or streams inside the topic (2 to 10)', {
        required: true,
      }),
      maxRows,
      f('--methods <list>', 'list', 'pearson, spearman, kendall', { default: 'pearson' }),
      f('--max-lag <n>', 'integer', 'cross-correlate at lags -n..n too'),
      f('--min-length <n>', 'integer', 'the fewest aligned values to correlate'),
      f('--threshold <x>', 'number', 'keep |coefficient| > x (0..1)'),
      f('--max-p-value <x>', 'number', 'keep p-value < x (0..1)'),
      f('--top <n>', 'integer', 'keep the strongest n (0: all)'),
      f('--device <key>', 'text', "only this device's records (record key; with --criteria, the uid)"),
      f('--where <cond>', 'text', "[exact], (contains), {excludes} on --where-key's field"),
      f('--where-key <path>', 'text', 'the JSON path --where searches'),
      f('--fields', 'flag', "the streams are fields of the topic's JSON rows"),
      f('--criteria <text>', 'text', 'raw JSON read through custom-JSON criteria; streams are subtopics'),
      f('--attributes <name=path,...>', 'text', "with --criteria: each device's attributes"),
      f('--track-tmlids', 'flag', 'with --criteria: track the devices seen in tml-tmlids'),
      f('--identifier-key <path>', 'text', "the identifier field (parts split by '~')"),
      f('--identifier-positions <list>', 'integers', 'the identifier parts (from 0) each record carries'),
      f('--raw-data', 'flag', 'write the aligned values correlated and their records'),
      f('--topic-names', 'flag', 'write the topics the two streams were read from'),
      offset,
      produceTo,
      identifier,
      description,
    ],
    examples: [
      'tml analytics correlate sensors --streams temp,humidity --methods pearson,kendall --max-rows 50',
    ],
  },
  {
    step: 'cluster',
    description: "k-means over a topic's newest records; sizes and assignments written, alerts on size",
    fields: [
      maxRows,
      f('--value-keys <list>', 'list', 'JSON paths of the numbers forming each point', { required: true }),
      f('--clusters <k>', 'integer', 'the number of clusters', { required: true }),
      f('--iterations <n>', 'integer', 'the most k-means iterations', { default: '100' }),
      f('--distance <name>', 'text', 'euclidean or squaredEuclidean', { default: 'euclidean' }),
      f('--seed <n>', 'integer', 'the seed of the initial centres'),
      f('--filter <path=value>', 'text', 'only records with this value'),
      f('--group-key <path>', 'text', 'one point per group (its newest record)'),
      f('--id-key <path>', 'text', "the point's id"),
      f('--value-condition <cond>', 'text', "'> .5', '<= 10', '= 3' on the first value"),
      f('--minimum-points <n>', 'integer', 'the fewest points to cluster'),
      f('--alert-on-cluster-size <n>', 'integer', 'alert when a cluster has more points'),
      f(
        '--alert-on-share-percent <x>',
        'number',
        'with --alert-on-cluster-size: also when a cluster holds > x% of the points',
      ),
      f('--time-key <path>', 'text', "each record's time (default: its timestamp); points in time order"),
      f('--label-key <path>', 'text', "a text naming each point's values"),
      f('--identifier-key <path>', 'text', "the identifier field the positions read (parts split by '~')"),
      f('--identifier-positions <list>', 'integers', 'identifier parts (from 0) each point carries'),
      f('--latitude-position <n>', 'integer', "the identifier part holding each point's latitude"),
      f('--longitude-position <n>', 'integer', "the identifier part holding each point's longitude"),
      f('--location-position <n>', 'integer', "the identifier part holding each point's location"),
      f('--joined-position <n>', 'integer', 'the identifier part holding more text'),
      f('--raw-data', 'flag', "write every record's values and partition:offset"),
      f('--report-title <text>', 'text', 'write a PDF report with this title'),
      f('--report-description <text>', 'text', 'write a PDF report with this analysis description'),
      f('--report-signature <text>', 'text', "the PDF report's signature"),
      f('--report-chart-title <text>', 'text', "the PDF report's chart title"),
      offset,
      alertEmails,
      mailEvery,
      produceTo,
      identifier,
      description,
    ],
    examples: ['tml analytics cluster machines --value-keys cpu,mem --clusters 3 --max-rows 1000 --seed 7'],
  },
  {
    step: 'search-anomaly',
    description: "the newest search of a topic's window against the searches before it",
    fields: [
      maxRows,
      f('--threshold <x>', 'number', 'less similar than x (0-100) is an anomaly', { required: true }),
      f('--text-key <path>', 'text', 'JSON path of the search text (default: the record is the text)'),
      f('--terms <list>', 'list', 'watched terms'),
      f('--no-flag-terms', 'flag', 'a search holding a watched term is not an anomaly'),
      f('--no-check', 'flag', 'record the similarity only, flag nothing'),
      f('--wait-ms <n>', 'integer', 'wait up to n ms for the topic to hold a search and its peer'),
      offset,
      alertEmails,
      mailEvery,
      produceTo,
      identifier,
    ],
    examples: ['tml analytics search-anomaly searches --text-key query --threshold 20 --max-rows 200'],
  },
];

export const analyticsCommand: CliCommand = {
  register(program: Command, host: CliHost) {
    const group = program
      .command('analytics')
      .description('stream steps: preprocess, custom-json, query, correlate, cluster, search-anomaly');
    for (const spec of STEPS) {
      const command = group
        .command(spec.step)
        .description(spec.description)
        .argument('<topic>', 'the topic read (its producer writes the results)')
        .option(
          '--producer-id <id>',
          "the topic's producer id (default: the local one, or the server's for an admin token)",
        );
      for (const field of spec.fields) command.addOption(optionOf(field));
      command
        .addHelpText(
          'after',
          '\nExamples:\n' + [...spec.examples, `${spec.examples[0]} --json`].map((e) => `  ${e}`).join('\n'),
        )
        .action(
          action(host, (context: CommandContext, options: StepBody, topic: string) =>
            run(context, spec.step, options, topic),
          ),
        );
    }
  },
};

async function run(
  context: CommandContext,
  step: AnalyticsStep,
  options: StepBody,
  topic: string,
): Promise<void> {
  const { producerId, ...body } = options;
  const { runStep } = await import('../analytics/run.js');
  const { formatAnswer } = await import('../analytics/format.js');
  const answer = await runStep(context, step, topic, body, producerId as string | undefined);
  if (context.json) await context.out.json(answer);
  else await context.out.write(formatAnswer(step, answer));
}
