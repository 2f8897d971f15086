// Preprocess conditions (VIPER's `preprocessconditions`, e.g. `humidity=55,60:temperature=34,n`):
// per stream, the closed range of values a statistic is computed over; `n` or `-n` leaves a side open.
import { StepInputError } from '../errors.js';

export interface ValueRange {
  /** The text the caller gave for this stream, kept in the output record. */
  text: string;
  min: number;
  max: number;
}

function bound(part: string, side: string, text: string, open: number): number {
  const t = side.trim().toLowerCase();
  if (t === 'n' || t === '-n') return open;
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v)) {
    throw new StepInputError('conditions', `'${part}': bound '${side}' is not a number or n (in '${text}')`);
  }
  return v;
}

/** Parses the condition string into a range per stream; bad syntax names the part at fault. */
export function parseConditions(text: string, streams: readonly string[]): Map<string, ValueRange> {
  const ranges = new Map<string, ValueRange>();
  if (text.trim() === '') return ranges;
  for (const part of text.split(':')) {
    const eq = part.indexOf('=');
    const stream = eq < 0 ? '' : part.slice(0, eq).trim();
    const sides = eq < 0 ? [] : part.slice(eq + 1).split(',');
    if (stream === '' || sides.length !== 2) {
      throw new StepInputError(
        'conditions',
        `'${part}' is not stream=low,high (in '${text}'; n leaves a side open)`,
      );
    }
    if (!streams.includes(stream)) {
      throw new StepInputError(
        'conditions',
        `'${part}' names stream '${stream}', which is not one of ${streams.join(', ')}`,
      );
    }
    const min = bound(part, sides[0], text, -Infinity);
    const max = bound(part, sides[1], text, Infinity);
    if (min > max) throw new StepInputError('conditions', `'${part}': low ${min} is above high ${max}`);
    ranges.set(stream, { text: part.trim(), min, max });
  }
  return ranges;
}
