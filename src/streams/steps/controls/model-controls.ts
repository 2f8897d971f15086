// What a training did around AutoML, recorded with the model so that predictions use the same
// target and space: the classification rule, the transform, the estimated parameters, the
// registry state (trained into "models" or promoted to "deploy").
import type { ClassificationRule } from './classification-rule.js';
import type { ParameterEstimates } from './parameter-estimates.js';
import type { Transform } from './transform.js';

export interface ModelControls {
  classificationRule?: ClassificationRule;
  /**
   * Classifiers: the probability of class 1 at or above which a prediction is 1 (automl's
   * CLASSIFICATION_THRESHOLD, the point the holdout accuracy was measured at).
   */
  accuracyThreshold?: number;
  transform: Transform;
  parameterEstimates: ParameterEstimates;
  /** Registry state: 'deploy' when the training promoted it to the deployed model of its alias. */
  stage: 'models' | 'deploy';
  /** The share of the algorithm families searched, best-first (search-tuner.ts). */
  modelSearchTuner?: number;
  /** The caller's identifier of the model (free text, e.g. a device serial). */
  identifier: string;
  /** The folder the training filed the model under (model-folder.ts), when it named one. */
  folder?: string;
  /** The main (joined) topic the training's data came from, when the caller named one (VIPER's Maintopic). */
  mainTopic?: string;
}

export { type ClassificationRule } from './classification-rule.js';
export { type Transform } from './transform.js';
export { type ParameterEstimates } from './parameter-estimates.js';
