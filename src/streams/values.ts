// What a numeric stream record holds. Producers write a bare number as text (VIPER's
// `producetotopic` writes `externalprediction=417`), a JSON number, or a JSON object with the value
// in a field; anything else is not a number and is counted as skipped by the caller, never guessed.

/** The field read from JSON-object values when no other is named. */
export const DEFAULT_VALUE_FIELD = 'value';

/** The number a record carries, or NaN when it carries none. */
export function numericValue(value: Buffer | null, field: string = DEFAULT_VALUE_FIELD): number {
  if (value === null || value.length === 0) return NaN;
  return numericText(value.toString('utf8'), field);
}

/** The number a record's text carries, or NaN when it carries none (as `numericValue`). */
export function numericText(value: string, field: string = DEFAULT_VALUE_FIELD): number {
  const text = value.trim();
  if (text === '') return NaN;
  const first = text.charCodeAt(0);
  // '{' : a JSON object; anything else is read as a number (JSON numbers are numbers as text too)
  if (first !== 0x7b) return Number(text);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && field in parsed) {
      const v = (parsed as Record<string, unknown>)[field];
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '') return Number(v);
    }
  } catch {
    // not JSON: not a number either
  }
  return NaN;
}

/**
 * The value a record carries as a number or as text, for statistics that read text too: a number
 * (bare, JSON, or a field's number or numeric text) is a number; other text is text (a JSON string
 * without its quotes); an empty record, or an object without the field, carries nothing (undefined).
 */
export function sampleValue(
  value: Buffer | null,
  field: string = DEFAULT_VALUE_FIELD,
): number | string | undefined {
  if (value === null || value.length === 0) return undefined;
  const text = value.toString('utf8').trim();
  if (text === '') return undefined;
  const asNumber = (t: string) => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : t);
  const first = text.charCodeAt(0);
  if (first !== 0x7b && first !== 0x22) return asNumber(text);
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') return asNumber(parsed);
    if (parsed !== null && typeof parsed === 'object' && field in parsed) {
      const v = (parsed as Record<string, unknown>)[field];
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '') return asNumber(v);
      if (typeof v === 'boolean') return String(v);
    }
    return undefined;
  } catch {
    return text; // text that merely starts like JSON is text
  }
}
