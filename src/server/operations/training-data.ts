// Training sets on request (createtrainingdata, POST /v1/training-sets): the guards — the topics
// exist, the consumer id may read the joined topic, the producer id may write the target — then the
// core's training-set step.
import { createTrainingSet, type TrainingSetRecord, type WrittenRecord } from '../../streams/index.js';
import type { OperationContext } from './context.js';
import { checkProducer } from './produce.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';
import { StepInputError } from '../../streams/errors.js';

export interface CreateTrainingDataInput {
  consumeFrom: string;
  produceTo: string;
  dependentVariable: string;
  independentVariables: string[];
  consumerId: string;
  producerId: string;
  partition: number;
  /** A device (VIPER's `topicid`): its newest joined record; the training set is keyed with it. */
  device?: string;
}

export async function createTrainingData(
  context: OperationContext,
  input: CreateTrainingDataInput,
): Promise<WrittenRecord<TrainingSetRecord>> {
  if (input.independentVariables.length === 0) {
    throw new StepInputError('independentVariables', 'must name at least one stream');
  }
  await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  const result = await createTrainingSet(context.backbone, input);
  context.metrics.recordsProduced.inc(1);
  return result;
}
