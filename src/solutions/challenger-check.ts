// Whether a landed selection's challenger replaces the champion (WindowLearner.retrain): its
// configuration refitted on the rows before each of the window's newest rows (rolling origin, one
// pool task) against the champion's one-step record of the same rows, by the paired test of
// challenger-test.ts.
import {
  oneStepPredictionsOn,
  WHOLE_ON_POOL_MAX_PLAN_MS,
  type SelectionResult,
  type TrainingPool,
} from '../automl/index.js';
import type { Dataset, Task } from '../automl/dataset.js';
import { challengerTest } from './challenger-test.js';

/**
 * The fits a challenger check may cost (estimated), in ns: the bound of a selection plan cheap
 * enough to run whole as one pool task. Within it the challenger is refitted before each of the
 * newest rows (a micro-model window: a few rows, fits of tens of µs); a dearer configuration gets
 * fewer refits, down to one (its holdout predictions).
 */
export const CHALLENGER_CHECK_MAX_NS = WHOLE_ON_POOL_MAX_PLAN_MS * 1e6;

export interface ChallengerCheck {
  task: Task;
  /** The pool the refits run on (undefined: on the calling thread). */
  pool: TrainingPool | undefined;
  /** The window the selection ran on. */
  data: Dataset;
  selection: SelectionResult;
  /** The newest rows' targets, and the champion's predictions of them before it learnt each. */
  actual: Float64Array;
  predicted: Float64Array;
  /** The champion's RMSE (log-loss) on those rows. */
  championScore: number;
  /** The estimated cost of one fit of the challenger's configuration on the window, in ns. */
  fitNs: number;
}

/**
 * Whether the challenger's configuration, fitted on the rows before each of the window's newest
 * `actual.length` rows, predicts them better than the champion's `predicted` by more than noise.
 * A check that fails (the configuration cannot be fitted on fewer rows) keeps the champion.
 * While every pool thread has work (many solutions retraining), the refits would take a thread
 * from the next selections: the challenger's selection score (on the same newest rows, by a fit
 * on the rows before them) is compared with the champion's score there instead.
 */
export async function challengerWins(check: ChallengerCheck): Promise<boolean> {
  const { task, pool, data, selection, actual, predicted, championScore } = check;
  if (pool?.busy === true) {
    const metrics = selection.leaderboard[0]?.metrics ?? {};
    const score = (task === 'classification' ? metrics.logLoss : metrics.rmse) ?? Infinity;
    return score < championScore || !Number.isFinite(championScore);
  }
  const from = data.rows - actual.length;
  const fitNs = Math.max(1, check.fitNs);
  const origins = Math.max(1, Math.min(actual.length, Math.floor(CHALLENGER_CHECK_MAX_NS / fitNs)));
  let challenged: Float64Array;
  try {
    challenged = await oneStepPredictionsOn(pool, data, selection.champion, from, origins);
  } catch {
    return false;
  }
  return challengerTest(task, actual, predicted, challenged).better;
}
