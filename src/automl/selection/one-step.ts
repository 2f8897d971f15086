// Rolling-origin predictions of a configuration on the newest rows of a window: each row predicted
// by the configuration fitted on the rows before it, as a model refitted while the rows arrive
// predicts them. A selection's holdout score is something else — one fit on the older rows
// predicting every newer one — and is the minimum over the candidates on those few rows; a
// streaming learner that compares a challenger with a champion refitted on every row (whose record
// is one-step predictions) judges both the same way with these (solutions/learner.ts).
import type { Dataset } from '../dataset.js';
import type { ModelJSON } from '../model.js';
import { Model } from '../model.js';
import { shareWindow } from '../pool/shared-window.js';
import { failureError } from '../pool/task-failure.js';
import type { TrainingPool } from '../pool/training-pool.js';

export type Configuration = Pick<ModelJSON, 'algorithm' | 'hyperparameters' | 'task'>;

/**
 * Predictions of rows `from`..`data.rows − 1` (`data.rows − from` of them, oldest first) with
 * `origins` refits: the rows are cut into `origins` consecutive blocks as even as can be; the
 * configuration is fitted on every row before a block and predicts the block's rows. `origins` =
 * the number of rows: each row predicted by a fit on all the rows before it; 1: one fit on the rows
 * before `from` predicts them all (a holdout). Classification: the probability of class 1.
 */
export function oneStepPredictions(
  data: Dataset,
  config: Configuration,
  from: number,
  origins: number,
): Float64Array {
  const rows = data.rows - from;
  if (!Number.isInteger(from) || from < 1 || rows < 1) {
    throw new RangeError(`rows to predict must be in 1..${data.rows - 1} of the window, got from ${from}`);
  }
  const blocks = Math.max(1, Math.min(rows, Math.floor(origins)));
  const p = data.features;
  const out = new Float64Array(rows);
  for (let b = 0; b < blocks; b++) {
    const start = from + Math.floor((b * rows) / blocks);
    const end = from + Math.floor(((b + 1) * rows) / blocks);
    const before: Dataset = {
      ...data,
      rows: start,
      x: data.x.subarray(0, start * p),
      y: data.y.subarray(0, start),
    };
    const model = Model.fit(config.algorithm, before, config.hyperparameters, config.task);
    const x = data.x.subarray(start * p, end * p);
    const predicted =
      config.task === 'classification' ? model.predictProba(x, end - start) : model.predict(x, end - start);
    out.set(predicted, start - from);
  }
  return out;
}

/** oneStepPredictions on a pool thread when a pool is given (one task), else on this thread. */
export async function oneStepPredictionsOn(
  pool: TrainingPool | undefined,
  data: Dataset,
  config: Configuration,
  from: number,
  origins: number,
): Promise<Float64Array> {
  if (pool === undefined) return oneStepPredictions(data, config, from, origins);
  const outcome = await pool.run({
    kind: 'oneStep',
    ...shareWindow(data),
    task: config.task,
    algorithm: config.algorithm,
    hyperparameters: config.hyperparameters,
    from,
    origins,
  });
  if (!outcome.ok) throw failureError(outcome);
  return outcome.predictions;
}
