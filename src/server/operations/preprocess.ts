// preprocessproducetotopicstream: VIPER's `preprocesslogic` statistics over each stream's latest
// window, written into the joined topic as one `<stream>_preprocessed_<Type>` item per statistic
// (viper-protocol.md §3.4), all in one append.
import { randomBytes } from 'node:crypto';
import { computeStatistics, InvalidInputError } from '../../automl/index.js';
import { latestWindow } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { joinedStreams } from './joins.js';
import { checkProducer } from './produce.js';
import { describeExisting } from './validate.js';

export interface PreprocessInput {
  topic: string;
  producerId: string;
  offset: number;
  maxRows: number;
  /** One statistic list per stream, `;`-free: VIPER's comma list matching the stream order. */
  logic: string[];
  streams?: string[];
  identifier?: string;
  topicId?: number;
}

/** One item as VIPER's DOC-BLD printed it (`hyperprediction` is a string there). */
export interface PreprocessedItem {
  hyperprediction: string;
  Maintopic: string;
  Topic: string;
  Type: 'External';
  ProducerId: string;
  TimeStamp: string;
  Unixtime: number;
  kafkakey: string;
  Preprocesstype: string;
  WindowStartTime: string;
  WindowEndTime: string;
  WindowStartUnixTime: number;
  WindowEndUnixTime: number;
  Conditions: string;
  Identifier: string;
  PreprocessIdentifier: string;
  Numberofmessages: number;
  Consumerid: 'StreamConsumer';
  Generated: string;
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

export async function preprocess(
  context: OperationContext,
  input: PreprocessInput,
): Promise<Array<PreprocessedItem & { Partition: number; Offset: number }>> {
  if (input.offset !== -1) {
    throw new ParameterError(
      'offset',
      `must be -1 (roll each stream back maxrows offsets), got ${input.offset}`,
    );
  }
  if (input.maxRows < 1) throw new ParameterError('maxrows', `must be >= 1, got ${input.maxRows}`);
  if (input.logic.length === 0) throw new ParameterError('preprocesslogic', 'is required');
  await describeExisting(context.backbone, input.topic, 'topicname');
  await checkProducer(context, input.topic, input.producerId);
  const streams = await joinedStreams(context, input.topic, input.streams);
  // One statistic for every stream, or one per stream in order.
  if (input.logic.length !== 1 && input.logic.length !== streams.length) {
    throw new ParameterError(
      'preprocesslogic',
      `has ${input.logic.length} entries for ${streams.length} streams (${streams.join(', ')}): give one, or one per stream`,
    );
  }
  const now = new Date();
  const items: PreprocessedItem[] = [];
  for (let i = 0; i < streams.length; i++) {
    const stream = streams[i];
    const type = input.logic.length === 1 ? input.logic[0] : input.logic[i];
    const window = await latestWindow(context.backbone, stream, { lastOffsets: input.maxRows });
    if (window.values.length === 0) {
      throw new ParameterError(
        'topicname',
        `stream '${stream}' holds no numeric value in its latest ${input.maxRows} records`,
      );
    }
    let value;
    try {
      value = computeStatistics([type], window.values, { nonFinite: 'drop' });
    } catch (error) {
      if (error instanceof InvalidInputError) throw new ParameterError('preprocesslogic', error.message);
      throw error;
    }
    const [key, result] = Object.entries(value.values)[0];
    const start = window.timestamps[0];
    const end = window.timestamps[window.timestamps.length - 1];
    const prefix = input.topicId !== undefined && input.topicId >= 0 ? `topicid${input.topicId}_` : '';
    items.push({
      hyperprediction: result === null ? '' : String(Number(result.toFixed(6))),
      Maintopic: input.topic,
      Topic: `${prefix}${stream}_preprocessed_${title(key)}`,
      Type: 'External',
      ProducerId: input.producerId,
      TimeStamp: now.toISOString(),
      Unixtime: now.getTime(),
      kafkakey: randomBytes(24).toString('base64url').slice(0, 30),
      Preprocesstype: title(key),
      WindowStartTime: new Date(start).toISOString(),
      WindowEndTime: new Date(end).toISOString(),
      WindowStartUnixTime: start,
      WindowEndUnixTime: end,
      Conditions: '',
      Identifier: input.identifier ?? '',
      PreprocessIdentifier: input.identifier ?? '',
      Numberofmessages: window.values.length,
      Consumerid: 'StreamConsumer',
      Generated: now.toISOString(),
    });
  }
  const written = await context.backbone.produce(
    input.topic,
    items.map((item) => ({ key: item.kafkakey, value: JSON.stringify(item) })),
  );
  context.metrics.recordsProduced.inc(written.length);
  return items.map((item, i) => ({ ...item, Partition: written[i].partition, Offset: written[i].offset }));
}
