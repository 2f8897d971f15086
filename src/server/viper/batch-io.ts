// The batch endpoints' reading and labelling parameters, translated into a solution's `io`
// (src/solutions/spec-io.ts): `partition`, `offset`, `timedelay`, `consumerid`, `producerid` and
// `maintopic`. Each is checked before anything is created; an error names the parameter.
import type { SolutionIo } from '../../solutions/spec-io.js';
import { ParameterError, ServerError, showValue } from '../errors.js';
import type { OperationContext } from '../operations/context.js';
import { checkConsumer } from '../operations/validate.js';
import type { ViperParams } from './params.js';

export interface BatchIoTopics {
  /** The topic `consumerid` must be subscribed to (VIPER: the call's consumefrom). */
  consumed: string;
  /** The topics read: each must hold partition p when `partition` = p. */
  inputs: string[];
  /** The topic written (its producer id is `producerid`); undefined: the call writes several. */
  produceTo?: string;
  /** Another topic whose producer id `producerid` may be (preprocessing: the topic preprocessed). */
  alsoProducer?: string;
}

/** Every name the client sends for "no id": its default is the empty string. */
const given = (params: ViperParams, name: string): string => params.string(name, { default: '' }).trim();

async function registeredTopic(context: OperationContext, topic: string) {
  return context.store.topics.get(topic) ?? (await context.store.topics.lookup(topic));
}

async function partitionsOf(context: OperationContext, topic: string): Promise<number | undefined> {
  try {
    return (await context.backbone.describeTopic(topic)).partitions.length;
  } catch {
    return undefined; // a topic the solution creates (an output): made with the partitions it needs
  }
}

/** The `io` of the solution a batch call describes (fields left out when the call did not give them). */
export async function batchIo(
  context: OperationContext,
  params: ViperParams,
  topics: BatchIoTopics,
  consumerParameter = 'consumerid',
): Promise<SolutionIo> {
  const io: SolutionIo = {};
  const partition = params.int('partition', { default: -1, min: -1 });
  if (partition >= 0) {
    for (const topic of [...topics.inputs, ...(topics.produceTo !== undefined ? [topics.produceTo] : [])]) {
      const count = await partitionsOf(context, topic);
      if (count !== undefined && partition >= count) {
        throw new ParameterError(
          'partition',
          `is ${partition}, but topic '${topic}' has ${count} partition(s)`,
        );
      }
    }
    io.partition = partition;
  }
  const offset = params.int('offset', { default: -1, min: -1 });
  if (offset >= 0) io.startOffset = offset === 0 ? 'earliest' : offset;
  const pause = params.float('timedelay', { default: 0, min: 0, max: 86_400 });
  if (pause > 0) io.pauseSeconds = pause;
  const consumerId = given(params, consumerParameter);
  if (consumerId !== '') {
    try {
      await checkConsumer(context, consumerId, topics.consumed, consumerParameter);
    } catch (error) {
      if (error instanceof ServerError) throw new ParameterError(consumerParameter, error.message);
      throw error;
    }
    io.consumerId = consumerId;
  }
  const producerId = given(params, 'producerid');
  if (producerId !== '') {
    const topic = topics.produceTo;
    const registration = topic !== undefined ? await registeredTopic(context, topic) : undefined;
    const also =
      topics.alsoProducer !== undefined ? await registeredTopic(context, topics.alsoProducer) : undefined;
    if (topic === undefined || (registration?.producerId !== producerId && also?.producerId !== producerId)) {
      throw new ParameterError(
        'producerid',
        topic === undefined
          ? `'${showValue(producerId)}' cannot label this call's outputs (it writes several topics)`
          : registration === undefined
            ? `'${showValue(producerId)}' is not the producer id of '${topic}' (create it with createtopic first)`
            : `'${showValue(producerId)}' is not the producer id of '${topic}' (createtopic gave another)`,
      );
    }
    io.producerId = producerId;
  }
  const mainTopic = given(params, 'maintopic');
  if (mainTopic !== '') {
    if ((await registeredTopic(context, mainTopic)) === undefined) {
      throw new ParameterError(
        'maintopic',
        `'${showValue(mainTopic)}' is not a topic created with createtopic`,
      );
    }
    io.mainTopic = mainTopic;
  }
  return io;
}
