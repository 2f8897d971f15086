// Predictions reduced to one: the row with the highest or lowest prediction (which input row — a
// machine, a person — does best or worst), the mean or median prediction, or the trend of the
// predictions over the rows (least-squares slope per row, oldest to newest). `all` keeps them all.
import { StepInputError } from '../errors.js';
import type { PredictionRecord } from './predict.js';

export const PREDICTION_SUMMARIES = ['max', 'min', 'avg', 'median', 'trend', 'all'] as const;
export type PredictionSummaryKind = (typeof PREDICTION_SUMMARIES)[number];

/** What a summary record stands for. */
export interface PredictionSummary {
  statistic: Exclude<PredictionSummaryKind, 'all'>;
  /** The predictions summarised. */
  rows: number;
  /** max/min: the position (0 = oldest) of the row the summary's inputs are. */
  row?: number;
}

export function isPredictionSummary(value: string): value is PredictionSummaryKind {
  return (PREDICTION_SUMMARIES as readonly string[]).includes(value);
}

/** Least-squares slope of `values` against 0, 1, 2, ... */
export function slope(values: readonly number[]): number {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - meanX) * (values[i] - meanY);
    sxx += (i - meanX) ** 2;
  }
  return sxy / sxx;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The records to write for `kind`. max/min keep that row's record (first one on ties); avg, median
 * and trend write one record whose prediction is the statistic and whose inputs are empty (it
 * stands for no one row); a classifier's probabilities and any interval stay only on max/min.
 */
export function summarizePredictions(
  records: PredictionRecord[],
  kind: PredictionSummaryKind,
): Array<PredictionRecord & { summary?: PredictionSummary }> {
  if (kind === 'all' || records.length === 0) return records;
  const values = records.map((r) => r.prediction);
  const rows = records.length;
  if (kind === 'max' || kind === 'min') {
    let best = 0;
    for (let i = 1; i < rows; i++) {
      if (kind === 'max' ? values[i] > values[best] : values[i] < values[best]) best = i;
    }
    return [{ ...records[best], summary: { statistic: kind, rows, row: best } }];
  }
  if (kind === 'trend' && rows < 2) {
    throw new StepInputError(
      'summary',
      'trend needs at least two predictions (a stream of rows); one row has none',
    );
  }
  const value =
    kind === 'avg'
      ? values.reduce((s, v) => s + v, 0) / rows
      : kind === 'median'
        ? median(values)
        : slope(values);
  const {
    probability1: _p,
    accuracyThreshold: _t,
    interval: _i,
    explanation: _e,
    ...newest
  } = records[rows - 1];
  return [{ ...newest, prediction: value, inputs: [], summary: { statistic: kind, rows } }];
}
