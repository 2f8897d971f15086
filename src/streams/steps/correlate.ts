// The stream-correlation step (VIPER's streamcorr): the newest window of each of several numeric
// streams, aligned to the shortest (each stream's newest n values), every pair correlated by
// Pearson, Spearman and Kendall with two-sided p-values, and optionally cross-correlated at lags;
// the correlations that pass the filters (|r| above a threshold, p below a bound, the top N by |r|)
// are written in one append, each a named stream `<a>_<b>_preprocessed_<Method>` of the output topic.
import {
  correlate,
  crossCorrelation,
  InsufficientDataError,
  type CorrelationMethod,
  type LaggedCorrelation,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import { parseStreamAddress, STREAM_HEADER, VALUE_HEADER } from '../stream-address.js';
import { parseTmlidAttributes, trackTmlids } from '../tmlids.js';
import type { WhereFilter } from '../where.js';
import { rawJsonSeries, streamSeries, type Series, type SeriesOptions } from './correlate-series.js';

export type CorrelationKind = CorrelationMethod | 'crossCorrelation';

export interface StreamCorrelationInput {
  /** Numeric streams (topics, or `topic/stream` named streams), at least two. */
  streams: string[];
  /** Each stream's newest `maxRows` records (from `offset` on when offset >= 0). */
  maxRows: number;
  offset?: number;
  methods: CorrelationMethod[];
  /** Cross-correlate each pair at lags −maxLag..maxLag too (0: no cross-correlation). */
  maxLag?: number;
  /** The fewest aligned values a correlation needs (at least 3). */
  minLength?: number;
  /** Keep correlations with |coefficient| > threshold (0..1; 0: keep all). */
  threshold?: number;
  /** Keep correlations with p-value < maxPValue (0..1; 0: keep all). */
  maxPValue?: number;
  /** Keep the `top` strongest (by |coefficient|) after the filters (0: all). */
  top?: number;
  produceTo: string;
  identifier?: string;
  description?: string;
  /** Only this device's records (record key; with criteria, the uid). */
  device?: string;
  /** Only records whose JSON field `key` matches `condition` (src/streams/where.ts). */
  where?: WhereFilter;
  /** The streams are fields of this topic's JSON rows (one object per record). */
  rowsTopic?: string;
  /** Raw JSON of `rawTopic` read through these criteria: the streams are subtopics (none: all). */
  criteria?: string;
  rawTopic?: string;
  /** With criteria: `name=path,…` attributes of each TMLID (uid), and whether to track them. */
  attributes?: string;
  trackTmlids?: boolean;
  /** JSON path of the identifier field and the parts (from 0) each record carries of each stream. */
  identifierKey?: string;
  identifierPositions?: number[];
  /** Write the aligned values correlated and their records (rawData, msgIds). */
  rawData?: boolean;
  /** Write the topics the two streams were read from (`topics`). */
  topicNames?: boolean;
}

export interface CorrelationRecord {
  streams: [string, string];
  method: CorrelationKind;
  /** The named stream the record is in the output topic: `<a>_<b>_preprocessed_<Method>`. */
  name: string;
  /** Null when undefined (a constant stream). For crossCorrelation: the coefficient of `lag`. */
  coefficient: number | null;
  /** Two-sided p-value (null for crossCorrelation and undefined coefficients). */
  pValue: number | null;
  /** crossCorrelation: the lag of largest |coefficient| (y later than x by `lag` steps). */
  lag?: number;
  lags?: LaggedCorrelation[];
  /** Aligned values correlated. */
  count: number;
  windowStart: number;
  windowEnd: number;
  identifier: string;
  description: string;
  /** With rawData: the two streams' aligned values, and each value's `partition:offset`. */
  rawData?: [number[], number[]];
  msgIds?: [string[], string[]];
  /** With identifierPositions: the parts of each stream's newest record's identifier field. */
  identifierParts?: [string[], string[]];
  /** With topicNames: the topics the two streams were read from. */
  topics?: [string, string];
  /** With criteria, a device and attributes: the device's (TMLID's) attributes. */
  attributes?: Record<string, string>;
  createdAt: Date;
}

export interface WrittenCorrelation extends CorrelationRecord {
  partition: number;
  offset: number;
}

export interface StreamCorrelationResult {
  /** Pairs × methods computed, before the filters. */
  computed: number;
  written: WrittenCorrelation[];
}

/** Bounds on one call's work: pairs grow with the square of the streams. */
export const MAX_CORRELATED_STREAMS = 10;
export const MAX_CORRELATION_ROWS = 10_000;
export const MAX_CORRELATION_LAG = 100;

const TITLES: Record<CorrelationKind, string> = {
  pearson: 'Pearson',
  spearman: 'Spearman',
  kendall: 'Kendall',
  crossCorrelation: 'Crosscorrelation',
};

export function checkCorrelationInput(input: StreamCorrelationInput): void {
  const { streams } = input;
  if (streams.length < 2)
    throw new StepInputError('streams', `must name at least two streams, got ${streams.length}`);
  if (streams.length > MAX_CORRELATED_STREAMS) {
    throw new StepInputError('streams', `names ${streams.length} streams; at most ${MAX_CORRELATED_STREAMS}`);
  }
  if (new Set(streams).size !== streams.length) throw new StepInputError('streams', 'names a stream twice');
  if (!Number.isInteger(input.maxRows) || input.maxRows < 3 || input.maxRows > MAX_CORRELATION_ROWS) {
    throw new StepInputError('maxRows', `must be 3..${MAX_CORRELATION_ROWS}, got ${input.maxRows}`);
  }
  const offset = input.offset ?? -1;
  if (!Number.isInteger(offset) || offset < -1)
    throw new StepInputError('offset', `must be -1 or >= 0, got ${offset}`);
  const maxLag = input.maxLag ?? 0;
  if (!Number.isInteger(maxLag) || maxLag < 0 || maxLag > MAX_CORRELATION_LAG) {
    throw new StepInputError('maxLag', `must be 0..${MAX_CORRELATION_LAG}, got ${maxLag}`);
  }
  if (input.methods.length === 0 && maxLag === 0) throw new StepInputError('methods', 'names no correlation');
  for (const [field, v] of [
    ['threshold', input.threshold ?? 0],
    ['maxPValue', input.maxPValue ?? 0],
  ] as const) {
    if (!(v >= 0 && v <= 1)) throw new StepInputError(field, `must be between 0 and 1, got ${v}`);
  }
  const top = input.top ?? 0;
  if (!Number.isInteger(top) || top < 0)
    throw new StepInputError('top', `must be an integer >= 0, got ${top}`);
}

const strength = (r: CorrelationRecord) => (r.coefficient === null ? -1 : Math.abs(r.coefficient));
const finite = (v: number) => (Number.isFinite(v) ? v : null);
const nameOf = (stream: string) => parseStreamAddress(stream).stream ?? stream;

function pairRecords(
  a: string,
  b: string,
  x: number[],
  y: number[],
  input: StreamCorrelationInput,
  base: Omit<CorrelationRecord, 'streams' | 'method' | 'name' | 'coefficient' | 'pValue'>,
): CorrelationRecord[] {
  const name = (m: CorrelationKind) => `${nameOf(a)}_${nameOf(b)}_preprocessed_${TITLES[m]}`;
  const out: CorrelationRecord[] = input.methods.map((method) => {
    const c = correlate(method, x, y);
    return {
      streams: [a, b],
      method,
      name: name(method),
      coefficient: finite(c.coefficient),
      pValue: finite(c.coefficient) === null ? null : finite(c.pValue),
      ...base,
    };
  });
  const maxLag = input.maxLag ?? 0;
  if (maxLag > 0) {
    const lags = crossCorrelation(x, y, maxLag);
    const best = lags.reduce((m, l) => (Math.abs(l.coefficient) > Math.abs(m.coefficient) ? l : m), lags[0]);
    out.push({
      streams: [a, b],
      method: 'crossCorrelation',
      name: name('crossCorrelation'),
      coefficient: finite(best.coefficient),
      pValue: null,
      lag: best.lag,
      lags: lags.map((l) => ({ lag: l.lag, coefficient: l.coefficient })),
      ...base,
    });
  }
  return out;
}

export async function correlateStreams(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: StreamCorrelationInput,
  call: CallDetails = {},
): Promise<StreamCorrelationResult> {
  if (input.criteria === undefined && (input.attributes ?? '') !== '') {
    throw new StepInputError('attributes', 'needs criteria: attributes are read from raw JSON');
  }
  if (input.criteria === undefined && input.trackTmlids) {
    throw new StepInputError('trackTmlids', 'needs criteria: TMLIDs are the uids of raw JSON');
  }
  const streams = input.criteria === undefined ? input.streams : [...input.streams];
  if (input.criteria === undefined) checkCorrelationInput(input);
  const options: SeriesOptions = { ...input, attributes: parseTmlidAttributes(input.attributes ?? '') };
  for (const at of input.identifierPositions ?? []) {
    if (!Number.isInteger(at) || at < 0 || at > 1000)
      throw new StepInputError('identifierPositions', `must be positions 0..1000, got ${at}`);
  }
  const series = new Map<string, Series>();
  let tmlids: Awaited<ReturnType<typeof rawJsonSeries>>['tmlids'] = new Map();
  if (input.criteria !== undefined) {
    const raw = await rawJsonSeries(services.backbone, input.streams, {
      ...options,
      rawTopic: input.rawTopic,
    });
    if (streams.length === 0) streams.push(...raw.series.keys());
    checkCorrelationInput({ ...input, streams });
    for (const s of streams) series.set(s, raw.series.get(s) as Series);
    tmlids = raw.tmlids;
  } else {
    for (const s of streams) series.set(s, await streamSeries(services.backbone, s, options));
  }
  const n = Math.min(...[...series.values()].map((s) => s.values.length));
  const minLength = Math.max(3, input.minLength ?? 3);
  if (n < minLength) {
    const shortest = streams.find((s) => series.get(s)?.values.length === n);
    throw new StepInputError(
      'maxRows',
      `leaves stream '${shortest}' ${n} numeric values in its window; a correlation needs ${minLength}`,
    );
  }
  const topicOf = (stream: string) => input.rowsTopic ?? input.rawTopic ?? parseStreamAddress(stream).topic;
  const deviceAttributes =
    input.criteria !== undefined && input.device !== undefined && options.attributes?.length
      ? tmlids.get(input.device)?.attributes
      : undefined;
  const tail = (s: Series) => ({
    values: s.values.slice(-n),
    timestamps: s.timestamps.slice(-n),
    msgIds: s.msgIds.slice(-n),
    identifierParts: s.identifierParts,
  });
  const aligned = streams.map((s) => tail(series.get(s) as Series));
  const createdAt = new Date();
  const all: CorrelationRecord[] = [];
  for (let i = 0; i < streams.length; i++) {
    for (let j = i + 1; j < streams.length; j++) {
      const stamps = [...aligned[i].timestamps, ...aligned[j].timestamps];
      const [pi, pj] = [aligned[i].identifierParts, aligned[j].identifierParts];
      const base = {
        count: n,
        windowStart: Math.min(...stamps),
        windowEnd: Math.max(...stamps),
        identifier: input.identifier ?? '',
        description: input.description ?? '',
        ...(input.rawData
          ? {
              rawData: [aligned[i].values, aligned[j].values] as [number[], number[]],
              msgIds: [aligned[i].msgIds, aligned[j].msgIds] as [string[], string[]],
            }
          : {}),
        ...(pi !== undefined && pj !== undefined
          ? { identifierParts: [pi, pj] as [string[], string[]] }
          : {}),
        ...(input.topicNames
          ? { topics: [topicOf(streams[i]), topicOf(streams[j])] as [string, string] }
          : {}),
        ...(deviceAttributes !== undefined ? { attributes: deviceAttributes } : {}),
        createdAt,
      };
      // one pair's work at a time: the event loop serves other requests between pairs
      await new Promise((resolve) => setImmediate(resolve));
      try {
        all.push(...pairRecords(streams[i], streams[j], aligned[i].values, aligned[j].values, input, base));
      } catch (error) {
        if (error instanceof InsufficientDataError) throw new StepInputError('maxRows', error.message);
        throw error;
      }
    }
  }
  const threshold = input.threshold ?? 0;
  const maxPValue = input.maxPValue ?? 0;
  let kept = all.filter(
    (r) =>
      (threshold === 0 || strength(r) > threshold) &&
      (maxPValue === 0 || (r.method !== 'crossCorrelation' && r.pValue !== null && r.pValue < maxPValue)),
  );
  kept.sort((p, q) => strength(q) - strength(p));
  if ((input.top ?? 0) > 0) kept = kept.slice(0, input.top);
  if (input.trackTmlids) {
    await trackTmlids(
      services.backbone,
      [...tmlids].map(([tmlid, t]) => ({
        kind: 'tmlid' as const,
        tmlid,
        topic: input.rawTopic ?? '',
        ...t,
        updatedAt: createdAt,
      })),
    );
  }
  if (kept.length === 0) return { computed: all.length, written: [] };
  const keys = kept.map(() => recordKey());
  const written = await services.backbone.produce(
    input.produceTo,
    kept.map((r, i) => ({
      key: keys[i],
      value: JSON.stringify(services.shapers.correlation(r, call, keys[i])),
      headers: {
        [STREAM_HEADER]: Buffer.from(r.name),
        ...(r.coefficient === null ? {} : { [VALUE_HEADER]: Buffer.from(String(r.coefficient)) }),
      },
    })),
  );
  return {
    computed: all.length,
    written: kept.map((r, i) => ({ ...r, partition: written[i].partition, offset: written[i].offset })),
  };
}
