// viperhpdeoptimize: the inputs, within VIPER's bounds, that minimise or maximise the trained model's
// prediction (src/automl optimizeModel), written to `produceto` in the seed's shape.
import { randomBytes } from 'node:crypto';
import { optimizeModel, toViperOptimization, type ViperOptimization } from '../../automl/index.js';
import { InvalidInputError } from '../../automl/index.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { resolveModel, type ModelSourceInput } from './model-source.js';
import { checkProducer } from './produce.js';
import { describeExisting } from './validate.js';

export interface OptimizeInput extends ModelSourceInput {
  produceTo: string;
  producerId: string;
  ismin: boolean;
  constraints: string;
  constraintType: number;
  stretchBounds: number;
  epsilon: number;
  usedeploy?: number;
}

export interface OptimizeResult {
  body: ViperOptimization;
  partition: number;
  offset: number;
}

/** Wall-clock bound of one search: it runs on the event loop, so it must stay short. */
const OPTIMIZE_BUDGET_MS = 2_000;

export async function optimizeInputs(
  context: OperationContext,
  input: OptimizeInput,
): Promise<OptimizeResult> {
  if (![1, 2, 3].includes(input.constraintType)) {
    throw new ParameterError('constrainttype', `must be 1, 2 or 3, got ${input.constraintType}`);
  }
  if (!(input.stretchBounds >= 0 && input.stretchBounds <= 100)) {
    throw new ParameterError(
      'stretchbounds',
      `must be a percentage from 0 to 100, got ${input.stretchBounds}`,
    );
  }
  if (!(input.epsilon > 0)) throw new ParameterError('epsilon', `must be > 0, got ${input.epsilon}`);
  await describeExisting(context.backbone, input.produceTo, 'produceto');
  await checkProducer(context, input.produceTo, input.producerId);
  const resolved = await resolveModel(context, input);
  const names = resolved.json.featureNames;
  if (resolved.stats.length !== names.length) {
    throw new ParameterError(
      'consumefrom',
      'the model carries no descriptive statistics of its training window',
    );
  }
  let result;
  try {
    result = optimizeModel(resolved.model, {
      stats: resolved.stats,
      ismin: input.ismin ? 1 : 0,
      constraints: input.constraints,
      constraintType: input.constraintType,
      stretchBounds: input.stretchBounds,
      epsilon: input.epsilon,
      seed: 1,
      timeBudgetMs: OPTIMIZE_BUDGET_MS,
    });
  } catch (error) {
    // Bad `constraints` (unknown variable, min > max, not var:min:max) are the caller's to fix.
    if (error instanceof InvalidInputError) {
      throw new ParameterError('constraints', error.message);
    }
    throw error;
  }
  const kafkakey = randomBytes(24).toString('base64url').slice(0, 30);
  const body = toViperOptimization(result, {
    userDetails: {
      CreatedOn: new Date().toUTCString(),
      HPDEHOST: 'in-process',
      Usedeploy: input.usedeploy ?? 0,
      Algokey: resolved.algokey,
      Algo: resolved.algo,
    },
    additionDetails: {
      Consumerid: input.consumerId ?? '',
      Producerid: input.producerId,
      Consumefrom: resolved.topic,
      Produceto: input.produceTo,
      kafkakey,
    },
  });
  const value = JSON.stringify(body);
  const [written] = await context.backbone.produce(input.produceTo, [{ key: kafkakey, value }]);
  context.metrics.recordsProduced.inc(1);
  body.AdditionDetails = {
    ...body.AdditionDetails,
    BytesWritten: Buffer.byteLength(value),
    Partition: written.partition,
    Offset: written.offset,
  };
  return { body, partition: written.partition, offset: written.offset };
}
