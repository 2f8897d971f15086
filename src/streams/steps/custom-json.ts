// The custom-JSON preprocess step (VIPER's preprocesscustomjson): raw JSON records read through JSON
// criteria (src/streams/json-criteria.ts) — each record's device, subtopics and their values, time,
// message id and location — and every statistic of `logic` computed per device and subtopic over the
// window, written in one append as named streams `<subtopic>_preprocessed_<Type>` keyed by device.
// TIMEDIFF and AVGTIMEDIFF read the subtopic's times (criteria `datetime`), GEODIFF its locations
// (criteria `latlong`); every other statistic reads its values. Nothing is written when any part fails.
import {
  computeSampleStatistics,
  EmptyWindowError,
  InvalidInputError,
  parseTime,
  type SampleValue,
  type StatisticValue,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { parseJsonCriteria, valueAt, type JsonCriteria } from '../json-criteria.js';
import type { CallDetails, RecordShapers } from '../shapers.js';
import { attributesOf, parseTmlidAttributes, trackTmlids, type TmlidAttribute } from '../tmlids.js';
import { waitForRecords } from '../wait.js';
import { latestRecords } from '../window.js';
import { parseConditions } from './conditions.js';
import {
  checkPreprocessInput,
  preprocessedStreamName,
  type StatisticsForm,
  writeStatistics,
  type StatisticRecord,
  type WrittenStatistic,
} from './preprocess.js';

export interface CustomJsonInput {
  /** The topic of raw JSON records. */
  topic: string;
  /** VIPER's jsoncriteria. */
  criteria: string;
  /** Every statistic is computed for every device and subtopic. */
  logic: string[];
  /** The window: the topic's newest `maxRows` records (or maxRows from `offset`). */
  maxRows: number;
  offset?: number;
  /** Per subtopic, the range of values to compute over (`temperature=20,n`). */
  conditions?: string;
  identifier?: string;
  /** Where the preprocessed streams are written (default: `topic`). */
  preprocessTopic?: string;
  rawData?: boolean;
  asArray?: boolean;
  /** The form written (writeStatistics); default `streams`, or `array` with asArray. */
  form?: StatisticsForm;
  /** Wait up to this long for the raw topic to hold a record before reading its window. */
  waitMs?: number;
  /** `name=path,…`: each device's (TMLID's) attributes, read from its newest record (src/streams/tmlids.ts). */
  attributes?: string;
  /** Track every device seen, with its attributes, in the TMLID topic (VIPER's usemysql=1). */
  trackTmlids?: boolean;
  now?: number;
}

interface Series {
  device: string;
  subtopic: string;
  label: string;
  values: SampleValue[];
  timestamps: number[];
  times: string[];
  points: string[];
  msgIds: string[];
}

const READS_TIMES = new Set(['TIMEDIFF', 'AVGTIMEDIFF']);

function scalar(v: unknown): SampleValue | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return String(v);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return Number.isFinite(Number(v)) ? Number(v) : v;
}

/** The window's records, grouped into one series per device and subtopic (in order of arrival). */
interface Seen {
  attributes: Record<string, string>;
  lastSeen: number;
  records: number;
}

function seriesOf(
  records: ReadonlyArray<{ value: Buffer | null; timestamp: number; partition: number; offset: number }>,
  criteria: JsonCriteria,
  attributes: readonly TmlidAttribute[],
  seen: Map<string, Seen>,
): Series[] {
  const all = new Map<string, Series>();
  for (const record of records) {
    let document: unknown;
    try {
      document = JSON.parse(record.value?.toString('utf8') ?? '');
    } catch {
      continue; // not JSON: not a record the criteria describe
    }
    if (criteria.filter && String(valueAt(document, criteria.filter.path)) !== criteria.filter.equals)
      continue;
    const uid = scalar(valueAt(document, criteria.uid));
    if (uid === undefined) continue;
    const time = criteria.datetime ? valueAt(document, criteria.datetime) : undefined;
    let timestamp = record.timestamp;
    if (criteria.datetime && time !== undefined) {
      const t = typeof time === 'string' ? parseTime(time) : undefined;
      if (t === undefined) {
        throw new StepInputError(
          'criteria',
          `datetime '${String(time)}' (path ${criteria.datetime.join('.')}, offset ${record.offset}) is not a time like 2006-01-02T15:04:05`,
        );
      }
      timestamp = t.wallMs - (t.zoneMs ?? 0);
    }
    // records are oldest first: a device's attributes end as its newest record's
    const was = seen.get(String(uid));
    seen.set(String(uid), {
      attributes: attributes.length > 0 ? attributesOf(document, attributes) : {},
      lastSeen: Math.max(was?.lastSeen ?? -Infinity, timestamp),
      records: (was?.records ?? 0) + 1,
    });
    const point = criteria.latlong
      ? `${String(valueAt(document, criteria.latlong.lat))}:${String(valueAt(document, criteria.latlong.long))}`
      : '';
    const msgId = criteria.msgid
      ? String(valueAt(document, criteria.msgid))
      : `${record.partition}:${record.offset}`;
    criteria.subtopics.forEach((at, i) => {
      const subtopic = scalar(valueAt(document, at));
      const value = scalar(valueAt(document, criteria.values[i]));
      if (subtopic === undefined || value === undefined) return;
      const key = `${String(uid)}\u0000${String(subtopic)}`;
      let s = all.get(key);
      if (s === undefined) {
        const label = criteria.identifiers ? valueAt(document, criteria.identifiers[i]) : undefined;
        s = {
          device: String(uid),
          subtopic: String(subtopic),
          label: label === undefined ? '' : String(label),
          values: [],
          timestamps: [],
          times: [],
          points: [],
          msgIds: [],
        };
        all.set(key, s);
      }
      s.values.push(value);
      s.timestamps.push(timestamp);
      s.times.push(typeof time === 'string' ? time : new Date(timestamp).toISOString());
      s.points.push(point);
      s.msgIds.push(msgId);
    });
  }
  return [...all.values()];
}

function statistic(
  type: string,
  s: Series,
  input: CustomJsonInput,
  criteria: JsonCriteria,
): [string, StatisticValue] {
  const key = type.trim().toUpperCase();
  const values = READS_TIMES.has(key) ? s.times : key === 'GEODIFF' ? s.points : s.values;
  if (key === 'GEODIFF' && criteria.latlong === undefined) {
    throw new StepInputError('criteria', 'has no latlong=<lat path>:<long path> part, which GEODIFF reads');
  }
  try {
    return Object.entries(
      computeSampleStatistics([type], { values, timestamps: s.timestamps }, { now: input.now }),
    )[0];
  } catch (error) {
    if (error instanceof EmptyWindowError) {
      throw new StepInputError(
        'conditions',
        `leaves subtopic '${s.subtopic}' of device '${s.device}' no value inside '${input.conditions}'`,
      );
    }
    if (error instanceof InvalidInputError) {
      throw new StepInputError('logic', `subtopic '${s.subtopic}' of device '${s.device}': ${error.message}`);
    }
    throw error;
  }
}

export async function preprocessCustomJson(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: CustomJsonInput,
  call: CallDetails = {},
): Promise<WrittenStatistic[]> {
  checkPreprocessInput(input);
  const criteria = parseJsonCriteria(input.criteria);
  const offset = input.offset ?? -1;
  if (!Number.isInteger(offset) || offset < -1) {
    throw new StepInputError(
      'offset',
      `must be -1 (the newest maxRows records) or an offset >= 0, got ${offset}`,
    );
  }
  const attributes = parseTmlidAttributes(input.attributes ?? '');
  await waitForRecords(services.backbone, input.topic, input.waitMs);
  const window = await latestRecords(
    services.backbone,
    input.topic,
    offset === -1 ? { lastOffsets: input.maxRows } : { fromOffset: offset, lastOffsets: input.maxRows },
  );
  const seen = new Map<string, Seen>();
  const all = seriesOf(window.records, criteria, attributes, seen);
  if (all.length === 0) {
    throw new StepInputError(
      'criteria',
      `matches no record among the ${window.records.length} in the window of topic '${input.topic}' (maxRows ${input.maxRows})`,
    );
  }
  const ranges = parseConditions(input.conditions ?? '', [...new Set(all.map((s) => s.subtopic))]);
  const createdAt = new Date();
  const records: StatisticRecord[] = [];
  for (const series of all) {
    const range = ranges.get(series.subtopic);
    const s = range === undefined ? series : inside(series, range.min, range.max);
    for (const type of input.logic) {
      const [name, value] = statistic(type, s, input, criteria);
      records.push({
        topic: input.topic,
        stream: s.subtopic,
        statistic: name,
        name: preprocessedStreamName(s.subtopic, name),
        value: typeof value === 'number' ? Number(value.toFixed(6)) : value,
        windowStart: s.timestamps[0],
        windowEnd: s.timestamps[s.timestamps.length - 1],
        count: s.values.length,
        identifier: input.identifier ?? '',
        topicId: -1,
        conditions: range?.text ?? '',
        ...(input.rawData ? { rawData: s.values, msgIds: s.msgIds } : {}),
        device: s.device,
        label: s.label,
        ...(attributes.length > 0 ? { attributes: seen.get(s.device)?.attributes ?? {} } : {}),
        createdAt,
      });
    }
  }
  const written = await writeStatistics(
    services,
    input.preprocessTopic ?? input.topic,
    records,
    call,
    input.form ?? (input.asArray ? 'array' : 'streams'),
  );
  if (input.trackTmlids) {
    await trackTmlids(
      services.backbone,
      [...seen].map(([tmlid, d]) => ({
        kind: 'tmlid' as const,
        tmlid,
        topic: input.topic,
        attributes: d.attributes,
        lastSeen: d.lastSeen,
        records: d.records,
        updatedAt: createdAt,
      })),
    );
  }
  return written;
}

/** The part of a series whose numeric values lie in [min, max]; text inside a condition is an error. */
function inside(s: Series, min: number, max: number): Series {
  const keep: number[] = [];
  s.values.forEach((v, i) => {
    if (typeof v !== 'number') {
      throw new StepInputError(
        'conditions',
        `'${s.subtopic}' needs numbers, but device '${s.device}' has '${v}' (message ${s.msgIds[i]})`,
      );
    }
    if (v >= min && v <= max) keep.push(i);
  });
  const pick = <T>(xs: T[]) => keep.map((i) => xs[i]);
  return {
    ...s,
    values: pick(s.values),
    timestamps: pick(s.timestamps),
    times: pick(s.times),
    points: pick(s.points),
    msgIds: pick(s.msgIds),
  };
}
