// The columns a training fits: the dependent and independent variables of the training set (or the
// caller's overrides), the 0/1 target of a classification rule, and the transform's logs. Every
// check runs before AutoML and before anything is written.
import { StepInputError } from '../../errors.js';
import type { TrainingSetRecord } from '../training-set.js';
import { labelColumns, parseClassificationRule, type ClassificationRule } from './classification-rule.js';
import type { CoefficientSelection } from './coefficients.js';
import { checkSearchTuner, DEFAULT_MODEL_SEARCH_TUNER, searchedAlgorithms } from './search-tuner.js';
import { logColumn, logsInputs, logsTarget, parseTransform, type Transform } from './transform.js';
import { normalizeFolder } from './model-folder.js';

/** The training's controls as the faces pass them (the /v1 field names). */
export interface TrainingControls {
  /** `classification_name=<name>:<stream>=<low>,<high>:...`; applied when `islogistic`. */
  classificationRule?: string;
  /** log-log, log-lin, lin-log (default: none). */
  transform?: string;
  /** Write these parameter estimates (0 = constant) into `coefficientTopic`. */
  coefficientTopic?: string;
  coefficientIndexes?: number[];
  coefficientNames?: string[];
  /** Promote the model to the alias's deployed model. */
  deploy?: boolean;
  identifier?: string;
  /** The folder the model is filed under (model-folder.ts); predictions naming a folder must match. */
  folder?: string;
  /** 0–100 (default 80): the share of the algorithm families searched, best-first (search-tuner.ts). */
  modelSearchTuner?: number;
  /** Overrides of the training set's variables (columns it holds). */
  dependentVariable?: string;
  independentVariables?: string[];
}

export interface CheckedControls {
  classificationRule?: ClassificationRule;
  transform: Transform;
  coefficients?: CoefficientSelection;
  deploy: boolean;
  identifier: string;
  folder: string;
  modelSearchTuner: number;
  dependentVariable?: string;
  independentVariables?: string[];
}

export function checkTrainingControls(input: TrainingControls): CheckedControls {
  const rule = input.classificationRule?.trim();
  const topic = input.coefficientTopic?.trim() ?? '';
  const indexes = input.coefficientIndexes ?? [];
  if (input.modelSearchTuner !== undefined) checkSearchTuner(input.modelSearchTuner);
  if (topic === '' && indexes.length > 0) {
    throw new StepInputError('coefficientTopic', 'is required when coefficient indexes are given');
  }
  return {
    ...(rule ? { classificationRule: parseClassificationRule(rule) } : {}),
    transform: parseTransform(input.transform ?? ''),
    ...(topic !== ''
      ? {
          coefficients: {
            topic,
            indexes: indexes.length > 0 ? indexes : [0],
            names: input.coefficientNames ?? [],
          },
        }
      : {}),
    deploy: input.deploy === true,
    identifier: input.identifier ?? '',
    folder: normalizeFolder(input.folder ?? '', 'folder'),
    modelSearchTuner: input.modelSearchTuner ?? DEFAULT_MODEL_SEARCH_TUNER,
    ...(input.dependentVariable ? { dependentVariable: input.dependentVariable } : {}),
    ...(input.independentVariables && input.independentVariables.length > 0
      ? { independentVariables: input.independentVariables }
      : {}),
  };
}

export interface TrainingColumns {
  dependentVariable: string;
  independentVariables: string[];
  /** In the space the model is fitted in (logged under a transform). */
  features: number[][];
  /** The independent variables in their own units (for the window's statistics). */
  originalFeatures: number[][];
  target: number[];
  /** The algorithms searched (undefined: every one of the task). */
  algorithms?: string[];
}

function column(set: TrainingSetRecord, name: string, field: string): number[] {
  const values = set.columns[name];
  if (values === undefined) {
    throw new StepInputError(
      field,
      `names '${name}', which the training set does not hold (it holds: ${Object.keys(set.columns).join(', ')})`,
    );
  }
  return values;
}

export function buildTarget(
  set: TrainingSetRecord,
  controls: CheckedControls,
  islogistic: boolean,
): TrainingColumns {
  let dependentVariable = controls.dependentVariable ?? set.dependentVariable;
  const independentVariables = controls.independentVariables ?? set.independentVariables;
  const originalFeatures = independentVariables.map((n) => column(set, n, 'independentVariables'));
  let features = originalFeatures;
  let target: number[];
  const rule = islogistic ? controls.classificationRule : undefined;
  if (rule !== undefined) {
    const rows = Math.min(...Object.values(set.columns).map((c) => c.length));
    target = labelColumns(rule, set.columns, rows);
    const ones = target.reduce((a, b) => a + b, 0);
    if (ones === 0 || ones === rows) {
      throw new StepInputError(
        'classificationRule',
        `labels all ${rows} rows of the training set ${ones === 0 ? 0 : 1}; a classifier needs both classes`,
      );
    }
    dependentVariable = rule.name;
  } else {
    target = column(set, dependentVariable, 'dependentVariable');
  }
  if (logsTarget(controls.transform)) {
    if (islogistic) {
      throw new StepInputError(
        'transform',
        `'${controls.transform}' takes the log of a 0/1 target; use lin-log`,
      );
    }
    target = logColumn(target, dependentVariable);
  }
  if (logsInputs(controls.transform)) {
    features = features.map((values, j) => logColumn(values, independentVariables[j]));
  }
  return {
    dependentVariable,
    independentVariables,
    features,
    originalFeatures,
    target,
    ...searchSpace(controls, islogistic),
  };
}

/** Coefficients need models that have them; the tuner narrows the families best-first. */
function searchSpace(controls: CheckedControls, islogistic: boolean): { algorithms?: string[] } {
  const linear = islogistic ? ['logistic'] : ['ols', 'ridge', 'lasso', 'elastic_net'];
  const task = islogistic ? 'classification' : 'regression';
  const algorithms = searchedAlgorithms(
    task,
    controls.modelSearchTuner,
    controls.coefficients !== undefined ? linear : undefined,
  );
  return algorithms === undefined ? {} : { algorithms };
}
