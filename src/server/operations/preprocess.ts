// Statistics on request (preprocessproducetotopicstream, POST /v1/joins/:topic/preprocessed): the
// guards — the topic exists and the producer id may write it, the streams are the joined topic's, the
// preprocess topic exists — then the core's preprocess step.
import { checkPreprocessInput, preprocessStreams, type WrittenStatistic } from '../../streams/index.js';
import type { OperationContext } from './context.js';
import { joinedStreams } from './joins.js';
import { ParameterError } from '../errors.js';
import { checkProducer } from './produce.js';
import { checkActive, describeExisting } from './validate.js';

export interface PreprocessRequest {
  topic: string;
  producerId: string;
  /** -1: each stream is rolled back maxRows offsets; N >= 0: maxRows records from offset N on. */
  offset: number;
  maxRows: number;
  /** One statistic for every stream, or one per stream in order. */
  logic: string[];
  streams?: string[];
  identifier?: string;
  topicId?: number;
  conditions?: string;
  /** Where the items are written (default: the joined topic); created on first use like an output topic. */
  preprocessTopic?: string;
  rawData?: boolean;
  /** The streams are fields of the topic's records (VIPER's array=1); `streams` is then required. */
  fields?: boolean;
  /** One record holding all items as a JSON array (VIPER's saveasarray). */
  asArray?: boolean;
}

export interface PreprocessedItem extends WrittenStatistic {
  preprocessTopic: string;
}

export async function preprocess(
  context: OperationContext,
  input: PreprocessRequest,
): Promise<PreprocessedItem[]> {
  checkPreprocessInput(input);
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  let streams: string[];
  if (input.fields) {
    streams = input.streams ?? [];
    if (streams.length === 0) {
      throw new ParameterError('streams', "must name the fields of the topic's rows (array=1)");
    }
  } else {
    streams = await joinedStreams(context, input.topic, input.streams);
  }
  const preprocessTopic =
    input.preprocessTopic === undefined || input.preprocessTopic === '' ? input.topic : input.preprocessTopic;
  if (preprocessTopic !== input.topic) {
    // one topic per call for all its preprocessed streams: it must exist (createtopics) and be active
    await describeExisting(context.backbone, preprocessTopic, 'preprocessTopic');
    checkActive(context.store.topics.get(preprocessTopic), preprocessTopic);
  }
  const written = await preprocessStreams(
    { backbone: context.backbone, shapers: context.shapers },
    {
      ...input,
      streams,
      preprocessTopic,
      topicId: input.topicId !== undefined && input.topicId >= 0 ? input.topicId : -1,
    },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(written.length);
  return written.map((w) => ({ ...w, preprocessTopic }));
}
