// The work of `tml produce`: pick the input, append it in batches, show progress, print a summary.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ProducerRecord } from '../../backbone/types.js';
import type { CommandContext } from '../context.js';
import type { AppendResult, Appender } from '../ops/types.js';
import { InputError, messageFor, UsageError } from '../errors.js';
import { formatCount, formatDuration } from '../output.js';
import type { ProduceOptions } from '../commands/produce.js';
import { argumentSource, fileInput, streamSource, type InputFormat, type RecordSource } from './sources.js';

/** Files at least this large get a progress bar (when stderr is a terminal). */
const PROGRESS_MIN_BYTES = 1 << 20;

function formatFromPath(path: string): InputFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv' || extension === '.tsv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  return 'lines';
}

/** Checks the options against each other and opens the input (before the backbone is touched). */
export async function openSource(
  context: CommandContext,
  options: ProduceOptions,
  values: string[],
): Promise<RecordSource> {
  const defaults = { key: options.key, partition: options.partition };
  const fromStdin = values.length === 1 && values[0] === '-';
  if (values.length > 0 && !fromStdin) {
    if (options.file !== undefined) throw new UsageError('give values as arguments or --file, not both');
    if (options.format !== undefined || options.records) {
      throw new UsageError(
        '--format and --records apply to --file and stdin, not to values given as arguments',
      );
    }
    rejectCsvOptions(options, 'values given as arguments');
    return argumentSource(values, defaults);
  }

  let input;
  let format: InputFormat;
  if (options.file !== undefined) {
    if (fromStdin) throw new UsageError("give '-' (stdin) or --file, not both");
    const size = await fileSize(options.file);
    input = fileInput(options.file, size);
    format = options.format ?? (options.records ? 'jsonl' : formatFromPath(options.file));
  } else if (fromStdin || !context.host.stdin.isTTY) {
    input = { name: 'stdin', stream: context.host.stdin };
    format = options.format ?? (options.records ? 'jsonl' : 'lines');
  } else {
    throw new UsageError(
      'nothing to produce: give values as arguments, pipe lines into stdin, or use --file <path>',
    );
  }
  if (options.records && format !== 'jsonl')
    throw new UsageError(`--records needs JSON lines, not --format ${format}`);
  if (format !== 'csv') rejectCsvOptions(options, `--format ${format}`);
  if (format === 'csv' && options.key !== undefined && options.keyColumn !== undefined) {
    throw new UsageError('give --key or --key-column, not both');
  }
  return streamSource(input, format, defaults, {
    records: options.records,
    csv: {
      keyColumn: options.keyColumn,
      valueColumn: options.valueColumn,
      delimiter:
        options.delimiter ?? (options.file && extname(options.file).toLowerCase() === '.tsv' ? '\t' : ','),
    },
  });
}

function rejectCsvOptions(options: ProduceOptions, what: string): void {
  for (const [name, value] of [
    ['--key-column', options.keyColumn],
    ['--value-column', options.valueColumn],
    ['--delimiter', options.delimiter],
  ] as const) {
    if (value !== undefined) throw new UsageError(`${name} applies to CSV input, not to ${what}`);
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`--file ${path} is not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`--file ${path}: no such file`);
    if (code === 'EACCES') throw new UsageError(`--file ${path}: permission denied`);
    throw new UsageError(`--file ${path}: ${(error as Error).message}`);
  }
}

/** First and last offset appended to each partition. */
class Tally {
  records = 0;
  readonly partitions = new Map<number, { first: number; last: number }>();

  add(result: AppendResult): void {
    this.records += result.records;
    for (const { partition, firstOffset, lastOffset } of result.partitions) {
      const range = this.partitions.get(partition);
      if (range === undefined) this.partitions.set(partition, { first: firstOffset, last: lastOffset });
      else {
        if (firstOffset < range.first) range.first = firstOffset;
        if (lastOffset > range.last) range.last = lastOffset;
      }
    }
  }

  sorted(): Array<{ partition: number; firstOffset: number; lastOffset: number }> {
    return [...this.partitions.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, range]) => ({ partition, firstOffset: range.first, lastOffset: range.last }));
  }
}

interface Progress {
  update(bytes: number, records: number): void;
  stop(): void;
}

async function progressBar(
  context: CommandContext,
  source: RecordSource,
  enabled: boolean,
): Promise<Progress | null> {
  const total = source.totalBytes;
  if (!enabled || !context.host.stderr.isTTY || total === undefined || total < PROGRESS_MIN_BYTES)
    return null;
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    {
      stream: context.host.stderr,
      format: '{bar} {percentage}% | {records} records | {rate} records/s | {left} left',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    progress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { records: '0', rate: '0', left: '-' });
  return {
    update(bytes, records) {
      const seconds = (performance.now() - started) / 1000;
      const done = Math.min(bytes, total);
      // The time left, from the bytes read so far (cli-progress' own ETA shows "NF" for fast bars).
      const left = done > 0 && seconds > 0 ? ((total - done) * seconds) / done : Number.NaN;
      bar.update(done, {
        records: formatCount(records),
        rate: formatCount(seconds > 0 ? records / seconds : 0),
        left: Number.isFinite(left) ? formatDuration(left) : '-',
      });
    },
    stop: () => bar.stop(),
  };
}

export async function runProduce(
  context: CommandContext,
  topic: string,
  source: RecordSource,
  options: ProduceOptions,
): Promise<void> {
  await context.withTopicOps(async (ops) => {
    // Fails on an unknown topic or partition (or an option the target cannot honour) before any
    // input is read.
    const appender = await ops.openAppender(topic, options);
    const tally = new Tally();
    const progress = await progressBar(context, source, options.progress);
    const started = performance.now();
    try {
      await appendAll(appender, source, options.batchSize, tally, progress);
    } catch (error) {
      progress?.stop();
      if (error instanceof InputError) {
        throw new InputError(
          `${error.message}; ${formatCount(tally.records)} record${tally.records === 1 ? '' : 's'} before it ` +
            `${tally.records === 1 ? 'was' : 'were'} appended to '${topic}'`,
          { cause: error },
        );
      }
      if (tally.records > 0) {
        // Say what the earlier batches of this run stored; the exit code stays 1 (a failure while running).
        throw new Error(
          `${messageFor(error)}; ${formatCount(tally.records)} record${tally.records === 1 ? '' : 's'} of this run ` +
            `${tally.records === 1 ? 'was' : 'were'} appended before it`,
          { cause: error },
        );
      }
      throw error;
    }
    progress?.stop();
    const seconds = (performance.now() - started) / 1000;
    await printSummary(context, topic, tally, seconds);
  });
}

async function appendAll(
  appender: Appender,
  source: RecordSource,
  batchSize: number,
  tally: Tally,
  progress: Progress | null,
): Promise<void> {
  let batch: ProducerRecord[] = [];
  const send = async () => {
    const records = batch;
    batch = [];
    tally.add(await appender.append(records));
    progress?.update(source.bytesRead(), tally.records);
  };
  try {
    for await (const chunk of source.chunks()) {
      for (const record of chunk) {
        batch.push(record);
        if (batch.length >= batchSize) await send();
      }
    }
  } catch (error) {
    // A malformed line: what came before it is appended, as if the input had ended there.
    if (error instanceof InputError && batch.length > 0) await send();
    throw error;
  }
  if (batch.length > 0) await send();
}

async function printSummary(
  context: CommandContext,
  topic: string,
  tally: Tally,
  seconds: number,
): Promise<void> {
  const partitions = tally.sorted();
  const rate = seconds > 0 ? tally.records / seconds : 0;
  if (context.json) {
    await context.out.json({
      topic,
      records: tally.records,
      partitions,
      seconds: Number(seconds.toFixed(3)),
      recordsPerSecond: Math.round(rate),
    });
    return;
  }
  const where = partitions
    .map((p) =>
      p.firstOffset === p.lastOffset
        ? `partition ${p.partition} offset ${p.firstOffset}`
        : `partition ${p.partition} offsets ${p.firstOffset}..${p.lastOffset}`,
    )
    .join(', ');
  const plural = tally.records === 1 ? '' : 's';
  await context.out.line(
    `produced ${formatCount(tally.records)} record${plural} to '${topic}'` +
      (where ? ` (${where})` : '') +
      ` in ${formatDuration(seconds)}, ${formatCount(rate)} records/s`,
  );
}
