// The preprocess step: a statistic over each stream's latest window (roll back maxRows offsets, or
// read from an offset), computed by src/automl computeSampleStatistics over numbers and text, written
// as one record per stream, all in one append into one topic. Each record is a stream of its own,
// `<stream>_preprocessed_<Type>` inside that topic (src/streams/stream-address.ts, docs/preprocessing.md).
import {
  computeSampleStatistics,
  computeStatistics,
  EmptyWindowError,
  InvalidInputError,
  type SampleValue,
  type StatisticValue,
} from '../../automl/index.js';
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import { sampleValue } from '../values.js';
import { latestRecords } from '../window.js';
import { parseStreamAddress, STREAM_HEADER, VALUE_HEADER, valueBytes } from '../stream-address.js';
import { parseConditions, type ValueRange } from './conditions.js';

export interface PreprocessInput {
  /** Where the statistics are written. */
  topic: string;
  streams: string[];
  /** The window: each stream's newest `maxRows` records. */
  maxRows: number;
  /** One statistic for every stream, or one per stream in order. */
  logic: string[];
  /** A label the caller gives the run, kept in every record. */
  identifier?: string;
  /** A device: only its records (record key, or `topicid` header) are read; outputs are prefixed `topicid<N>_` (-1: none). */
  topicId?: number;
  /** Per stream, the range of values to compute over (`humidity=55,60:temperature=34,n`). */
  conditions?: string;
  /** The topic the records are written to (default: `topic`). */
  preprocessTopic?: string;
  /** Read each stream from this offset on (per partition) instead of its newest maxRows records; -1: newest. */
  offset?: number;
  /** Keep the window's values and record ids in each record. */
  rawData?: boolean;
  /**
   * The streams are fields of `topic`'s records (rows `{"A":1,"B":2}`, VIPER's array=1): each
   * stream's window is the topic's window, its values the field's (records without it left out).
   */
  fields?: boolean;
  /** Write one record holding all items as a JSON array (VIPER's saveasarray) instead of streams. */
  asArray?: boolean;
  /** The form written (writeStatistics); default `streams`, or `array` with asArray. */
  form?: StatisticsForm;
  /** Clock of DATAAGE, for tests. */
  now?: number;
}

export interface StatisticRecord {
  topic: string;
  stream: string;
  /** The statistic's name as computed (e.g. `avg`, `trend`). */
  statistic: string;
  /** The preprocessed stream's name, `[topicid<N>_]<stream>_preprocessed_<Type>`. */
  name: string;
  /** Null when the statistic is undefined on this window; text for RAW of text and MEANCI. */
  value: StatisticValue;
  windowStart: number;
  windowEnd: number;
  /** Values in the window. */
  count: number;
  identifier: string;
  topicId: number;
  /** The condition applied to this stream's values ('' for none). */
  conditions: string;
  /** With rawData: the values computed over, and each one's record as `partition:offset`. */
  rawData?: SampleValue[];
  msgIds?: string[];
  /** The device the values came from (custom JSON's uid): the output record's key. */
  device?: string;
  /** Custom JSON with attributes: the device's (TMLID's) attributes from its newest record. */
  attributes?: Record<string, string>;
  /** The subtopic's display name (custom JSON's identifiers). */
  label?: string;
  createdAt: Date;
}

export interface WrittenStatistic extends StatisticRecord {
  shaped: unknown;
  partition: number;
  offset: number;
}

export function checkPreprocessInput(input: Pick<PreprocessInput, 'maxRows' | 'logic'>): void {
  if (input.maxRows < 1) throw new StepInputError('maxRows', `must be >= 1, got ${input.maxRows}`);
  if (input.logic.length === 0) throw new StepInputError('logic', 'is required');
}

/**
 * Statistics of one window's values, by name (null where undefined on the window): the pure part
 * of the step, shared by the one-shot call and a solution's promotion. Unknown names name `logic`.
 */
export function windowStatistics(
  values: Float64Array,
  logic: readonly string[],
): Record<string, StatisticValue> {
  try {
    return computeStatistics([...logic], values, { nonFinite: 'drop' }).values;
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError('logic', error.message);
    throw error;
  }
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

/** `[topicid<N>_]<stream>_preprocessed_<Type>`: the name of a preprocessed stream. */
export function preprocessedStreamName(stream: string, statistic: string, topicId = -1): string {
  return `${topicId >= 0 ? `topicid${topicId}_` : ''}${stream}_preprocessed_${title(statistic)}`;
}

/** A record's device: its record key, or the `topicid` header producetotopic writes with a device id. */
function deviceOf(record: ConsumedRecord): string | undefined {
  return record.headers.topicid?.toString('utf8') ?? record.key?.toString('utf8');
}

/** A stream's own name: the topic, or the named stream inside it. */
function nameOf(stream: string): string {
  const address = parseStreamAddress(stream);
  return address.stream ?? address.topic;
}

interface StreamSample {
  values: SampleValue[];
  timestamps: number[];
  msgIds: string[];
}

/** The values of a window's records (a device's only, with topicId), inside the stream's condition. */
function sampleOf(
  records: readonly ConsumedRecord[],
  stream: string,
  topicId: number,
  range: ValueRange | undefined,
  field: string | undefined,
): StreamSample {
  const out: StreamSample = { values: [], timestamps: [], msgIds: [] };
  const address = field === undefined ? parseStreamAddress(stream) : { topic: stream };
  for (const record of records) {
    if (topicId >= 0 && deviceOf(record) !== String(topicId)) continue;
    const v = sampleValue(valueBytes(record, address), field);
    if (v === undefined) continue;
    if (range !== undefined) {
      if (typeof v !== 'number') {
        throw new StepInputError(
          'conditions',
          `'${range.text}' needs numbers, but stream '${stream}' holds '${v}' at offset ${record.offset}`,
        );
      }
      if (v < range.min || v > range.max) continue;
    }
    out.values.push(v);
    out.timestamps.push(record.timestamp);
    out.msgIds.push(`${record.partition}:${record.offset}`);
  }
  return out;
}

function statisticOf(
  type: string,
  sample: StreamSample,
  stream: string,
  input: PreprocessInput,
): [string, StatisticValue] {
  try {
    const values = computeSampleStatistics([type], sample, { now: input.now });
    return Object.entries(values)[0];
  } catch (error) {
    if (error instanceof EmptyWindowError) {
      const where = input.conditions
        ? "inside 'conditions'"
        : `in its window (maxRows ${input.maxRows}${input.topicId !== undefined && input.topicId >= 0 ? `, key ${input.topicId}` : ''})`;
      throw new StepInputError(
        input.conditions ? 'conditions' : 'maxRows',
        `leaves stream '${stream}' no value ${where}`,
      );
    }
    if (error instanceof InvalidInputError)
      throw new StepInputError('logic', `stream '${stream}': ${error.message}`);
    throw error;
  }
}

export async function preprocessStreams(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: PreprocessInput,
  call: CallDetails = {},
): Promise<WrittenStatistic[]> {
  checkPreprocessInput(input);
  const { streams } = input;
  if (input.logic.length !== 1 && input.logic.length !== streams.length) {
    throw new StepInputError(
      'logic',
      `has ${input.logic.length} entries for ${streams.length} streams (${streams.join(', ')}): give one, or one per stream`,
    );
  }
  const offset = input.offset ?? -1;
  if (!Number.isInteger(offset) || offset < -1) {
    throw new StepInputError(
      'offset',
      `must be -1 (the newest maxRows records) or an offset >= 0, got ${offset}`,
    );
  }
  const ranges = parseConditions(input.conditions ?? '', streams);
  const topicId = input.topicId ?? -1;
  const createdAt = new Date();
  const records: StatisticRecord[] = [];
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i];
    const type = input.logic.length === 1 ? input.logic[0] : input.logic[i];
    const window = await latestRecords(
      services.backbone,
      input.fields ? input.topic : stream,
      offset === -1 ? { lastOffsets: input.maxRows } : { fromOffset: offset, lastOffsets: input.maxRows },
    );
    const field = input.fields ? stream : undefined;
    const sample = sampleOf(window.records, stream, topicId, ranges.get(stream), field);
    const [statistic, value] = statisticOf(type, sample, stream, input);
    records.push({
      topic: input.topic,
      stream,
      name: preprocessedStreamName(nameOf(stream), statistic, topicId),
      statistic,
      value: typeof value === 'number' ? Number(value.toFixed(6)) : value,
      windowStart: sample.timestamps[0],
      windowEnd: sample.timestamps[sample.timestamps.length - 1],
      count: sample.values.length,
      identifier: input.identifier ?? '',
      topicId,
      conditions: ranges.get(stream)?.text ?? '',
      ...(input.rawData ? { rawData: sample.values, msgIds: sample.msgIds } : {}),
      createdAt,
    });
  }
  return writeStatistics(
    services,
    input.preprocessTopic ?? input.topic,
    records,
    call,
    input.form ?? (input.asArray ? 'array' : 'streams'),
  );
}

/** How statistic records are written (see writeStatistics). */
export type StatisticsForm = 'streams' | 'array' | 'rows';

/**
 * Writes statistic records to `topic` in one append, keyed by device (or a fresh key), in one form:
 * `streams` — one record per statistic, each the named stream `record.name` (its value in
 * VALUE_HEADER); `array` (VIPER's saveasarray) — one record per device holding its items as a JSON
 * array; `rows` — one record per device `{<name>: value, ...}`, a row a solution's input reads by field.
 */
export async function writeStatistics(
  services: { backbone: Backbone; shapers: RecordShapers },
  topic: string,
  records: readonly StatisticRecord[],
  call: CallDetails,
  form: StatisticsForm = 'streams',
): Promise<WrittenStatistic[]> {
  const runKey = recordKey();
  const keys = records.map((r) => r.device ?? (form === 'streams' ? recordKey() : runKey));
  const shaped = records.map((r, i) => services.shapers.statistic(r, call, keys[i]));
  if (form !== 'streams') {
    const byKey = new Map<string, number[]>();
    keys.forEach((k, i) => byKey.set(k, [...(byKey.get(k) ?? []), i]));
    const groups = [...byKey.values()];
    const value = (members: number[]) =>
      form === 'array'
        ? members.map((i) => shaped[i])
        : Object.fromEntries(members.map((i) => [records[i].name, records[i].value]));
    const written = await services.backbone.produce(
      topic,
      groups.map((members) => ({ key: keys[members[0]], value: JSON.stringify(value(members)) })),
    );
    const at = new Map<number, { partition: number; offset: number }>();
    groups.forEach((members, g) => members.forEach((i) => at.set(i, written[g])));
    return records.map((r, i) => ({ ...r, shaped: shaped[i], ...at.get(i)! }));
  }
  const written = await services.backbone.produce(
    topic,
    shaped.map((value, i) => ({
      key: keys[i],
      value: JSON.stringify(value),
      headers: {
        [STREAM_HEADER]: Buffer.from(records[i].name),
        ...(records[i].value === null ? {} : { [VALUE_HEADER]: Buffer.from(String(records[i].value)) }),
      },
    })),
  );
  return records.map((r, i) => ({
    ...r,
    shaped: shaped[i],
    partition: written[i].partition,
    offset: written[i].offset,
  }));
}
