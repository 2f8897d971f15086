// One prediction through the training's controls: inputs into the space the model was fitted in,
// the prediction back in the dependent variable's units, classifiers with their threshold.
import type { RowModel } from '../../../automl/index.js';
import type { ResolvedModel } from '../model-source.js';
import { logsInputs, transformInputs, untransformPrediction } from './transform.js';

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

/**
 * The model as a function of its inputs in their own units (for the optimizer): a transformed
 * model takes logs inside; an input a log cannot take answers NaN, which the search never picks.
 */
export function modelInOriginalUnits(resolved: Pick<ResolvedModel, 'model' | 'json' | 'controls'>): RowModel {
  const transform = resolved.controls?.transform ?? 'lin-lin';
  if (transform === 'lin-lin') return resolved.model;
  const inDomain = (values: ArrayLike<number>) =>
    !logsInputs(transform) || Array.from(values).every((v) => v > 0);
  const row = (values: ArrayLike<number>) => Array.from(values);
  return {
    task: resolved.json.task,
    featureNames: resolved.json.featureNames,
    predictRow: (values) =>
      inDomain(values) ? predictInOriginalUnits(resolved, row(values)).prediction : Number.NaN,
    predictRowProba: (values) =>
      inDomain(values)
        ? (predictInOriginalUnits(resolved, row(values)).probability1 ?? Number.NaN)
        : Number.NaN,
  };
}
