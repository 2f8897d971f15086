// The guards before the core finds a model (src/streams resolveModel): reading the latest model
// record of a topic needs a consumer id subscribed to it; a registry alias needs none.
import { resolveModel as resolveCore, type ResolvedModel } from '../../streams/index.js';
import type { OperationContext } from './context.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export interface ModelSourceInput {
  algokey?: string;
  consumeFrom?: string;
  consumerId?: string;
  partition?: number;
  /** The alias's model promoted to "deploy" rather than its latest. */
  useDeployed?: boolean;
  /** A device: its own model (VIPER's `topicid`). */
  device?: string;
  /** -1: the newest model record of consumeFrom; n >= 0: the one at offset n. */
  modelOffset?: number;
}

export async function resolveModel(
  context: OperationContext,
  input: ModelSourceInput,
): Promise<ResolvedModel> {
  const byAlias = input.algokey !== undefined && input.algokey !== '';
  if (!byAlias && input.consumeFrom !== undefined && input.consumeFrom !== '') {
    await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
    await checkConsumer(context, input.consumerId ?? '', input.consumeFrom);
    checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  }
  return resolveCore(
    { backbone: context.backbone, registry: context.store.models, shapers: context.shapers },
    {
      alias: input.algokey,
      consumeFrom: input.consumeFrom,
      partition: input.partition,
      useDeployed: input.useDeployed,
      ...(input.device !== undefined ? { device: input.device } : {}),
      ...(input.modelOffset !== undefined ? { offset: input.modelOffset } : {}),
    },
  );
}
