// Where viperhpdepredict and viperhpdeoptimize find their model: by `algokey` in the model registry,
// or as the latest model record of `consumefrom` (the trained-params topic), read with a consumer id
// subscribed to it.
import { Model, type ModelJSON } from '../../automl/index.js';
import { NotFoundError, ParameterError, showValue } from '../errors.js';
import type { ModelRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { latestRecord, parseJsonRecord } from './latest-record.js';
import { MODEL_RECORD_KIND, type TrainedModelRecord } from './training.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export interface ModelSourceInput {
  algokey?: string;
  consumeFrom?: string;
  consumerId?: string;
  partition?: number;
}

export interface ResolvedModel {
  algokey: string;
  algo: string;
  json: ModelJSON;
  model: Model;
  stats: ModelRegistration['stats'];
  /** The params topic it came from, when read from a topic. */
  topic: string;
}

/**
 * Built models per registration: rebuilding a model from its JSON on every prediction (a 100-tree
 * GBDT is ~150 KB of base64) cost more than the prediction itself. Keyed by the registration object,
 * so a retrained model (a new registration) is built afresh and the old entry is collected.
 */
const builtModels = new WeakMap<ModelRegistration, Model>();

function build(json: unknown, parameter: string): Model {
  try {
    return Model.fromJSON(json as ModelJSON);
  } catch (error) {
    throw new ParameterError(parameter, `holds a model tml cannot read: ${(error as Error).message}`);
  }
}

export async function resolveModel(
  context: OperationContext,
  input: ModelSourceInput,
): Promise<ResolvedModel> {
  if (input.algokey !== undefined && input.algokey !== '') {
    let registration = context.store.models.get(input.algokey);
    if (registration === undefined) {
      await context.store.models.refresh();
      registration = context.store.models.get(input.algokey);
    }
    if (registration === undefined) {
      throw new NotFoundError(
        'UNKNOWN_ALGOKEY',
        `algokey '${showValue(input.algokey)}' is not a trained model`,
        'algokey',
      );
    }
    const json = registration.model as ModelJSON;
    let model = builtModels.get(registration);
    if (model === undefined) {
      model = build(json, 'algokey');
      builtModels.set(registration, model);
    }
    return {
      algokey: registration.algokey,
      algo: registration.algo,
      json,
      model,
      stats: registration.stats,
      topic: registration.topic,
    };
  }
  if (input.consumeFrom === undefined || input.consumeFrom === '') {
    throw new ParameterError('consumefrom', 'is required (the trained-params topic), or give algokey');
  }
  const topic = input.consumeFrom;
  await describeExisting(context.backbone, topic, 'consumefrom');
  await checkConsumer(context, input.consumerId ?? '', topic);
  checkActive(context.store.topics.get(topic), topic);
  const source = await latestRecord(
    context.backbone,
    topic,
    input.partition ?? -1,
    'consumefrom',
    'trained model',
  );
  const record = parseJsonRecord(
    source,
    topic,
    'consumefrom',
    'a trained model',
  ) as Partial<TrainedModelRecord> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    record.kind !== MODEL_RECORD_KIND ||
    record.Model === undefined
  ) {
    throw new ParameterError(
      'consumefrom',
      `names topic '${topic}', whose latest record is not a trained model (viperhpdetraining writes one)`,
    );
  }
  return {
    algokey: record.Algokey ?? '',
    algo: record.Algo ?? '',
    json: record.Model,
    model: build(record.Model, 'consumefrom'),
    stats: record.DescriptiveStats ?? [],
    topic,
  };
}
