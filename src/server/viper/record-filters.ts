// VIPER's record filters on the consume calls. `topicid` selects the records of some devices: a
// record's device is its `topicid` header (producetotopic writes it) or its record key (how
// per-device streams are keyed). `preprocesstype` selects preprocessed items by their
// `Preprocesstype` (`MAX`, `Avg`, ... case-insensitive). Records passed over still count as read.
import type { ConsumedRecord } from '../../backbone/types.js';
import { ParameterError, showValue } from '../errors.js';
import type { RecordMatch } from '../operations/read-records.js';
import type { ViperParams } from './params.js';

const INTEGER = /^[+-]?\d+$/;

/** `topicid`: one id or a comma list; negative ids (-999, -1) mean "every device". */
export function topicIdMatch(params: ViperParams): RecordMatch | undefined {
  const raw = params.raw('topicid');
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((s) => s.trim());
  for (const id of ids) {
    if (!INTEGER.test(id)) {
      throw new ParameterError(
        'topicid',
        `must be an integer or a comma list of them, got '${showValue(id)}'`,
      );
    }
  }
  const wanted = new Set(ids.filter((id) => Number(id) >= 0).map((id) => String(Number(id))));
  if (wanted.size === 0) return undefined;
  return (record: ConsumedRecord) =>
    wanted.has(record.headers.topicid?.toString('utf8') ?? '') ||
    wanted.has(record.key?.toString('utf8') ?? '');
}

function preprocessType(record: ConsumedRecord): string | undefined {
  const value = record.value;
  if (value === null || value[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as unknown;
    if (parsed !== null && typeof parsed === 'object' && 'Preprocesstype' in parsed) {
      const type = (parsed as { Preprocesstype: unknown }).Preprocesstype;
      return typeof type === 'string' ? type.toLowerCase() : undefined;
    }
  } catch {
    // not JSON: not a preprocessed item
  }
  return undefined;
}

export function preprocessTypeMatch(params: ViperParams): RecordMatch | undefined {
  const wanted = params.string('preprocesstype', { default: '' }).toLowerCase();
  if (wanted === '') return undefined;
  return (record) => preprocessType(record) === wanted;
}

/** Both filters: a record must pass each one given. */
export function recordMatch(...matches: Array<RecordMatch | undefined>): RecordMatch | undefined {
  const given = matches.filter((m): m is RecordMatch => m !== undefined);
  if (given.length === 0) return undefined;
  return (record) => given.every((m) => m(record));
}
