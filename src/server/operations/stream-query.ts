// Stream queries on request (streamquery, POST /v1/topics/:topic/stream-queries): the guards — the
// topic exists and the producer id may write it, the results topic exists and is active — then the
// core's stream-query step.
import { queryStreamsWithAlerts, type WrittenAlert, type WrittenQueryResult } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { checkProducer } from './produce.js';
import { checkActive, describeExisting } from './validate.js';

export interface StreamQueryRequest {
  /** The topic holding the preprocessed streams (a preprocess call's preprocessTopic). */
  topic: string;
  producerId: string;
  streams: string[];
  conditions: string;
  description?: string;
  identifier?: string;
  /** Where the results are written (default: the topic). */
  produceTo?: string;
  topicId?: number;
  /** A device by record key: its newest values are queried. */
  device?: string;
  maxRows?: number;
  /** -1 (default): the newest records; n >= 0: from offset n of each stream. */
  offset?: number;
  /** The streams are fields of the topic's JSON rows (producetotopic array=1). */
  fields?: boolean;
  /** Only records whose JSON field `whereKey` matches this: [exact], (contains), {excludes}, bare: exact. */
  where?: string;
  whereKey?: string;
  /** Write each result's input values and records (rawData, msgIds); default true. */
  rawData?: boolean;
}

export interface StreamQueryOutcome {
  produceTo: string;
  results: WrittenQueryResult[];
  /** One alert record per query that holds, written after the results (docs/stream-analytics.md). */
  alerts: WrittenAlert[];
}

export async function streamQuery(
  context: OperationContext,
  input: StreamQueryRequest,
): Promise<StreamQueryOutcome> {
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const produceTo = input.produceTo === undefined || input.produceTo === '' ? input.topic : input.produceTo;
  if (produceTo !== input.topic) {
    await describeExisting(context.backbone, produceTo, 'produceTo');
    checkActive(context.store.topics.get(produceTo), produceTo);
  }
  const { where, whereKey, ...query } = input;
  if (where !== undefined && where !== '' && (whereKey === undefined || whereKey === '')) {
    throw new ParameterError('whereKey', 'must name the JSON path `where` searches');
  }
  const { results, alerts } = await queryStreamsWithAlerts(
    { backbone: context.backbone, shapers: context.shapers },
    {
      ...query,
      produceTo,
      ...(where !== undefined && where !== '' ? { where: { key: whereKey ?? '', condition: where } } : {}),
    },
  );
  context.metrics.recordsProduced.inc(results.length + alerts.length);
  return { produceTo, results, alerts };
}
