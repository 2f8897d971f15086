// The preprocess step: a statistic over each stream's latest window (roll back maxRows offsets),
// computed by src/automl computeStatistics, written into a topic as one record per stream, all in
// one append.
import { computeStatistics, InvalidInputError } from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import { latestWindow } from '../window.js';

export interface PreprocessInput {
  /** Where the statistics are written. */
  topic: string;
  streams: string[];
  /** The window: each stream's newest `maxRows` records. */
  maxRows: number;
  /** One statistic for every stream, or one per stream in order. */
  logic: string[];
  /** A label the caller gives the run, kept in every record. */
  identifier?: string;
  /** A number the caller prefixes the statistic's topic name with (-1: none). */
  topicId?: number;
}

export interface StatisticRecord {
  topic: string;
  stream: string;
  /** The statistic's name as computed (e.g. `avg`, `trend`). */
  statistic: string;
  /** Null when the statistic is undefined on this window. */
  value: number | null;
  windowStart: number;
  windowEnd: number;
  /** Values in the window. */
  count: number;
  identifier: string;
  topicId: number;
  createdAt: Date;
}

export interface WrittenStatistic extends StatisticRecord {
  shaped: unknown;
  partition: number;
  offset: number;
}

export function checkPreprocessInput(input: Pick<PreprocessInput, 'maxRows' | 'logic'>): void {
  if (input.maxRows < 1) throw new StepInputError('maxRows', `must be >= 1, got ${input.maxRows}`);
  if (input.logic.length === 0) throw new StepInputError('logic', 'is required');
}

/**
 * Statistics of one window's values, by name (null where undefined on the window): the pure part
 * of the step, shared by the one-shot call and a solution's promotion. Unknown names name `logic`.
 */
export function windowStatistics(
  values: Float64Array,
  logic: readonly string[],
): Record<string, number | null> {
  try {
    return computeStatistics([...logic], values, { nonFinite: 'drop' }).values;
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError('logic', error.message);
    throw error;
  }
}

export async function preprocessStreams(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: PreprocessInput,
  call: CallDetails = {},
): Promise<WrittenStatistic[]> {
  checkPreprocessInput(input);
  const { streams } = input;
  if (input.logic.length !== 1 && input.logic.length !== streams.length) {
    throw new StepInputError(
      'logic',
      `has ${input.logic.length} entries for ${streams.length} streams (${streams.join(', ')}): give one, or one per stream`,
    );
  }
  const createdAt = new Date();
  const records: StatisticRecord[] = [];
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i];
    const type = input.logic.length === 1 ? input.logic[0] : input.logic[i];
    const window = await latestWindow(services.backbone, stream, { lastOffsets: input.maxRows });
    if (window.values.length === 0) {
      throw new StepInputError(
        'topic',
        `stream '${stream}' holds no numeric value in its latest ${input.maxRows} records`,
      );
    }
    const [statistic, value] = Object.entries(windowStatistics(window.values, [type]))[0];
    records.push({
      topic: input.topic,
      stream,
      statistic,
      value: value === null ? null : Number(value.toFixed(6)),
      windowStart: window.timestamps[0],
      windowEnd: window.timestamps[window.timestamps.length - 1],
      count: window.values.length,
      identifier: input.identifier ?? '',
      topicId: input.topicId ?? -1,
      createdAt,
    });
  }
  const keys = records.map(() => recordKey());
  const shaped = records.map((r, i) => services.shapers.statistic(r, call, keys[i]));
  const written = await services.backbone.produce(
    input.topic,
    shaped.map((value, i) => ({ key: keys[i], value: JSON.stringify(value) })),
  );
  return records.map((r, i) => ({
    ...r,
    shaped: shaped[i],
    partition: written[i].partition,
    offset: written[i].offset,
  }));
}
