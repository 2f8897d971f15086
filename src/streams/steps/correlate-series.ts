// The series the stream-correlation step (steps/correlate.ts) correlates, read one of three ways:
// - named streams or topics (the default): each stream's newest maxRows records, numbers;
// - `rowsTopic` (VIPER's array=1): each stream is a field of that topic's JSON rows (one object per
//   record, as producetotopic array=1 writes them);
// - `criteria` (VIPER's jsoncriteria): raw JSON records of `rawTopic`, each stream a subtopic whose
//   values the criteria's paths give (json-criteria.ts), every TMLID (uid) seen noted with its
//   attributes (tmlids.ts).
// Each way keeps only a device's records (`device`, the record key; with criteria, the uid) and
// only records whose JSON field matches `where` (where.ts), and notes every value's record
// (`partition:offset`) and the identifier parts `identifierPositions` pick from the newest record.
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { parseJsonCriteria, valueAt } from '../json-criteria.js';
import { parseStreamAddress, valueBytes } from '../stream-address.js';
import { attributesOf, type TmlidAttribute } from '../tmlids.js';
import { numericValue } from '../values.js';
import { whereMatcher, type WhereFilter } from '../where.js';
import { latestRecords } from '../window.js';
import { IDENTIFIER_SEPARATOR, valueAtPath } from './cluster-points.js';

export interface SeriesOptions {
  maxRows: number;
  offset?: number;
  device?: string;
  where?: WhereFilter;
  /** The streams are fields of this topic's JSON rows. */
  rowsTopic?: string;
  /** Raw JSON of `rawTopic` read through these criteria; the streams are its subtopics. */
  criteria?: string;
  rawTopic?: string;
  /** TMLID attributes read with the criteria (the newest record's of each uid). */
  attributes?: readonly TmlidAttribute[];
  /** JSON path of the identifier field (parts separated by '~') and the parts kept. */
  identifierKey?: string;
  identifierPositions?: number[];
}

export interface Series {
  values: number[];
  timestamps: number[];
  msgIds: string[];
  /** The identifier parts of the newest record (with identifierPositions). */
  identifierParts?: string[];
}

export interface SeenTmlid {
  attributes: Record<string, string>;
  lastSeen: number;
  records: number;
}

const json = (record: ConsumedRecord): unknown => {
  try {
    return JSON.parse(record.value?.toString('utf8') ?? '');
  } catch {
    return undefined;
  }
};

function window(backbone: Backbone, name: string, o: SeriesOptions) {
  const offset = o.offset ?? -1;
  return latestRecords(backbone, name, {
    ...(offset === -1 ? { lastOffsets: o.maxRows } : { fromOffset: offset, lastOffsets: o.maxRows }),
    ...(o.device !== undefined && o.criteria === undefined ? { device: o.device } : {}),
  });
}

function identifierParts(document: unknown, o: SeriesOptions, stream: string): string[] | undefined {
  const positions = o.identifierPositions ?? [];
  if (positions.length === 0) return undefined;
  const key = o.identifierKey ?? 'identifier';
  const text = valueAtPath(document, key);
  const parts = typeof text === 'string' ? text.split(IDENTIFIER_SEPARATOR) : [];
  return positions.map((at) => {
    if (at >= parts.length) {
      throw new StepInputError(
        'identifierPositions',
        `asks for part ${at} of '${key}', which has ${parts.length} parts in the newest record of '${stream}'`,
      );
    }
    return parts[at];
  });
}

/** One stream's series: a named stream or topic, or a field of `rowsTopic`'s rows. */
export async function streamSeries(backbone: Backbone, stream: string, o: SeriesOptions): Promise<Series> {
  const source = o.rowsTopic ?? stream;
  const { records } = await window(backbone, source, o);
  const where = o.where === undefined ? undefined : whereMatcher(o.where);
  const address = parseStreamAddress(source);
  const out: Series = { values: [], timestamps: [], msgIds: [] };
  let newest: ConsumedRecord | undefined;
  for (const record of records) {
    if (where !== undefined && !where(record)) continue;
    if (o.rowsTopic !== undefined) {
      const v = numericValue(record.value, stream);
      if (!Number.isFinite(v)) continue; // a row without the field
      out.values.push(v);
    } else {
      const bytes = valueBytes(record, address);
      if (bytes === null || bytes.length === 0) continue;
      const v = numericValue(bytes);
      if (!Number.isFinite(v)) {
        const text = bytes.toString('utf8').slice(0, 40);
        throw new StepInputError(
          'streams',
          `stream '${stream}' holds '${text}' at partition ${record.partition} offset ${record.offset}, not a number`,
        );
      }
      out.values.push(v);
    }
    out.timestamps.push(record.timestamp);
    out.msgIds.push(`${record.partition}:${record.offset}`);
    newest = record;
  }
  if (out.values.length === 0) {
    const what =
      o.rowsTopic !== undefined ? `field '${stream}' of topic '${o.rowsTopic}'` : `stream '${stream}'`;
    const which = [
      o.device !== undefined ? `of device '${o.device}'` : '',
      o.where !== undefined ? `matching '${o.where.condition}' on '${o.where.key}'` : '',
    ]
      .filter((t) => t !== '')
      .join(' ');
    throw new StepInputError(
      o.where !== undefined ? 'where' : 'streams',
      `leaves ${what} no numeric record${which ? ` ${which}` : ''} in its window (maxRows ${o.maxRows})`,
    );
  }
  const parts = newest === undefined ? undefined : identifierParts(json(newest), o, stream);
  return parts === undefined ? out : { ...out, identifierParts: parts };
}

/**
 * The subtopics of raw JSON records as series (by subtopic name), and every TMLID seen; the streams
 * asked for must each be a subtopic found (all subtopics when none are named).
 */
export async function rawJsonSeries(
  backbone: Backbone,
  streams: readonly string[],
  o: SeriesOptions,
): Promise<{ series: Map<string, Series>; tmlids: Map<string, SeenTmlid> }> {
  const criteria = parseJsonCriteria(o.criteria ?? '');
  const { records } = await window(backbone, o.rawTopic ?? '', o);
  const where = o.where === undefined ? undefined : whereMatcher(o.where);
  const series = new Map<string, Series>();
  const tmlids = new Map<string, SeenTmlid>();
  for (const record of records) {
    const document = json(record);
    if (document === undefined || (where !== undefined && !where(record))) continue;
    if (criteria.filter && String(valueAt(document, criteria.filter.path)) !== criteria.filter.equals)
      continue;
    const uid = valueAt(document, criteria.uid);
    if (uid === undefined || uid === null || typeof uid === 'object') continue;
    if (o.device !== undefined && String(uid) !== o.device) continue;
    const was = tmlids.get(String(uid));
    tmlids.set(String(uid), {
      attributes: o.attributes && o.attributes.length > 0 ? attributesOf(document, o.attributes) : {},
      lastSeen: Math.max(was?.lastSeen ?? -Infinity, record.timestamp),
      records: (was?.records ?? 0) + 1,
    });
    criteria.subtopics.forEach((at, i) => {
      const name = valueAt(document, at);
      const value = Number(valueAt(document, criteria.values[i]));
      if (name === undefined || name === null || typeof name === 'object' || !Number.isFinite(value)) return;
      const s = series.get(String(name)) ?? { values: [], timestamps: [], msgIds: [] };
      s.values.push(value);
      s.timestamps.push(record.timestamp);
      s.msgIds.push(`${record.partition}:${record.offset}`);
      series.set(String(name), s);
    });
  }
  for (const stream of streams) {
    if (!series.has(stream)) {
      throw new StepInputError(
        'streams',
        `'${stream}' is not a subtopic of the raw JSON in the window of topic '${o.rawTopic}' (found: ${[...series.keys()].join(', ') || 'none'})`,
      );
    }
  }
  return { series, tmlids };
}
