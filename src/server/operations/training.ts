// Training on request (viperhpdetraining, POST /v1/models): the guards — the topics exist, the
// consumer id may read the training-set topic, the producer id may write the model topic — then the
// core's train step, which registers the model under the consumer id's alias.
import {
  checkTrainInput,
  checkTrainingControls,
  trainModel,
  type TrainingControls,
  type TrainResult,
} from '../../streams/index.js';
import type { OperationContext } from './context.js';
import { checkProducer } from './produce.js';
import { checkActive, checkConsumer, checkMainTopic, describeExisting } from './validate.js';

export interface TrainRequest extends TrainingControls {
  consumeFrom: string;
  produceTo: string;
  consumerId: string;
  producerId: string;
  partition: number;
  offset?: number;
  rollbackPercent?: number;
  modelruns: number;
  islogistic: boolean;
  timeoutSeconds: number;
  /** The registry alias (the VIPER face's algokey). */
  alias: string;
  companyName?: string;
  /** A device (VIPER's `topicid`): its training set and its own model under the alias. */
  device?: string;
  /** `consumeFrom` holds rows `{"A":1,...}` whose fields are the variables (VIPER's array=1). */
  array?: boolean;
  /** The main (joined) topic the data came from: must exist; recorded with the model. */
  mainTopic?: string;
}

export async function train(context: OperationContext, input: TrainRequest): Promise<TrainResult> {
  // The guards and the read of the training set count against `timeout` as the fits do.
  const startedAt = performance.now();
  checkTrainInput(input);
  const release = context.trainings?.acquire(context.principal.tokenId);
  try {
    return await guardedTrain(context, input, startedAt);
  } finally {
    release?.();
  }
}

async function guardedTrain(
  context: OperationContext,
  input: TrainRequest,
  startedAt: number,
): Promise<TrainResult> {
  const controls = checkTrainingControls(input);
  await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
  if (input.mainTopic !== undefined) await checkMainTopic(context, input.mainTopic);
  if (controls.coefficients !== undefined) {
    await describeExisting(context.backbone, controls.coefficients.topic, 'coefficientTopic');
    checkActive(context.store.topics.get(controls.coefficients.topic), controls.coefficients.topic);
  }
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  const result = await trainModel(
    {
      backbone: context.backbone,
      registry: context.store.models,
      shapers: context.shapers,
      pool: context.trainingPool?.(),
    },
    { ...input, startedAt },
    {
      consumerId: input.consumerId,
      producerId: input.producerId,
      produceTo: input.produceTo,
      companyName: input.companyName,
      deploy: controls.deploy ? 1 : 0,
      ...(input.device !== undefined ? { device: input.device } : {}),
    },
  );
  context.metrics.trainings.inc();
  context.metrics.recordsProduced.inc(1);
  return result;
}
