// Custom-JSON preprocessing on request (preprocesscustomjson, POST /v1/topics/:topic/custom-json):
// the guards — the raw topic exists and the producer id may write it, the preprocess topic exists and
// is active — then the core's custom-JSON step.
import { preprocessCustomJson, type CustomJsonInput } from '../../streams/index.js';
import type { OperationContext } from './context.js';
import type { PreprocessedItem } from './preprocess.js';
import { checkProducer } from './produce.js';
import { checkActive, describeExisting } from './validate.js';

export interface CustomJsonRequest extends CustomJsonInput {
  producerId: string;
}

export async function preprocessJson(
  context: OperationContext,
  input: CustomJsonRequest,
): Promise<PreprocessedItem[]> {
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const preprocessTopic =
    input.preprocessTopic === undefined || input.preprocessTopic === '' ? input.topic : input.preprocessTopic;
  if (preprocessTopic !== input.topic) {
    await describeExisting(context.backbone, preprocessTopic, 'preprocessTopic');
    checkActive(context.store.topics.get(preprocessTopic), preprocessTopic);
  }
  const written = await preprocessCustomJson(
    { backbone: context.backbone, shapers: context.shapers },
    { ...input, preprocessTopic },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(written.length);
  return written.map((w) => ({ ...w, preprocessTopic }));
}
