// Statistics on request (preprocessproducetotopicstream, POST /v1/topics/:topic/preprocess): the
// guards — the topic exists and the producer id may write it, the streams are the joined topic's —
// then the core's preprocess step.
import { checkPreprocessInput, preprocessStreams, type WrittenStatistic } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { joinedStreams } from './joins.js';
import { checkProducer } from './produce.js';
import { describeExisting } from './validate.js';

export interface PreprocessRequest {
  topic: string;
  producerId: string;
  /** -1 only: each stream is rolled back maxRows offsets. */
  offset: number;
  maxRows: number;
  /** One statistic for every stream, or one per stream in order. */
  logic: string[];
  streams?: string[];
  identifier?: string;
  topicId?: number;
}

export async function preprocess(
  context: OperationContext,
  input: PreprocessRequest,
): Promise<WrittenStatistic[]> {
  if (input.offset !== -1) {
    throw new ParameterError(
      'offset',
      `must be -1 (roll each stream back maxrows offsets), got ${input.offset}`,
    );
  }
  checkPreprocessInput(input);
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const streams = await joinedStreams(context, input.topic, input.streams);
  const written = await preprocessStreams(
    { backbone: context.backbone, shapers: context.shapers },
    { ...input, streams, topicId: input.topicId !== undefined && input.topicId >= 0 ? input.topicId : -1 },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(written.length);
  return written;
}
