// viperhpdetraining's model controls (viper-protocol.md §4.1), read into the core's training
// controls: processlogic, transformtype, the coefficient stream, deploy, identifier and the
// dependent/independent variable overrides.
import type { TrainingControls } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import type { ViperParams } from './params.js';

export function trainingControls(params: ViperParams): TrainingControls {
  const indexes = params.list('coeftoprocess', { default: [] }).map((text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw new ParameterError(
        'coeftoprocess',
        `must list indexes (0 = constant), got '${text.slice(0, 40)}'`,
      );
    }
    return n;
  });
  return {
    classificationRule: params.string('processlogic', { default: '' }),
    transform: params.string('transformtype', { default: '' }),
    coefficientTopic: params.string('sendcoefto', { default: '' }),
    coefficientIndexes: indexes,
    coefficientNames: params.list('coefsubtopicnames', { default: [] }),
    // The seed's client sent no `deploy` and VIPER answered "Deployed":1 (viper-protocol.md §4.1).
    deploy: params.bool('deploy', { default: true }),
    identifier: params.string('identifier', { default: '' }),
    folder: params.string('fullpathtotrainingdata', { default: '' }),
    modelSearchTuner: params.int('modelsearchtuner', { default: 80 }),
    dependentVariable: params.string('dependentvariable', { default: '' }),
    independentVariables: params.list('independentvariables', { default: [] }),
  };
}
