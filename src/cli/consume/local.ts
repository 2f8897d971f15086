// `tml consume` on the local backbone: fetch partitions from offsets or timestamps, or poll as a
// member of a consumer group; --follow long-polls every partition at once.
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';
import type { ConsumeOptions } from '../commands/consume.js';
import { UsageError } from '../errors.js';
import { partitionRangeText, type RecordSink } from '../ops/types.js';

/** Records asked for per fetch. */
const FETCH_RECORDS = 500;
/** A long poll waits this long before asking again; Ctrl-C interrupts it at once. */
const FOLLOW_WAIT_MS = 1000;

export function consumeLocal(
  backbone: Backbone,
  topic: string,
  options: ConsumeOptions,
  sink: RecordSink,
): Promise<void> {
  return options.group !== undefined
    ? consumeAsGroup(backbone, topic, options, options.group, sink)
    : consumePartitions(backbone, topic, options, sink);
}

async function consumePartitions(
  backbone: Backbone,
  topic: string,
  options: ConsumeOptions,
  sink: RecordSink,
): Promise<void> {
  const { signal } = sink;
  const description = await backbone.describeTopic(topic);
  const count = description.partitions.length;
  if (options.partition !== undefined && options.partition >= count) {
    throw new UsageError(`--partition ${options.partition}: ${partitionRangeText(topic, count)}`);
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
    while (!signal.aborted && sink.remaining() > 0) {
      let records: ConsumedRecord[];
      try {
        ({ records } = await backbone.fetch({
          topic,
          partition,
          offset,
          maxRecords: Math.min(FETCH_RECORDS, sink.remaining()),
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
      const printed = await sink.print(records);
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
  sink: RecordSink,
): Promise<void> {
  const { signal } = sink;
  await backbone.describeTopic(topic); // an unknown topic fails here, before joining
  const consumer = await backbone.consumer({
    groupId,
    topics: [topic],
    autoOffsetReset: options.offset === 'latest' ? 'latest' : 'earliest',
    clientId: 'tml-cli',
  });
  try {
    while (!signal.aborted && sink.remaining() > 0) {
      let records: ConsumedRecord[];
      try {
        // Never more than the budget: the positions then match what is printed, and so do the commits.
        records = await consumer.poll({
          maxRecords: Math.min(FETCH_RECORDS, sink.remaining()),
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
      await sink.print(records);
      await consumer.commit();
    }
  } finally {
    await consumer.close();
  }
}
