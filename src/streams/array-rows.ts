// VIPER's `array=1` topics: each record is one time-synchronised row `{"A":1,"B":2}` (producetotopic
// with array=1 writes them), the variables being the row's fields. The steps that take `array` read
// their variables as columns of the newest rows that hold every wanted field as a number.
import type { Backbone } from '../backbone/types.js';
import { InvalidWindowError, StepInputError } from './errors.js';
import { latestRecords } from './window.js';

/** The most rows one call reads from an array topic (the newest ones). */
export const MAX_ARRAY_ROWS = 100_000;

export interface ArrayColumns {
  fields: string[];
  /** Each field's values, oldest row first; row i of every column is the same record. */
  columns: Record<string, number[]>;
  rows: number;
  /** Records of the window left out: not a JSON object, or a wanted field missing or not a number. */
  skipped: number;
  /** The newest row's record. */
  newest: { partition: number; offset: number };
  /** The offsets read, per partition. */
  ranges: Array<{ partition: number; from: number; to: number }>;
}

export interface ArrayRowsSpec {
  /** The newest this many records (0: up to MAX_ARRAY_ROWS). */
  maxRows?: number;
  /** Only this partition (-1 or absent: all). */
  partition?: number;
  /** Read from this offset on (-1 or absent: the newest rows). */
  fromOffset?: number;
  /** Only this device's rows (record key). */
  device?: string;
  /** The caller's name of the topic, for errors. */
  field: string;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The `fields` of the newest rows of `topic` as columns; an error naming `spec.field` when none holds them. */
export async function arrayColumns(
  backbone: Backbone,
  topic: string,
  fields: readonly string[],
  spec: ArrayRowsSpec,
): Promise<ArrayColumns> {
  if (fields.length === 0)
    throw new StepInputError(spec.field, 'must be read with at least one field (array=1)');
  const maxRows = spec.maxRows ?? 0;
  const window = await latestRecords(backbone, topic, {
    lastOffsets: maxRows > 0 ? Math.min(maxRows, MAX_ARRAY_ROWS) : MAX_ARRAY_ROWS,
    ...(spec.partition !== undefined && spec.partition >= 0 ? { partition: spec.partition } : {}),
    ...(spec.fromOffset !== undefined && spec.fromOffset >= 0 ? { fromOffset: spec.fromOffset } : {}),
    ...(spec.device !== undefined ? { device: spec.device } : {}),
  }).catch((error: unknown) => {
    if (error instanceof InvalidWindowError) throw new StepInputError('partition', error.message);
    throw error;
  });
  const columns: Record<string, number[]> = Object.fromEntries(fields.map((f) => [f, [] as number[]]));
  let rows = 0;
  let skipped = 0;
  let newest = { partition: -1, offset: -1 };
  for (const record of window.records) {
    let row: unknown;
    try {
      row = record.value === null ? null : (JSON.parse(record.value.toString('utf8')) as unknown);
    } catch {
      row = null;
    }
    const values =
      row !== null && typeof row === 'object' && !Array.isArray(row)
        ? fields.map((f) => numberOf((row as Record<string, unknown>)[f]))
        : [];
    if (values.length !== fields.length || values.some((v) => v === undefined)) {
      skipped++;
      continue;
    }
    fields.forEach((f, i) => columns[f].push(values[i] as number));
    rows++;
    newest = { partition: record.partition, offset: record.offset };
  }
  if (rows === 0) {
    throw new StepInputError(
      spec.field,
      `names topic '${topic}', whose newest ${window.records.length} records hold no row with ${fields.join(', ')} as numbers (array=1: rows {"${fields[0]}":1,...} as producetotopic writes them)`,
    );
  }
  return { fields: [...fields], columns, rows, skipped, newest, ranges: window.ranges };
}
