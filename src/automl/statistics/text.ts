// The statistics of `preprocesslogic` that read more than numbers: text values, times in VIPER's
// layout `2006-01-02T15:04:05`, latitude/longitude points, the records' own timestamps, and the
// statistics meaningful on any value (COUNT, VARIED, ENTROPY, CONSISTENCY, RAW). Meanings follow the
// client's documentation (maadstml's long description, items 26 and 29); where it is silent, the
// choice is stated here and is the contract of tml.
import { InvalidInputError } from '../errors.js';
import type { StatisticValue } from './definitions.js';

/** One value of a stream as its record carried it: a number, or text. */
export type SampleValue = number | string;

/** A window of any values, oldest first, with each record's timestamp (ms since the epoch). */
export interface Sample {
  values: readonly SampleValue[];
  timestamps: ArrayLike<number>;
}

export interface SampleContext {
  /** The clock DATAAGE measures against (ms since the epoch). */
  now: number;
}

type SampleCompute = (s: Sample, context: SampleContext) => StatisticValue;

/** A time or coordinate in the window that does not parse: names the statistic, value and position. */
export class UnparsableValueError extends InvalidInputError {
  constructor(
    readonly statistic: string,
    readonly index: number,
    readonly value: SampleValue,
    expected: string,
  ) {
    super(`statistic '${statistic}': value '${String(value)}' at position ${index} is not ${expected}`);
  }
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A time in VIPER's layout (Go's `2006-01-02T15:04:05`; a fraction of a second and a zone `Z` or
 * `±hh:mm` are accepted too): its wall clock read as UTC, in ms, and the zone offset it names, if any.
 */
export function parseTime(text: string): { wallMs: number; zoneMs?: number } | undefined {
  const m = TIME.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] === undefined ? 0 : Number(m[7]) * 1000;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + fraction;
  const check = new Date(wallMs);
  // Date.UTC rolls 2024-02-30 over to March: a date that does not round-trip does not exist
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  if (m[8] === undefined) return { wallMs };
  if (m[8] === 'Z') return { wallMs, zoneMs: 0 };
  const sign = m[8].startsWith('-') ? -1 : 1;
  const digits = m[8].slice(1).replace(':', '');
  return { wallMs, zoneMs: sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000 };
}

/** The instant of a time value (ms since the epoch); a time without a zone is UTC + `offsetMs`. */
function instant(statistic: string, s: Sample, i: number, offsetMs = 0): number {
  const v = s.values[i];
  const t = typeof v === 'string' ? parseTime(v) : undefined;
  if (t === undefined) throw new UnparsableValueError(statistic, i, v, 'a time like 2006-01-02T15:04:05');
  return t.wallMs - (t.zoneMs ?? offsetMs);
}

/** Mean Earth radius (IUGG), km: the sphere the haversine distance is measured on. */
export const EARTH_RADIUS_KM = 6371.0088;

/** `lat:long` or `lat,long` in degrees. */
function point(statistic: string, s: Sample, i: number): [number, number] {
  const v = s.values[i];
  const parts = typeof v === 'string' ? v.split(/[:,]/) : [];
  const [lat, long] = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length !== 2 || !(Math.abs(lat) <= 90) || !(Math.abs(long) <= 180)) {
    throw new UnparsableValueError(statistic, i, v, "a point 'latitude:longitude' in degrees");
  }
  return [lat, long];
}

/** Great-circle distance in km (haversine formula on a sphere of EARTH_RADIUS_KM). */
export function haversineKm([lat1, long1]: [number, number], [lat2, long2]: [number, number]): number {
  const rad = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((long2 - long1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Values compared as VIPER compares them: a number by its value, text by its characters. */
const identity = (v: SampleValue) => (typeof v === 'number' ? `n${v}` : `s${v}`);

function counts(values: readonly SampleValue[], key: (v: SampleValue) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(key(v), (m.get(key(v)) ?? 0) + 1);
  return m;
}

const last = (s: Sample) => s.values.length - 1;

/** The statistics over any values, by canonical upper-case name, with the meaning tml gives each. */
export const SAMPLE_STATISTICS: Readonly<Record<string, { meaning: string; compute: SampleCompute }>> = {
  COUNT: { meaning: 'number of values in the window (numbers and text)', compute: (s) => s.values.length },
  COUNTSTR: {
    meaning: 'number of text values in the window (values that are not numbers)',
    compute: (s) => s.values.filter((v) => typeof v === 'string').length,
  },
  UNIQUESTR: {
    meaning: '1 if no two values of the window have the same text, else 0',
    compute: (s) => (counts(s.values, String).size === s.values.length ? 1 : 0),
  },
  UNIQUESTRCOUNT: {
    meaning: 'number of distinct texts in the window',
    compute: (s) => counts(s.values, String).size,
  },
  VARIED: {
    meaning: '1 if the window holds at least two different values, else 0',
    compute: (s) => (counts(s.values, identity).size > 1 ? 1 : 0),
  },
  ENTROPY: {
    meaning: 'Shannon entropy in bits of the distribution of distinct values (−Σ p·log2 p)',
    compute: (s) => {
      let h = 0;
      for (const c of counts(s.values, identity).values()) {
        const p = c / s.values.length;
        h -= p * Math.log2(p);
      }
      return h;
    },
  },
  CONSISTENCY: {
    meaning: '1 if every value of the window has the same data type (all numbers or all text), else 0',
    compute: (s) => (new Set(s.values.map((v) => typeof v)).size === 1 ? 1 : 0),
  },
  RAW: { meaning: 'the newest value, unprocessed (number or text)', compute: (s) => s.values[last(s)] },
  TIMEDIFF: {
    meaning: 'seconds from the oldest to the newest time of the window (times like 2006-01-02T15:04:05)',
    compute: (s) => {
      const times = s.values.map((_, i) => instant('TIMEDIFF', s, i)); // every value must be a time
      return (times[times.length - 1] - times[0]) / 1000;
    },
  },
  AVGTIMEDIFF: {
    meaning: 'average seconds between consecutive times of the window; 0 for one value',
    compute: (s) => {
      const times = s.values.map((_, i) => instant('AVGTIMEDIFF', s, i));
      if (times.length < 2) return 0;
      let sum = 0;
      for (let i = 1; i < times.length; i++) sum += times[i] - times[i - 1];
      return sum / (times.length - 1) / 1000;
    },
  },
  GEODIFF: {
    meaning:
      "great-circle distance in km (haversine, Earth radius 6371.0088 km) from the oldest to the newest point 'lat:long' of the window",
    compute: (s) => {
      const points = s.values.map((_, i) => point('GEODIFF', s, i)); // every value must be a point
      return haversineKm(points[0], points[points.length - 1]);
    },
  },
};

const AGE_UNITS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

const DATAAGE = /^DATAAGE_([+-]?\d+(?:\.\d+)?)_([A-Z]+?)S?$/;

/**
 * DATAAGE_[utc offset]_[unit]: how old the newest data is, `now` − the newest time, in the unit. The
 * newest time is the newest value when the stream carries times (a time without a zone is wall-clock
 * time at UTC + offset hours), else the newest record's timestamp (an instant: the offset is moot).
 * Undefined names return undefined; a malformed DATAAGE throws naming the expected form.
 */
export function dataAge(key: string): SampleCompute | undefined {
  if (!key.startsWith('DATAAGE')) return undefined;
  const m = DATAAGE.exec(key);
  const unit = m === null ? undefined : AGE_UNITS[m[2]];
  const offsetHours = m === null ? NaN : Number(m[1]);
  if (m === null || unit === undefined || !(Math.abs(offsetHours) <= 14)) {
    throw new InvalidInputError(
      `statistic '${key}': expected DATAAGE_[utc offset in hours, −14…14]_[millisecond|second|minute|hour|day]`,
    );
  }
  return (s, context) => {
    const i = last(s);
    const newest =
      typeof s.values[i] === 'string' ? instant(key, s, i, offsetHours * 3_600_000) : s.timestamps[i];
    return (context.now - newest) / unit;
  };
}
