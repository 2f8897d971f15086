// The batch endpoints' model controls, translated into the solution spec the way the step endpoints
// translate them for one training or prediction: `modelsearchtuner` (the algorithms searched,
// search-tuner.ts), `processlogic` (automl.classificationRule), `deploy`, `identifier` and
// `fullpathtotrainingdata` (the spec's registry), `usedeploy` and `pathtoalgos` on the predicting
// calls, `topicid` (one device: io.entity), `array` (rows of one topic, one field per variable).
import {
  checkModelFolder,
  normalizeFolder,
  searchedAlgorithms,
  StepInputError,
} from '../../streams/index.js';
import { ParameterError, showValue } from '../errors.js';
import { deviceParam } from './device-param.js';
import type { ViperParams } from './params.js';
import type { Spec } from './batch-spec-parts.js';

/** A core input error under the VIPER parameter that carried the value. */
export function asParameter<T>(parameter: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StepInputError) throw new ParameterError(parameter, error.detail);
    throw error;
  }
}

/** viperhpdetrainingbatch: the registry settings and the algorithms the tuner leaves. */
export function trainingModelControls(params: ViperParams, islogistic: boolean) {
  const tuner = params.int('modelsearchtuner', { default: 80, min: 0, max: 100 });
  const algorithms = searchedAlgorithms(islogistic ? 'classification' : 'regression', tuner);
  const rule = params.string('processlogic', { default: '' }).trim();
  const identifier = params.string('identifier', { default: '' });
  const folder = asParameter('fullpathtotrainingdata', () =>
    normalizeFolder(params.string('fullpathtotrainingdata', { default: '' }), 'fullpathtotrainingdata'),
  );
  return {
    automl: {
      ...(algorithms !== undefined ? { algorithms } : {}),
      ...(rule !== '' ? { classificationRule: rule } : {}),
    },
    registry: {
      // as viperhpdetraining: a call without `deploy` deploys (viper-protocol.md §4.1)
      deploy: params.bool('deploy', { default: true }),
      predictWith: 'champion',
      ...(identifier !== '' ? { identifier } : {}),
      ...(folder !== '' ? { folder } : {}),
    },
  };
}

/** `array=1`: the topic's records are rows (producetotopic's array form), one field per variable. */
export function arrayRows(params: ViperParams): boolean {
  return params.bool('array', { default: false });
}

/** The device `topicid` names (io.entity), checked against a solution that has one model per device. */
export function deviceOf(params: ViperParams, spec: Spec): string | undefined {
  const device = deviceParam(params);
  if (device !== undefined && spec.entityKey !== true) {
    throw new ParameterError(
      'topicid',
      `names device ${device}, but solution ${String(spec.name)} keeps one model for all rows: train it per device (viperhpdetrainingbatch with topicid)`,
    );
  }
  return device;
}

/**
 * viperhpdepredictbatch and viperhpdeoptimizebatch: `usedeploy` (the deployed champion, which a
 * solution trained with deploy=0 does not have), `pathtoalgos` (the training's folder) and `topicid`.
 * Returns the spec with them applied.
 */
export function predictingControls(params: ViperParams, spec: Spec, withFolder: boolean): Spec {
  const registry: Spec = { deploy: true, predictWith: 'champion', ...(spec.registry as Spec | undefined) };
  if (params.bool('usedeploy', { default: false })) {
    if (registry.deploy === false) {
      throw new ParameterError(
        'usedeploy',
        `is 1, but solution ${String(spec.name)} was trained with deploy=0: none of its models is deployed`,
      );
    }
    registry.predictWith = 'deployed';
  } else registry.predictWith = 'champion';
  if (withFolder) {
    const asked = params.string('pathtoalgos', { default: '' });
    asParameter('pathtoalgos', () =>
      checkModelFolder(registry.folder as string | undefined, asked, 'pathtoalgos'),
    );
  }
  const device = deviceOf(params, spec);
  const io = { ...(spec.io as Spec | undefined) };
  if (device !== undefined) io.entity = device;
  return { ...spec, registry, ...(Object.keys(io).length > 0 ? { io } : {}) };
}

/** A comma list of topics, for messages. */
export const named = (topics: string[]) => topics.map((t) => `'${showValue(t)}'`).join(', ');
