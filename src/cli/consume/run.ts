// The work of `tml consume`: read partitions (or a group's assignment) and print the records until
// the end of the data, --max-records, or Ctrl-C with --follow.
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

/** Records asked for per fetch. */
const FETCH_RECORDS = 500;
/** A long poll waits this long before asking again; Ctrl-C interrupts it at once. */
const FOLLOW_WAIT_MS = 1000;

export async function runConsume(
  context: CommandContext,
  topic: string,
  options: ConsumeOptions,
): Promise<void> {
  const stop = new AbortController();
  const interrupt = () => {
    stop.abort();
    // A second Ctrl-C ends at once.
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  context.out.onClosed(() => stop.abort());
  const format = context.json ? jsonLine : valueLine;
  const budget = { remaining: options.maxRecords ?? Number.POSITIVE_INFINITY };
  const print = async (records: ConsumedRecord[]): Promise<number> => {
    const taken = records.length > budget.remaining ? records.slice(0, budget.remaining) : records;
    budget.remaining -= taken.length;
    let text = '';
    for (const record of taken) text += format(record);
    await context.out.write(text);
    if (budget.remaining <= 0) stop.abort();
    return taken.length;
  };
  try {
    await context.withBackbone((backbone) =>
      options.group !== undefined
        ? consumeAsGroup(backbone, topic, options, options.group, stop.signal, budget, print)
        : consumePartitions(backbone, topic, options, stop.signal, budget, print),
    );
  } finally {
    process.off('SIGINT', interrupt);
  }
}

type Print = (records: ConsumedRecord[]) => Promise<number>;

async function consumePartitions(
  backbone: Backbone,
  topic: string,
  options: ConsumeOptions,
  signal: AbortSignal,
  budget: { remaining: number },
  print: Print,
): Promise<void> {
  const description = await backbone.describeTopic(topic);
  const count = description.partitions.length;
  if (options.partition !== undefined && options.partition >= count) {
    throw new UsageError(
      `--partition ${options.partition}: topic '${topic}' has ${count} partition${count === 1 ? '' : 's'} (0..${count - 1})`,
    );
  }
  if (typeof options.offset === 'number' && options.partition === undefined && count > 1) {
    throw new UsageError(
      `--offset ${options.offset} needs --partition: topic '${topic}' has ${count} partitions`,
    );
  }
  const selected = description.partitions.filter(
    (p) => options.partition === undefined || p.partition === options.partition,
  );
  const starts = await Promise.all(
    selected.map(async (p) => {
      if (options.fromTimestamp !== undefined) {
        return backbone.offsetForTimestamp(topic, p.partition, options.fromTimestamp);
      }
      if (options.offset === 'latest') return p.latestOffset;
      if (typeof options.offset === 'number') return options.offset;
      return p.earliestOffset;
    }),
  );

  const readPartition = async (partition: number, offset: number) => {
    while (!signal.aborted && budget.remaining > 0) {
      let records: ConsumedRecord[];
      try {
        ({ records } = await backbone.fetch({
          topic,
          partition,
          offset,
          maxRecords: Math.min(FETCH_RECORDS, budget.remaining),
          maxWaitMs: options.follow ? FOLLOW_WAIT_MS : 0,
          signal,
        }));
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (records.length === 0) {
        if (options.follow) continue;
        return;
      }
      const printed = await print(records);
      // Fewer printed than fetched: --max-records is reached (perhaps by another partition meanwhile).
      if (printed < records.length) return;
      offset = records[printed - 1].offset + 1;
    }
  };

  if (options.follow) {
    // Every partition waits for its own records at the same time.
    await Promise.all(selected.map((p, i) => readPartition(p.partition, starts[i])));
  } else {
    for (let i = 0; i < selected.length && !signal.aborted; i++)
      await readPartition(selected[i].partition, starts[i]);
  }
}

async function consumeAsGroup(
  backbone: Backbone,
  topic: string,
  options: ConsumeOptions,
  groupId: string,
  signal: AbortSignal,
  budget: { remaining: number },
  print: Print,
): Promise<void> {
  await backbone.describeTopic(topic); // an unknown topic fails here, before joining
  const consumer = await backbone.consumer({
    groupId,
    topics: [topic],
    autoOffsetReset: options.offset === 'latest' ? 'latest' : 'earliest',
    clientId: 'tml-cli',
  });
  try {
    while (!signal.aborted && budget.remaining > 0) {
      let records: ConsumedRecord[];
      try {
        // Never more than the budget: the positions then match what is printed, and so do the commits.
        records = await consumer.poll({
          maxRecords: Math.min(FETCH_RECORDS, budget.remaining),
          maxWaitMs: options.follow ? FOLLOW_WAIT_MS : 0,
          signal,
        });
      } catch (error) {
        if (signal.aborted) break;
        throw error;
      }
      if (records.length === 0) {
        if (options.follow) continue;
        break;
      }
      await print(records);
      await consumer.commit();
    }
  } finally {
    await consumer.close();
  }
}

function text(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}

function valueLine(record: ConsumedRecord): string {
  return (text(record.value) ?? 'null') + '\n';
}

function jsonLine(record: ConsumedRecord): string {
  const headers: Record<string, string> = {};
  for (const name in record.headers) headers[name] = record.headers[name].toString('utf8');
  return (
    JSON.stringify({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: text(record.key),
      value: text(record.value),
      headers,
    }) + '\n'
  );
}
