// Where predict and optimize find their model: by alias in the model registry, or as the latest
// model record of a topic (a trained-params topic).
import { Model, type ModelJSON } from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError, StepNotFoundError } from '../errors.js';
import { latestRecord, parseJsonRecord } from '../latest-record.js';
import { trainingSetRecord as recordAt } from './controls/training-source.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion, VariableStats } from '../registry/types.js';
import type { RecordShapers } from '../shapers.js';
import type { ModelControls } from './controls/model-controls.js';

export interface ModelSourceInput {
  /** A registry alias; when empty, the latest model record of `consumeFrom`. */
  alias?: string;
  consumeFrom?: string;
  partition?: number;
  /** Predict with the alias's model promoted to "deploy" instead of its latest. */
  useDeployed?: boolean;
  /** A device: the alias's model of that device, or `consumeFrom`'s newest model keyed with it. */
  device?: string;
  /** -1 (default): the newest model record of `consumeFrom`; n >= 0: the one at offset n. */
  offset?: number;
}

export interface ResolvedModel {
  alias: string;
  /** The device the model belongs to, when one was asked for. */
  device?: string;
  json: ModelJSON;
  model: Model;
  stats: VariableStats[];
  /** The topic the model record is in. */
  topic: string;
  /** The training's target rule, transform and registry stage (absent on older records). */
  controls?: ModelControls;
}

export interface ModelSourceServices {
  backbone: Backbone;
  registry: ModelRegistry;
  shapers: RecordShapers;
}

/**
 * Built models per registered version: rebuilding a model from its JSON on every prediction (a
 * 100-tree GBDT is ~150 KB of base64) cost more than the prediction itself. Keyed by the version
 * object, so a retrained model (a new version) is built afresh and the old entry is collected.
 */
const builtModels = new WeakMap<ModelVersion, Model>();

function build(json: unknown, field: string): Model {
  try {
    return Model.fromJSON(json as ModelJSON);
  } catch (error) {
    throw new StepInputError(field, `holds a model tml cannot read: ${(error as Error).message}`);
  }
}

export async function resolveModel(
  services: ModelSourceServices,
  input: ModelSourceInput,
): Promise<ResolvedModel> {
  if (input.useDeployed === true) return resolveDeployed(services, input);
  if (input.alias !== undefined && input.alias !== '') {
    const version =
      input.device === undefined
        ? await services.registry.resolve(input.alias)
        : await services.registry.resolveDevice(input.alias, input.device);
    if (version === undefined && input.device !== undefined) {
      throw new StepInputError(
        'topicId',
        `is ${input.device}, a device ${showAlias(input.alias)} has no model of (train one with this topicid)`,
      );
    }
    if (version === undefined) {
      throw new StepNotFoundError(
        'UNKNOWN_MODEL',
        `${showAlias(input.alias)} is not a trained model`,
        'algokey',
      );
    }
    let model = builtModels.get(version);
    if (model === undefined) {
      model = build(version.model, 'algokey');
      builtModels.set(version, model);
    }
    return {
      alias: input.alias,
      ...(input.device !== undefined ? { device: input.device } : {}),
      json: version.model,
      model,
      stats: version.stats ?? [],
      topic: version.record?.topic ?? '',
      ...(version.controls !== undefined ? { controls: version.controls } : {}),
    };
  }
  if (input.consumeFrom === undefined || input.consumeFrom === '') {
    throw new StepInputError('consumeFrom', 'is required (the trained-params topic), or give algokey');
  }
  const topic = input.consumeFrom;
  const source =
    (input.offset ?? -1) === -1
      ? await latestRecord(
          services.backbone,
          topic,
          input.partition ?? -1,
          'consumeFrom',
          'trained model',
          input.device,
        )
      : await recordAt(services.backbone, topic, input.partition ?? -1, input.offset ?? -1, input.device);
  const record = services.shapers.readModel(parseJsonRecord(source, topic, 'consumeFrom', 'a trained model'));
  if (record === undefined) {
    throw new StepInputError(
      'consumeFrom',
      `names topic '${topic}', whose ${source.offset === input.offset ? `record at offset ${source.offset}` : 'latest record'} is not a trained model (the train step writes one)`,
    );
  }
  return {
    alias: record.alias,
    ...(input.device !== undefined ? { device: input.device } : {}),
    json: record.model,
    model: build(record.model, 'consumeFrom'),
    stats: record.stats,
    topic,
    ...(record.controls !== undefined ? { controls: record.controls } : {}),
  };
}

/** The deployed model of the alias given, or of the alias of `consumeFrom`'s latest model. */
async function resolveDeployed(
  services: ModelSourceServices,
  input: ModelSourceInput,
): Promise<ResolvedModel> {
  let alias = input.alias ?? '';
  if (alias === '') alias = (await resolveModel(services, { ...input, useDeployed: false })).alias;
  const version =
    input.device === undefined
      ? await services.registry.resolveDeployed(alias)
      : await services.registry.resolveDeployedDevice(alias, input.device);
  if (version === undefined && input.device !== undefined) {
    throw new StepInputError(
      'useDeployed',
      `asks for the deployed model of device ${input.device} under ${showAlias(alias)}, but none was deployed (train it with deploy)`,
    );
  }
  if (version === undefined) {
    throw new StepInputError(
      'useDeployed',
      `asks for the deployed model of ${showAlias(alias)}, but none was deployed (train it with deploy)`,
    );
  }
  let model = builtModels.get(version);
  if (model === undefined) {
    model = build(version.model, 'useDeployed');
    builtModels.set(version, model);
  }
  return {
    alias,
    ...(input.device !== undefined ? { device: input.device } : {}),
    json: version.model,
    model,
    stats: version.stats ?? [],
    topic: version.record?.topic ?? '',
    ...(version.controls !== undefined ? { controls: version.controls } : {}),
  };
}

/** An alias inside an error message: short, on one line. */
function showAlias(alias: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const flat = alias.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return `algokey '${flat.length > 40 ? `${flat.slice(0, 40)}…` : flat}'`;
}
