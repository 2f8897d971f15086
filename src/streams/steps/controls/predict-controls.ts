// One prediction through the training's controls: inputs into the space the model was fitted in,
// the prediction back in the dependent variable's units, classifiers with their threshold.
import type { ResolvedModel } from '../model-source.js';
import { transformInputs, untransformPrediction } from './transform.js';

export function predictInOriginalUnits(
  resolved: Pick<ResolvedModel, 'model' | 'json' | 'controls'>,
  row: readonly number[],
): { prediction: number; probability1?: number; accuracyThreshold?: number } {
  const transform = resolved.controls?.transform ?? 'lin-lin';
  const x = transformInputs(transform, row, resolved.json.featureNames);
  if (resolved.json.task !== 'classification') {
    return { prediction: untransformPrediction(transform, resolved.model.predictRow(x)) };
  }
  const threshold = resolved.controls?.accuracyThreshold;
  return {
    prediction: resolved.model.predictRow(x),
    probability1: resolved.model.predictRowProba(x),
    ...(threshold !== undefined ? { accuracyThreshold: threshold } : {}),
  };
}
