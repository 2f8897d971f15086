import type { Task } from '../dataset.js';

/**
 * The number the champion minimises. Regression: holdout RMSE (what VIPER users compare models by,
 * in the target's own units, and defined even where MAPE is not). Classification: holdout log-loss
 * after the best temperature (tempered-log-loss.ts), not accuracy — on the small holdouts of
 * micro-model windows, accuracy moves in steps of 1/n and ties often, while a log-loss ranks by
 * every probability; tempered, it does not rank a forest's soft averaged votes below a boosted
 * model's sharper ones that separate the classes no better.
 */
export function selectionScore(task: Task, metrics: Record<string, number>): number {
  return task === 'regression' ? metrics.rmse : metrics.temperedLogLoss;
}

export const SELECTION_METRIC: Record<Task, string> = {
  regression: 'rmse',
  classification: 'temperedLogLoss',
};

/**
 * The forecast accuracy VIPER reports with every model. The seed documents it only as "the forecast accuracy using MAPE"; we
 * define it as 1 − MAPE (MAPE as a fraction, zero-guarded as in metrics.ts) clipped to [0, 1] for
 * regression, and as the holdout accuracy for classification (islogistic=1).
 */
export function forecastAccuracy(task: Task, metrics: Record<string, number>): number {
  if (task === 'classification') return metrics.accuracy;
  return Math.min(1, Math.max(0, 1 - metrics.mape));
}
