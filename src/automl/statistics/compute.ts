// Computes a list of named statistics over one window: the entry point the streams layer and the
// server call for VIPER's `preprocesslogic`.

import { InvalidInputError } from '../errors.js';
import type { SmoothedZScoreOptions } from '../anomaly/smoothed-z-score.js';
import { validateSmoothedZScoreOptions } from '../anomaly/smoothed-z-score.js';
import {
  anomalyProbability,
  DEFAULT_CONTEXT,
  outliers,
  STATISTICS,
  type StatisticContext,
  type StatisticValue,
} from './definitions.js';
import {
  EmptyWindowError,
  NonFiniteValueError,
  NonNumericStatisticError,
  UnknownStatisticError,
} from './errors.js';
import { Window } from './window.js';

/** The statistics that read text, times or points, with what they need (computeSampleStatistics has them). */
const NON_NUMERIC: Readonly<Record<string, string>> = {
  COUNTSTR: 'string values',
  UNIQUESTR: 'string values',
  UNIQUESTRCOUNT: 'string values',
  TIMEDIFF: 'timestamps',
  AVGTIMEDIFF: 'timestamps',
  GEODIFF: 'latitude/longitude pairs',
  DATAAGE: 'timestamps',
};

export interface StatisticsOptions {
  /**
   * What to do with NaN/±Infinity in the window: `error` (default) throws NonFiniteValueError;
   * `drop` leaves them out (as the dataset builder drops non-finite rows) and reports how many.
   */
  nonFinite?: 'error' | 'drop';
  /** SPIKEDETECT parameters; VIPER's defaults (lag 5, 3.5 SD, influence 0.5) otherwise. */
  spikeDetect?: Partial<SmoothedZScoreOptions>;
}

export interface StatisticsResult {
  /** One entry per requested name, keyed by its canonical upper-case form (e.g. `OUTLIERS10-90`). */
  values: Record<string, StatisticValue>;
  /** Values left out because they were not finite (only with `nonFinite: 'drop'`). */
  dropped: number;
}

/** A parsed statistic name: a plain one, or a parametrised OUTLIERSX-Y / ANOMPROBX-Y. */
export interface NumericRequest {
  key: string;
  compute: (w: Window, context: StatisticContext) => StatisticValue;
}

const PARAMETRISED = /^(OUTLIERS|ANOMPROB)(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/;

export function knownStatistics(): string[] {
  return [...Object.keys(STATISTICS), 'OUTLIERSX-Y', 'ANOMPROBX-Y', ...Object.keys(NON_NUMERIC)].map((k) =>
    k === 'DATAAGE' ? 'DATAAGE_[utcoffset]_[unit]' : k,
  );
}

/** A numeric statistic by name (case-insensitive); throws for a text one or an unknown one. */
export function numericStatistic(name: string): NumericRequest {
  const key = String(name).trim().toUpperCase();
  const plain = STATISTICS[key];
  if (plain !== undefined) return { key, compute: plain.compute };
  const match = PARAMETRISED.exec(key);
  if (match !== null) {
    const p = Number(match[2]) / 100;
    const q = Number(match[3]) / 100;
    if (!(p < q) || q > 1) {
      throw new InvalidInputError(
        `statistic '${name}': expected ${match[1]}X-Y with percentiles 0 ≤ X < Y ≤ 100`,
      );
    }
    return match[1] === 'OUTLIERS'
      ? { key, compute: (w) => outliers(w, p, q) }
      : { key, compute: (w) => anomalyProbability(w, p, q) };
  }
  const base = key.startsWith('DATAAGE') ? 'DATAAGE' : key;
  const needs = NON_NUMERIC[base];
  if (needs !== undefined) throw new NonNumericStatisticError(key, needs);
  throw new UnknownStatisticError(String(name), knownStatistics());
}

/**
 * Computes each named statistic (case-insensitive, VIPER's names; see definitions.ts for meanings)
 * over `window` (oldest value first). Names are all checked before anything is computed, so an
 * unknown name fails the call whole. Throws EmptyWindowError for an empty window (after dropping).
 */
export function computeStatistics(
  names: readonly string[],
  window: Float64Array,
  options: StatisticsOptions = {},
): StatisticsResult {
  if (names.length === 0) throw new InvalidInputError('no statistic requested');
  const requests = names.map(numericStatistic);
  const spikeDetect = { ...DEFAULT_CONTEXT.spikeDetect, ...options.spikeDetect };
  validateSmoothedZScoreOptions(spikeDetect);

  let values = window;
  let dropped = 0;
  for (let i = 0; i < window.length; i++) {
    if (Number.isFinite(window[i])) continue;
    if (options.nonFinite !== 'drop') throw new NonFiniteValueError('the window', i, window[i]);
    dropped++;
  }
  if (dropped > 0) values = window.filter(Number.isFinite);
  if (values.length === 0) throw new EmptyWindowError('the window');

  const w = new Window(values);
  const context: StatisticContext = { spikeDetect };
  const result: Record<string, StatisticValue> = {};
  for (const r of requests) {
    const v = r.compute(w, context);
    result[r.key] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return { values: result, dropped };
}

/** The statistic names this engine computes, with the meaning of each (for docs and `/v1`). */
export function statisticCatalogue(): Array<{ name: string; meaning: string }> {
  return Object.entries(STATISTICS).map(([name, s]) => ({ name, meaning: s.meaning }));
}
