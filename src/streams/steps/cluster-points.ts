// The points the stream-cluster step clusters (steps/cluster.ts): one per JSON record of the window
// (or per group with `groupKey`, the mean of its records), each with its time, its label and the
// parts of its identifier field that `identifierPositions` and the location positions pick out.
// Times come from `timeKey` (a JSON path to a time like 2006-01-02T15:04:05[Z|±hh:mm], or epoch ms);
// a record without one keeps its record timestamp. Points are in time order (ties: arrival order).
import { parseTime } from '../../automl/index.js';
import type { ConsumedRecord } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';

/** The separator of identifier fields' parts (VIPER's `Current~display~id~mainuid=…`). */
export const IDENTIFIER_SEPARATOR = '~';

export interface PointOptions {
  valueKeys: string[];
  filter?: string;
  groupKey?: string;
  idKey?: string;
  valueCondition?: string;
  /** JSON path of each record's time (default: the record's timestamp). */
  timeKey?: string;
  /** JSON path of a text naming what the point's values are (e.g. the streams correlated). */
  labelKey?: string;
  /** JSON path of the identifier field the positions below read (parts separated by '~'). */
  identifierKey?: string;
  /** Positions (from 0) of the identifier parts each point carries. */
  identifierPositions?: number[];
  /** Positions (from 0, -1: none) of the latitude, longitude, location and joined-identifier parts. */
  latitudePosition?: number;
  longitudePosition?: number;
  locationPosition?: number;
  joinedPosition?: number;
}

export interface ClusterPoint {
  id: string;
  values: number[];
  /** Epoch ms: the record's time (a group: its newest record's). */
  time: number;
  label?: string;
  identifierParts?: string[];
  latitude?: number;
  longitude?: number;
  location?: string;
  joined?: string;
}

/** `partition:offset` and values of every record that went into the points (rawData). */
export interface PointSource {
  msgId: string;
  values: number[];
}

/** The value at a dot-separated JSON path (`code.coding.0.code`), or undefined. */
export function valueAtPath(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

const CONDITION = /^\s*(>=|<=|>|<|=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

function parseCondition(text: string): (v: number) => boolean {
  const m = CONDITION.exec(text);
  if (m === null)
    throw new StepInputError('valueCondition', `'${text}' is not <op> <number> with op one of > < = >= <=`);
  const t = Number(m[2]);
  const op = m[1];
  return (v) =>
    op === '>' ? v > t : op === '<' ? v < t : op === '>=' ? v >= t : op === '<=' ? v <= t : v === t;
}

function parseFilter(text: string): { path: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new StepInputError('filter', `'${text}' is not <path>=<value>`);
  return { path: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
}

function timeOf(parsed: unknown, record: ConsumedRecord, key: string | undefined): number {
  if (!key) return record.timestamp;
  const v = valueAtPath(parsed, key);
  if (v === undefined || v === null || v === '') return record.timestamp;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const t = typeof v === 'string' ? parseTime(v) : undefined;
  if (t === undefined) {
    throw new StepInputError(
      'timeKey',
      `'${key}' holds '${String(v).slice(0, 40)}' at partition ${record.partition} offset ${record.offset}, not a time like 2006-01-02T15:04:05`,
    );
  }
  return t.wallMs - (t.zoneMs ?? 0);
}

/** The identifier's parts the options ask for, checked against the parts the record has. */
function identifierFields(
  parsed: unknown,
  record: ConsumedRecord,
  o: PointOptions,
): Omit<ClusterPoint, 'id' | 'values' | 'time'> {
  const positions = o.identifierPositions ?? [];
  const located = (
    ['latitudePosition', 'longitudePosition', 'locationPosition', 'joinedPosition'] as const
  ).filter((p) => (o[p] ?? -1) >= 0);
  if (positions.length === 0 && located.length === 0) return {};
  const key = o.identifierKey ?? 'identifier';
  const text = valueAtPath(parsed, key);
  const parts = typeof text === 'string' ? text.split(IDENTIFIER_SEPARATOR) : [];
  const part = (field: string, at: number) => {
    if (at >= parts.length) {
      throw new StepInputError(
        field,
        `asks for part ${at} of '${key}', which has ${parts.length} parts at partition ${record.partition} offset ${record.offset}`,
      );
    }
    return parts[at];
  };
  const number = (field: 'latitudePosition' | 'longitudePosition') => {
    const at = o[field] ?? -1;
    if (at < 0) return undefined;
    const raw = part(field, at);
    const x = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(x)) {
      throw new StepInputError(field, `part ${at} of '${key}' is '${raw.slice(0, 40)}', not a number`);
    }
    return x;
  };
  const latitude = number('latitudePosition');
  const longitude = number('longitudePosition');
  return {
    ...(positions.length > 0
      ? { identifierParts: positions.map((at) => part('identifierPositions', at)) }
      : {}),
    ...(latitude !== undefined ? { latitude } : {}),
    ...(longitude !== undefined ? { longitude } : {}),
    ...((o.locationPosition ?? -1) >= 0
      ? { location: part('locationPosition', o.locationPosition ?? 0) }
      : {}),
    ...((o.joinedPosition ?? -1) >= 0 ? { joined: part('joinedPosition', o.joinedPosition ?? 0) } : {}),
  };
}

export function pointsOf(
  records: readonly ConsumedRecord[],
  o: PointOptions,
): { points: ClusterPoint[]; sources: PointSource[]; skipped: number } {
  const filter = o.filter ? parseFilter(o.filter) : undefined;
  const condition = o.valueCondition ? parseCondition(o.valueCondition) : undefined;
  const groups = new Map<string, { sums: number[]; count: number; newest: ClusterPoint }>();
  const points: ClusterPoint[] = [];
  const sources: PointSource[] = [];
  let skipped = 0;
  for (const record of records) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value?.toString('utf8') ?? '');
    } catch {
      skipped++;
      continue;
    }
    if (filter && String(valueAtPath(parsed, filter.path)) !== filter.value) {
      skipped++;
      continue;
    }
    const raw = o.valueKeys.map((k) => valueAtPath(parsed, k));
    if (raw.some((v) => v === undefined || v === null || v === '')) {
      skipped++;
      continue;
    }
    const values = raw.map((v, i) => {
      const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (!Number.isFinite(x)) {
        throw new StepInputError(
          'valueKeys',
          `'${o.valueKeys[i]}' holds '${String(JSON.stringify(v)).slice(0, 40)}' at partition ${record.partition} offset ${record.offset}, not a number`,
        );
      }
      return x;
    });
    if (condition && !condition(values[0])) {
      skipped++;
      continue;
    }
    const label = o.labelKey ? valueAtPath(parsed, o.labelKey) : undefined;
    const point: ClusterPoint = {
      id: `${record.partition}:${record.offset}`,
      values,
      time: timeOf(parsed, record, o.timeKey),
      ...(label !== undefined && label !== null ? { label: String(label) } : {}),
      ...identifierFields(parsed, record, o),
    };
    sources.push({ msgId: `${record.partition}:${record.offset}`, values });
    if (o.groupKey) {
      const id = String(valueAtPath(parsed, o.groupKey));
      const g = groups.get(id) ?? { sums: values.map(() => 0), count: 0, newest: point };
      values.forEach((v, i) => (g.sums[i] += v));
      g.count++;
      if (point.time >= g.newest.time) g.newest = point;
      groups.set(id, g);
    } else {
      const id = o.idKey ? valueAtPath(parsed, o.idKey) : undefined;
      points.push(id === undefined ? point : { ...point, id: String(id) });
    }
  }
  if (o.groupKey) {
    for (const [id, g] of groups) points.push({ ...g.newest, id, values: g.sums.map((s) => s / g.count) });
  }
  // stable: points of equal time keep their arrival order
  points.sort((a, b) => a.time - b.time);
  return { points, sources, skipped };
}
