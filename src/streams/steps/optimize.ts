// The optimize step: the inputs, within bounds from the training window's statistics, that minimise
// or maximise the model's prediction (src/automl optimizeModel), written to the target topic.
import {
  InvalidInputError,
  optimizeModel,
  type ModelJSON,
  type ModelOptimization,
  type OptimizeModelRequest,
  type RowModel,
  type TrainingPool,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import type { VariableStats } from '../registry/types.js';
import type { ResolvedModel } from './model-source.js';
import { modelInOriginalUnits } from './controls/predict-controls.js';

export interface OptimizeInput {
  produceTo: string;
  minimize: boolean;
  /** `best`, or `variable:min:max,...`. */
  constraints: string;
  /** 1, 2 or 3: how the bounds come from the statistics (automl/optimize/constraints.ts). */
  constraintType: number;
  /** Percent the bounds are widened by. */
  stretchBounds: number;
  epsilon: number;
}

export interface OptimizationRecord extends ModelOptimization {
  alias: string;
  /** The device whose model was optimised (the record is keyed with it). */
  device?: string;
  algorithm: string;
  modelTopic: string;
  produceTo: string;
  createdAt: string;
}

export interface WrittenOptimization {
  record: OptimizationRecord;
  /** The value written (the shaped record). */
  shaped: unknown;
  bytesWritten: number;
  partition: number;
  offset: number;
}

/** Wall-clock bound of one search: it runs on the event loop, so it must stay short. */
export const OPTIMIZE_BUDGET_MS = 2_000;

export function checkOptimizeInput(
  input: Pick<OptimizeInput, 'constraintType' | 'stretchBounds' | 'epsilon'>,
): void {
  if (![1, 2, 3].includes(input.constraintType)) {
    throw new StepInputError('constraintType', `must be 1, 2 or 3, got ${input.constraintType}`);
  }
  if (!(input.stretchBounds >= 0 && input.stretchBounds <= 100)) {
    throw new StepInputError(
      'stretchBounds',
      `must be a percentage from 0 to 100, got ${input.stretchBounds}`,
    );
  }
  if (!(input.epsilon > 0)) throw new StepInputError('epsilon', `must be > 0, got ${input.epsilon}`);
}

/**
 * The optimum of a model within bounds from its window's statistics: the pure part of the step,
 * shared by the one-shot call and a solution's promotion. Bad `constraints` name that field.
 */
export function findOptimum(
  model: RowModel,
  stats: readonly VariableStats[],
  settings: Omit<OptimizeInput, 'produceTo'>,
  run: { seed: number; budgetMs: number },
): ModelOptimization {
  try {
    return optimizeModel(model, optimumRequest(stats, settings, run));
  } catch (error) {
    // Bad `constraints` (unknown variable, min > max, not var:min:max) are the caller's to fix.
    if (error instanceof InvalidInputError) throw new StepInputError('constraints', error.message);
    throw error;
  }
}

/**
 * findOptimum on a thread of the training pool: the search (up to its budget) and the model's
 * parsing hold a worker thread instead of the event loop.
 */
export async function findOptimumOnPool(
  pool: TrainingPool,
  model: ModelJSON,
  stats: readonly VariableStats[],
  settings: Omit<OptimizeInput, 'produceTo'>,
  run: { seed: number; budgetMs: number },
): Promise<ModelOptimization> {
  const outcome = await pool.run({ kind: 'optimize', model, request: optimumRequest(stats, settings, run) });
  if (outcome.ok) return outcome.optimization;
  // errors cross the thread as data: an InvalidInputError is marked so
  if (outcome.error.invalidInput === true) {
    throw new StepInputError('constraints', outcome.error.message);
  }
  throw new Error(outcome.error.message);
}

function optimumRequest(
  stats: readonly VariableStats[],
  settings: Omit<OptimizeInput, 'produceTo'>,
  run: { seed: number; budgetMs: number },
): OptimizeModelRequest {
  return {
    stats,
    ismin: settings.minimize ? 1 : 0,
    constraints: settings.constraints,
    constraintType: settings.constraintType,
    stretchBounds: settings.stretchBounds,
    epsilon: settings.epsilon,
    seed: run.seed,
    timeBudgetMs: run.budgetMs,
  };
}

export async function optimizeInputs(
  services: { backbone: Backbone; shapers: RecordShapers },
  resolved: ResolvedModel,
  input: OptimizeInput,
  call: CallDetails = {},
): Promise<WrittenOptimization> {
  checkOptimizeInput(input);
  const names = resolved.json.featureNames;
  if (resolved.stats.length !== names.length) {
    throw new StepInputError(
      'consumeFrom',
      'the model carries no descriptive statistics of its training window',
    );
  }
  const result = findOptimum(modelInOriginalUnits(resolved), resolved.stats, input, {
    seed: 1,
    budgetMs: OPTIMIZE_BUDGET_MS,
  });
  const record: OptimizationRecord = {
    ...result,
    alias: resolved.alias,
    ...(resolved.device !== undefined ? { device: resolved.device } : {}),
    algorithm: resolved.json.algorithm,
    modelTopic: resolved.topic,
    produceTo: input.produceTo,
    createdAt: new Date().toUTCString(),
  };
  const key = recordKey();
  const shaped = services.shapers.optimization(record, call, key);
  const value = JSON.stringify(shaped);
  const [written] = await services.backbone.produce(input.produceTo, [
    { key: resolved.device ?? key, value },
  ]);
  return {
    record,
    shaped,
    bytesWritten: Buffer.byteLength(value),
    partition: written.partition,
    offset: written.offset,
  };
}
