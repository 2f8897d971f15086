// Computes `preprocesslogic` statistics over a window of any values (numbers and text): the entry
// point of the preprocess step. Statistics of text, times and points run on the values as they are;
// a numeric statistic needs every value to be a number and names the first one that is not.
import { InvalidInputError } from '../errors.js';
import { computeStatistics, numericStatistic, type StatisticsOptions } from './compute.js';
import type { StatisticValue } from './definitions.js';
import { EmptyWindowError } from './errors.js';
import { dataAge, SAMPLE_STATISTICS, UnparsableValueError, type Sample } from './text.js';

export interface SampleStatisticsOptions extends Pick<StatisticsOptions, 'spikeDetect'> {
  /** The clock of DATAAGE (ms since the epoch); now by default. */
  now?: number;
}

interface Planned {
  key: string;
  run: (sample: Sample) => StatisticValue;
}

function numbers(key: string, sample: Sample): Float64Array {
  const out = new Float64Array(sample.values.length);
  sample.values.forEach((v, i) => {
    if (typeof v !== 'number') throw new UnparsableValueError(key, i, v, 'a number');
    out[i] = v;
  });
  return out;
}

function plan(name: string, options: SampleStatisticsOptions): Planned {
  const key = String(name).trim().toUpperCase();
  const any = SAMPLE_STATISTICS[key]?.compute ?? dataAge(key);
  if (any !== undefined) return { key, run: (s) => any(s, { now: options.now ?? Date.now() }) };
  numericStatistic(name); // an unknown or malformed name fails here, before anything is computed
  return { key, run: (s) => computeStatistics([key], numbers(key, s), options).values[key] };
}

/**
 * Each named statistic (case-insensitive, VIPER's names) over `sample` (oldest first), keyed by its
 * canonical upper-case name. Every name is checked before anything is computed; an empty window
 * throws EmptyWindowError.
 */
export function computeSampleStatistics(
  names: readonly string[],
  sample: Sample,
  options: SampleStatisticsOptions = {},
): Record<string, StatisticValue> {
  if (names.length === 0) throw new InvalidInputError('no statistic requested');
  const planned = names.map((n) => plan(n, options));
  if (sample.values.length === 0) throw new EmptyWindowError('the window');
  const result: Record<string, StatisticValue> = {};
  for (const p of planned) {
    const v = p.run(sample);
    result[p.key] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return result;
}
