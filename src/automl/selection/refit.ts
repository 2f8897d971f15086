// Fitting a chosen configuration (algorithm + hyperparameters) again on a newer window: what keeps a
// champion's parameters current when no challenger beats its configuration. On the pool when one is
// given, so a tree ensemble's fit never holds up the calling thread.
import type { Dataset } from '../dataset.js';
import { AutoMLError } from '../errors.js';
import { Model, type ModelJSON } from '../model.js';
import { shareWindow } from '../pool/shared-window.js';
import type { TrainingPool } from '../pool/training-pool.js';

export interface RefitOptions {
  pool?: TrainingPool;
  /** Kept with the model (e.g. the metrics its configuration scored when it was selected). */
  metrics?: Record<string, number>;
  lineage?: Record<string, unknown>;
}

export async function refitModel(
  data: Dataset,
  config: Pick<ModelJSON, 'algorithm' | 'hyperparameters' | 'task'>,
  options: RefitOptions = {},
): Promise<ModelJSON> {
  let json: ModelJSON;
  if (options.pool !== undefined) {
    const outcome = await options.pool.run({
      kind: 'fit',
      ...shareWindow(data),
      task: config.task,
      algorithm: config.algorithm,
      hyperparameters: config.hyperparameters,
      featureNames: [...data.featureNames],
      targetName: data.targetName,
      metrics: { ...(options.metrics ?? {}) },
    });
    if (!outcome.ok) throw new AutoMLError(`refit of ${config.algorithm} failed: ${outcome.error.message}`);
    json = outcome.model;
  } else {
    json = Model.fit(config.algorithm, data, config.hyperparameters, config.task, {
      metrics: options.metrics,
    }).toJSON();
  }
  if (options.lineage !== undefined) json.lineage = options.lineage;
  return json;
}
