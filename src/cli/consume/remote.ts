// `tml consume` through a tml server: subscribe a consumer id, poll it partition by partition (each
// poll continues where the previous one ended), and with --follow keep polling at an interval (the
// /v1 poll does not wait for records). --group reads as a registered consumer group of that name.
import type { TmlClient } from '../../client/index.js';
import type { ConsumeOptions } from '../commands/consume.js';
import { UsageError } from '../errors.js';
import { notOverServer } from '../remote/unsupported.js';
import { partitionRangeText, type RecordSink } from '../ops/types.js';

/** The most records one poll returns (the server's limit). */
const POLL_RECORDS = 1000;
/** How often --follow asks again when there was nothing new. */
export const FOLLOW_INTERVAL_MS = 500;
/** Poll positions: -1 continues from the consumer id's (or group's) committed position. */
const CONTINUE = -1;

export async function consumeRemote(
  client: TmlClient,
  topic: string,
  options: ConsumeOptions,
  sink: RecordSink,
  partitionCount: () => Promise<number>,
): Promise<void> {
  if (options.fromTimestamp !== undefined) {
    throw notOverServer('--from-timestamp', "the server's /v1 API cannot look up an offset by time");
  }
  if (options.group !== undefined && options.offset === 'latest') {
    throw notOverServer(
      '--group with --offset latest',
      "the server's /v1 API starts a group without committed offsets at the earliest offset",
    );
  }
  const count = await partitionCount(); // an unknown topic fails here, before subscribing
  if (options.partition !== undefined && options.partition >= count) {
    throw new UsageError(`--partition ${options.partition}: ${partitionRangeText(topic, count)}`);
  }
  if (typeof options.offset === 'number' && options.partition === undefined && count > 1) {
    throw new UsageError(
      `--offset ${options.offset} needs --partition: topic '${topic}' has ${count} partitions`,
    );
  }
  const { consumerId } = await client.subscribe(topic, { description: 'tml consume' });
  try {
    if (options.group !== undefined) {
      const { groupId } = await client.createGroup({ groupName: options.group, topics: [topic] });
      await pollUntilEnd(sink, options.follow === true, (maxRecords) =>
        client.groupConsume(groupId, { topic, consumerId, offset: CONTINUE, maxRecords }),
      );
      return;
    }
    // Partition by partition, as locally: a poll over every partition would leave the partitions it
    // did not reach without a position, and the next poll would start those at their end.
    const start =
      options.offset === 'latest' ? CONTINUE : typeof options.offset === 'number' ? options.offset : 0;
    const partitions =
      options.partition !== undefined ? [options.partition] : Array.from({ length: count }, (_, i) => i);
    for (const partition of partitions) {
      let offset = start;
      await pollUntilEnd(sink, false, async (maxRecords) => {
        const answer = await client.consume(consumerId, { partition, offset, maxRecords });
        offset = CONTINUE;
        return answer;
      });
    }
    if (options.follow) {
      // Every partition now has a position: one poll covers them all.
      const partition = options.partition ?? -1;
      await pollUntilEnd(sink, true, (maxRecords) =>
        client.consume(consumerId, { partition, offset: CONTINUE, maxRecords }),
      );
    }
  } finally {
    // The consumer id was only for this run.
    await client.unsubscribe(consumerId).catch(() => undefined);
  }
}

async function pollUntilEnd(
  sink: RecordSink,
  follow: boolean,
  poll: (maxRecords: number) => Promise<{ records: Parameters<RecordSink['print']>[0] }>,
): Promise<void> {
  while (!sink.signal.aborted && sink.remaining() > 0) {
    const { records } = await poll(Math.min(POLL_RECORDS, sink.remaining()));
    if (records.length === 0) {
      if (!follow) return;
      await pause(FOLLOW_INTERVAL_MS, sink.signal);
      continue;
    }
    const printed = await sink.print(records);
    if (printed < records.length) return;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
