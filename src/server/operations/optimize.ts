// Optimization on request (viperhpdeoptimize, POST /v1/optimizations): the guards — the target
// topic exists and the producer id may write it — then the core's optimize step.
import {
  checkOptimizeInput,
  optimizeInputs as optimizeCore,
  type WrittenOptimization,
} from '../../streams/index.js';
import type { OperationContext } from './context.js';
import { resolveModel, type ModelSourceInput } from './model-source.js';
import { checkProducer } from './produce.js';
import { describeExisting } from './validate.js';

export interface OptimizeRequest extends ModelSourceInput {
  produceTo: string;
  producerId: string;
  minimize: boolean;
  constraints: string;
  constraintType: number;
  stretchBounds: number;
  epsilon: number;
}

export async function optimizeInputs(
  context: OperationContext,
  input: OptimizeRequest,
): Promise<WrittenOptimization> {
  checkOptimizeInput(input);
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkProducer(context, input.produceTo, input.producerId);
  const resolved = await resolveModel(context, input);
  const result = await optimizeCore(
    { backbone: context.backbone, shapers: context.shapers },
    resolved,
    input,
    {
      consumerId: input.consumerId,
      producerId: input.producerId,
      deploy: input.useDeployed === true ? 1 : 0,
      ...(input.device !== undefined ? { device: input.device } : {}),
    },
  );
  context.metrics.recordsProduced.inc(1);
  return result;
}
