// The work of `tml consume`: print records (from the local backbone or a server, see ../ops) until
// the end of the data, --max-records, or Ctrl-C with --follow.
import type { Bytes } from '../../backbone/types.js';
import type { ConsumeOptions } from '../commands/consume.js';
import type { CommandContext } from '../context.js';
import type { PrintableRecord, RecordSink } from '../ops/types.js';

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
  let remaining = options.maxRecords ?? Number.POSITIVE_INFINITY;
  const sink: RecordSink = {
    signal: stop.signal,
    remaining: () => remaining,
    async print(records) {
      const taken = records.length > remaining ? records.slice(0, remaining) : records;
      remaining -= taken.length;
      let text = '';
      for (const record of taken) text += format(record);
      await context.out.write(text);
      if (remaining <= 0) stop.abort();
      return taken.length;
    },
  };
  try {
    await context.withTopicOps((ops) => ops.consume(topic, options, sink));
  } finally {
    process.off('SIGINT', interrupt);
  }
}

function text(bytes: Bytes | null): string | null {
  if (bytes === null) return null;
  return typeof bytes === 'string' ? bytes : bytes.toString('utf8');
}

function valueLine(record: PrintableRecord): string {
  return (text(record.value) ?? 'null') + '\n';
}

function jsonLine(record: PrintableRecord): string {
  const headers: Record<string, string> = {};
  for (const name in record.headers) headers[name] = text(record.headers[name]) ?? '';
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
