// Predictions on request (viperhpdepredict, POST /v1/predictions): the guards — the target topic
// exists and the producer id may write it, a stream is a topic name — then the core's predict step.
import {
  checkModelFolder,
  predict as predictCore,
  type PredictionSummaryKind,
  type WrittenPrediction,
} from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { resolveModel, type ModelSourceInput } from './model-source.js';
import { checkProducer } from './produce.js';
import { checkTopicName, describeExisting } from './validate.js';

export interface PredictRequest extends ModelSourceInput {
  produceTo: string;
  producerId: string;
  /** One row of inputs in the model's order, or `stream`: a joined topic. */
  inputs?: number[];
  stream?: string;
  /** With a stream: predict only its newest `maxRows` rows (0 = every row). */
  maxRows: number;
  /** With a stream: -1 its newest joined record, n >= 0 the one at offset n. */
  streamOffset?: number;
  /** With a stream: the streams feeding the model's inputs, in its order. */
  streams?: string[];
  /** Nominal coverage of the prediction interval or set, in (0, 1). */
  coverage?: number;
  /** Add each prediction's feature contributions. */
  explain?: boolean;
  /** The folder the model must have been trained into (empty: any). */
  folder?: string;
  /** Write one summary of the predictions (max, min, avg, median, trend) instead of each. */
  summary?: PredictionSummaryKind;
  /** With a stream: it holds rows `{"A":1,...}` whose fields are the inputs (VIPER's array=1). */
  array?: boolean;
}

export async function predict(
  context: OperationContext,
  input: PredictRequest,
): Promise<WrittenPrediction[]> {
  if (input.maxRows < 0) throw new ParameterError('maxRows', `must be >= 0, got ${input.maxRows}`);
  if (input.stream !== undefined) {
    checkTopicName(input.stream, 'stream');
  }
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkProducer(context, input.produceTo, input.producerId);
  const resolved = await resolveModel(context, input);
  if (input.folder !== undefined) checkModelFolder(resolved.controls?.folder, input.folder, 'folder');
  if (input.stream !== undefined) await describeExisting(context.backbone, input.stream, 'stream');
  const written = await predictCore(
    { backbone: context.backbone, shapers: context.shapers },
    resolved,
    {
      produceTo: input.produceTo,
      inputs: input.inputs,
      stream: input.stream,
      maxRows: input.maxRows,
      ...(input.streamOffset !== undefined ? { streamOffset: input.streamOffset } : {}),
      ...(input.streams !== undefined ? { streams: input.streams } : {}),
      ...(input.coverage !== undefined ? { coverage: input.coverage } : {}),
      ...(input.explain !== undefined ? { explain: input.explain } : {}),
      ...(input.summary !== undefined ? { summary: input.summary } : {}),
      ...(input.array === true ? { array: true } : {}),
    },
    {
      consumerId: input.consumerId,
      producerId: input.producerId,
      deploy: input.useDeployed === true ? 1 : 0,
      ...(input.device !== undefined ? { device: input.device } : {}),
    },
  );
  context.metrics.recordsProduced.inc(written.length);
  context.metrics.predictions.inc(written.length);
  return written;
}
