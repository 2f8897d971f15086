// Where `tml produce` gets its records: command-line values, lines of text, JSON lines or CSV, from
// stdin or a file. Files are streamed chunk by chunk (never read whole), and every source hands
// over records in small arrays so that millions of lines cost little more than the appends.
import { createReadStream, type ReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { ProducerRecord } from '../../backbone/types.js';
import { InputError } from '../errors.js';

export type InputFormat = 'lines' | 'jsonl' | 'csv';

export interface RecordDefaults {
  /** Key of every record that does not carry its own. */
  key?: string;
  /** Partition of every record that does not carry its own. */
  partition?: number;
}

export interface CsvOptions {
  keyColumn?: string;
  valueColumn?: string;
  delimiter?: string;
}

export interface RecordSource {
  /** How messages name the input: `stdin`, `arguments` or the file's path. */
  readonly name: string;
  /** The size of the input when known (a file), for the progress bar. */
  readonly totalBytes?: number;
  bytesRead(): number;
  /** Records in arrays of any size; a malformed line ends the iteration with an InputError. */
  chunks(): AsyncIterable<ProducerRecord[]>;
}

function withDefaults(record: ProducerRecord, defaults: RecordDefaults): ProducerRecord {
  if (defaults.key !== undefined && record.key === undefined) record.key = defaults.key;
  if (defaults.partition !== undefined && record.partition === undefined)
    record.partition = defaults.partition;
  return record;
}

/** Values given on the command line. */
export function argumentSource(values: string[], defaults: RecordDefaults): RecordSource {
  return {
    name: 'arguments',
    bytesRead: () => 0,
    async *chunks() {
      yield values.map((value) => withDefaults({ value }, defaults));
    },
  };
}

export interface StreamInput {
  name: string;
  stream: NodeJS.ReadableStream;
  totalBytes?: number;
}

export function fileInput(path: string, size: number): StreamInput {
  // 1 MiB reads: fewer, larger chunks for multi-million-line files.
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return { name: path, stream, totalBytes: size };
}

export function streamSource(
  input: StreamInput,
  format: InputFormat,
  defaults: RecordDefaults,
  options: { records?: boolean; csv?: CsvOptions },
): RecordSource {
  const counter = { bytes: 0 };
  const bytesRead = () => (input.stream as ReadStream).bytesRead ?? counter.bytes;
  const base = { name: input.name, totalBytes: input.totalBytes, bytesRead };
  if (format === 'csv') {
    return { ...base, chunks: () => csvRecords(input, defaults, options.csv ?? {}) };
  }
  const convert =
    format === 'lines' ? lineValue : options.records ? (text: string) => jsonRecord(text) : jsonValue;
  return {
    ...base,
    async *chunks() {
      for await (const { firstLine, lines } of lineChunks(input.stream, counter)) {
        const out: ProducerRecord[] = [];
        for (let i = 0; i < lines.length; i++) {
          const text = lines[i];
          if (text.length === 0 || (format !== 'lines' && text.trim().length === 0)) continue;
          let record: ProducerRecord;
          try {
            record = convert(text);
          } catch (error) {
            // Hand over what came before the bad line, then stop.
            yield out;
            throw new InputError(`${input.name} line ${firstLine + i}: ${(error as Error).message}`, {
              cause: error,
            });
          }
          out.push(withDefaults(record, defaults));
        }
        yield out;
      }
    },
  };
}

/** Splits a byte stream into lines (`\n` or `\r\n`), in arrays, numbering lines from 1. */
export async function* lineChunks(
  stream: NodeJS.ReadableStream,
  counter: { bytes: number },
): AsyncGenerator<{ firstLine: number; lines: string[] }> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let nextLine = 1;
  let first = true;
  const emit = (text: string) => {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    const chunk = { firstLine: nextLine, lines };
    nextLine += lines.length;
    return chunk;
  };
  for await (const piece of stream) {
    const buffer = typeof piece === 'string' ? Buffer.from(piece) : (piece as Buffer);
    counter.bytes += buffer.length;
    let text = rest + decoder.write(buffer);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
      first = false;
    }
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      rest = text;
      continue;
    }
    rest = text.slice(end + 1);
    yield emit(text.slice(0, end));
  }
  const last = rest + decoder.end();
  if (last.length > 0) yield emit(last);
}

function lineValue(text: string): ProducerRecord {
  return { value: text };
}

/** A JSON line stored as it is, once checked to be JSON. */
function jsonValue(text: string): ProducerRecord {
  try {
    JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return { value: text.trim() };
}

const RECORD_FIELDS = new Set(['key', 'value', 'headers', 'partition', 'timestamp']);

/** `{"key", "value", "headers", "partition", "timestamp"}`: one record with its own fields. */
export function jsonRecord(text: string): ProducerRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(
      'with --records each line must be a JSON object {"key", "value", "headers", "partition", "timestamp"}',
    );
  }
  const fields = parsed as Record<string, unknown>;
  for (const field of Object.keys(fields)) {
    if (!RECORD_FIELDS.has(field)) {
      throw new Error(`unknown field '${field}' (a record has key, value, headers, partition, timestamp)`);
    }
  }
  if (!('value' in fields)) throw new Error("the record has no 'value' (use null for a tombstone)");
  const record: ProducerRecord = { value: fields.value === null ? null : asText(fields.value) };
  if (fields.key !== undefined && fields.key !== null) record.key = asText(fields.key);
  if (fields.headers !== undefined && fields.headers !== null) {
    if (typeof fields.headers !== 'object' || Array.isArray(fields.headers)) {
      throw new Error("'headers' must be an object of names to values");
    }
    record.headers = Object.fromEntries(
      Object.entries(fields.headers as Record<string, unknown>).map(([name, value]) => [name, asText(value)]),
    );
  }
  if (fields.partition !== undefined && fields.partition !== null) {
    if (!Number.isInteger(fields.partition) || (fields.partition as number) < 0) {
      throw new Error(`'partition' must be an integer >= 0, got ${JSON.stringify(fields.partition)}`);
    }
    record.partition = fields.partition as number;
  }
  if (fields.timestamp !== undefined && fields.timestamp !== null) {
    record.timestamp = timestampOf(fields.timestamp);
  }
  return record;
}

/** Strings are taken as they are; any other JSON value as its JSON text. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function timestampOf(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new Error(
    `'timestamp' must be milliseconds since the epoch or an ISO 8601 date-time, got ${JSON.stringify(value)}`,
  );
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A CSV cell as JSON: numbers written plainly become numbers ("007" and "" stay strings). */
function csvCell(text: string): string | number {
  if (NUMBER.test(text)) {
    const number = Number(text);
    if (Number.isFinite(number)) return number;
  }
  return text;
}

/** CSV with a header row; each row becomes one record (a column's text, or the whole row as JSON). */
async function* csvRecords(
  input: StreamInput,
  defaults: RecordDefaults,
  options: CsvOptions,
): AsyncGenerator<ProducerRecord[]> {
  const { parse } = await import('csv-parse');
  const { keyColumn, valueColumn } = options;
  const parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ',',
    skip_empty_lines: true,
    skip_records_with_error: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.trim());
      for (const [option, column] of [
        ['--key-column', keyColumn],
        ['--value-column', valueColumn],
      ] as const) {
        if (column !== undefined && !names.includes(column)) {
          throw new InputError(
            `${input.name} has no column '${column}' (${option}); its columns are: ${names.join(', ')}`,
          );
        }
      }
      return names;
    },
  });
  // A malformed row is skipped by the parser and noted here; the rows parsed before it are still
  // handed over (a parser error would discard them with the stream's buffer), then the error is raised.
  let failure: { error: Error; rowsBefore: number } | undefined;
  parser.on('skip', (error: Error) => {
    failure ??= { error, rowsBefore: parser.info.records };
  });
  input.stream.on('error', (error) => parser.destroy(error));
  input.stream.pipe(parser);
  let out: ProducerRecord[] = [];
  let rows = 0;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      if (failure !== undefined && rows >= failure.rowsBefore) break;
      rows++;
      let value: string;
      if (valueColumn !== undefined) {
        value = row[valueColumn];
      } else {
        const object: Record<string, string | number> = {};
        for (const name in row) object[name] = csvCell(row[name]);
        value = JSON.stringify(object);
      }
      const record: ProducerRecord = { value };
      if (keyColumn !== undefined) record.key = row[keyColumn];
      out.push(withDefaults(record, defaults));
      if (out.length >= 1000) {
        yield out;
        out = [];
      }
    }
  } catch (error) {
    yield out;
    if (error instanceof InputError) throw error;
    throw new InputError(`${input.name}: ${(error as Error).message}`, { cause: error });
  }
  yield out;
  if (failure !== undefined) {
    throw new InputError(`${input.name}: ${failure.error.message}`, { cause: failure.error });
  }
}
