// The stream-query step (VIPER's streamquery): conditions on the newest values of up to three
// preprocessed streams of one topic, each query met (1) or not (0), every result written with its
// inputs to a topic in one append. Query syntax (maadstml item 28): queries separated by ':', each
// terms `<stream> <op> <number>` with op one of > < =, joined by `and` or by `or` (never both).
// Which value of a stream is queried: its newest (offset -1), or the last of the window from `offset`
// (maxRows records, default 1); with a device or a `where` filter, the last matching record among
// the newest (or from-offset) maxRows, default DEVICE_LOOKBACK. With `fields`, the streams are
// fields of the topic's JSON rows (VIPER's producetotopic array=1), not named streams.
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey } from '../shapers.js';
import { parseStreamAddress, streamAddress, valueBytes } from '../stream-address.js';
import { numericValue } from '../values.js';
import { latestRecords } from '../window.js';
import { whereMatcher, type WhereFilter } from '../where.js';

export interface StreamQueryInput {
  /** The topic holding the preprocessed streams. */
  topic: string;
  /** The streams the queries may name (streams inside `topic`). */
  streams: string[];
  /** `A_preprocessed_Avg > 5 and B_preprocessed_Max < 3:C_preprocessed_Trend > 0`. */
  conditions: string;
  /** One description per query, separated by ';'. */
  description?: string;
  identifier?: string;
  /** Where the results are written (default: `topic`). */
  produceTo?: string;
  /** A device: each stream is read as `topicid<N>_<stream>` (the preprocess step's name for it). */
  topicId?: number;
  /**
   * A device by record key (custom JSON's uid): each stream's newest record with this key, looked for
   * among the stream's newest `maxRows` records (default DEVICE_LOOKBACK).
   */
  device?: string;
  maxRows?: number;
  /** -1 (default): the newest records; n >= 0: the window starting at offset n of each stream. */
  offset?: number;
  /** The streams are fields of the topic's JSON rows (one row per record), not named streams. */
  fields?: boolean;
  /** Only records whose JSON field `key` matches `condition` (src/streams/where.ts). */
  where?: WhereFilter;
  /** Write each result's input values and their records (`rawData`, `msgIds`); default true. */
  rawData?: boolean;
}

export interface QueryTerm {
  stream: string;
  operator: '>' | '<' | '=';
  value: number;
}

export interface StreamQueryResult {
  query: string;
  description: string;
  identifier: string;
  join: 'and' | 'or';
  /** 1: the condition holds on the streams' newest values; 0: it does not. */
  result: 0 | 1;
  /** The device queried ('' for none). */
  device: string;
  /** The newest value of each stream the query names, and the offset it came from. */
  inputs: Record<string, { value: number; partition: number; offset: number }>;
  terms: Array<QueryTerm & { met: boolean }>;
  /** With rawData: the values the query read, in the order of `inputs`, and each one's record. */
  rawData?: number[];
  msgIds?: string[];
  createdAt: string;
}

export interface WrittenQueryResult extends StreamQueryResult {
  partition: number;
  offset: number;
}

/** The most streams one query may name (the client's documentation). */
export const MAX_QUERY_STREAMS = 3;
/** How far back a device's newest value is looked for when maxRows is not given. */
export const DEVICE_LOOKBACK = 1000;
const TERM = /^\s*([^<>=]+?)\s*([<>=])\s*(\S+)\s*$/;

export function parseQuery(
  query: string,
  streams: readonly string[],
): { join: 'and' | 'or'; terms: QueryTerm[] } {
  const bad = (why: string) => new StepInputError('conditions', `query '${query}': ${why}`);
  const hasAnd = /\sand\s/i.test(query);
  const hasOr = /\sor\s/i.test(query);
  if (hasAnd && hasOr) throw bad('mixes AND and OR');
  const join = hasOr ? 'or' : 'and';
  const terms = query.split(hasOr ? /\sor\s/i : /\sand\s/i).map((text): QueryTerm => {
    const m = TERM.exec(text);
    if (m === null) throw bad(`'${text.trim()}' is not <stream> >|<|= <number>`);
    const value = Number(m[3]);
    if (!Number.isFinite(value)) throw bad(`'${m[3]}' in '${text.trim()}' is not a number`);
    if (!streams.includes(m[1]))
      throw bad(`stream '${m[1]}' is not one of the query's streams (${streams.join(', ')})`);
    return { stream: m[1], operator: m[2] as QueryTerm['operator'], value };
  });
  const named = new Set(terms.map((t) => t.stream));
  if (named.size > MAX_QUERY_STREAMS) throw bad(`names ${named.size} streams; at most ${MAX_QUERY_STREAMS}`);
  return { join, terms };
}

function deviceStream(stream: string, topicId: number): string {
  return topicId < 0 || stream.startsWith(`topicid${topicId}_`) ? stream : `topicid${topicId}_${stream}`;
}

const holds = (t: QueryTerm, x: number) =>
  t.operator === '>' ? x > t.value : t.operator === '<' ? x < t.value : x === t.value;

export async function queryStreams(
  backbone: Backbone,
  input: StreamQueryInput,
): Promise<WrittenQueryResult[]> {
  if (input.streams.length === 0)
    throw new StepInputError('streams', 'must name at least one preprocessed stream');
  const queries = input.conditions.split(':').filter((q) => q.trim() !== '');
  if (queries.length === 0) throw new StepInputError('conditions', 'must hold at least one query');
  const parsed = queries.map((q) => parseQuery(q, input.streams));
  const descriptions = (input.description ?? '').split(';');

  const offset = input.offset ?? -1;
  if (!Number.isInteger(offset) || offset < -1) {
    throw new StepInputError('offset', `must be -1 (the newest records) or an offset >= 0, got ${offset}`);
  }
  const device = input.device === undefined || input.device === '' ? undefined : input.device;
  const where = input.where === undefined ? undefined : whereMatcher(input.where);
  const filtered = device !== undefined || where !== undefined || input.fields === true;
  const maxRows = input.maxRows && input.maxRows > 0 ? input.maxRows : undefined;
  const lookback = maxRows ?? (filtered ? DEVICE_LOOKBACK : 1);
  const newest = new Map<string, { value: number; partition: number; offset: number }>();
  for (const stream of new Set(parsed.flatMap((p) => p.terms.map((t) => t.stream)))) {
    const address = input.fields
      ? input.topic
      : streamAddress(input.topic, deviceStream(stream, input.topicId ?? -1));
    const { records } = await latestRecords(
      backbone,
      address,
      offset === -1 ? { lastOffsets: lookback } : { fromOffset: offset, lastOffsets: lookback },
    );
    const valueOf = (r: (typeof records)[number]) =>
      input.fields ? numericValue(r.value, stream) : numericValue(valueBytes(r, parseStreamAddress(address)));
    const record = records.findLast(
      (r) =>
        (device === undefined || r.key?.toString('utf8') === device) &&
        (where === undefined || where(r)) &&
        (!input.fields || Number.isFinite(valueOf(r))),
    );
    const span = offset === -1 ? `newest ${lookback}` : `${lookback} from offset ${offset}`;
    if (record === undefined) {
      const field = device !== undefined ? 'device' : where !== undefined ? 'where' : 'streams';
      const which = input.fields ? `field '${stream}' of the rows` : `stream '${stream}'`;
      const who =
        device !== undefined
          ? `'${device}' has no record in ${which}`
          : where !== undefined
            ? `'${input.where?.condition}' on '${input.where?.key}' matches no record of ${which}`
            : `${which} has no record`;
      throw new StepInputError(field, `${who} of topic '${input.topic}' (${span} looked at)`);
    }
    const value = valueOf(record);
    if (!Number.isFinite(value)) {
      throw new StepInputError(
        'streams',
        `the value of stream '${stream}' queried (${span}) is not a number`,
      );
    }
    newest.set(stream, { value, partition: record.partition, offset: record.offset });
  }
  const createdAt = new Date().toISOString();
  const results: StreamQueryResult[] = parsed.map(({ join, terms }, i) => {
    const checked = terms.map((t) => ({ ...t, met: holds(t, newest.get(t.stream)?.value ?? NaN) }));
    const met = join === 'and' ? checked.every((t) => t.met) : checked.some((t) => t.met);
    const inputs = Object.fromEntries(
      terms.map((t) => [t.stream, newest.get(t.stream) ?? { value: NaN, partition: -1, offset: -1 }]),
    );
    return {
      query: queries[i].trim(),
      description: descriptions[i]?.trim() ?? '',
      identifier: input.identifier ?? '',
      join,
      result: met ? 1 : 0,
      device: input.device ?? '',
      inputs,
      terms: checked,
      ...(input.rawData === false
        ? {}
        : {
            rawData: Object.values(inputs).map((v) => v.value),
            msgIds: Object.values(inputs).map((v) => `${v.partition}:${v.offset}`),
          }),
      createdAt,
    };
  });
  const written = await backbone.produce(
    input.produceTo ?? input.topic,
    results.map((r) => ({ key: r.device === '' ? recordKey() : r.device, value: JSON.stringify(r) })),
  );
  return results.map((r, i) => ({ ...r, partition: written[i].partition, offset: written[i].offset }));
}
