// VIPER's `modelsearchtuner` (0–100, default 80): "close to 0 … lots of models but their quality may
// be low, close to 100 … fewer models but their quality will be higher". tml's rule: the algorithm
// families of the task are ranked best-first (automl's ALGORITHM_PRIORITY: strong, cheap families
// first), and the tuner sets the share of them the `modelruns` candidates are spread over:
//   t ≤ 80: every family (tml's default search; more models = a larger modelruns);
//   t > 80: the best-first ceil(F · (100 − t) / 20) families, at least 2 —
// so the same modelruns tune fewer, stronger families more deeply (t = 90: half of them,
// t = 100: the first two).
import { algorithmsFor, byPriority, getAlgorithm } from '../../../automl/index.js';
import { StepInputError } from '../../errors.js';

export const DEFAULT_MODEL_SEARCH_TUNER = 80;
const MIN_FAMILIES = 2;

export function checkSearchTuner(tuner: number): void {
  if (!Number.isInteger(tuner) || tuner < 0 || tuner > 100) {
    throw new StepInputError('modelSearchTuner', `must be an integer from 0 to 100, got ${tuner}`);
  }
}

/**
 * The algorithms searched for a task under the tuner, best-first, from `among` (default: every
 * algorithm of the task); undefined when that is every algorithm of the task (automl's default).
 */
export function searchedAlgorithms(
  task: 'regression' | 'classification',
  tuner: number,
  among?: readonly string[],
): string[] | undefined {
  checkSearchTuner(tuner);
  const ranked = byPriority(
    among === undefined ? algorithmsFor(task) : among.map((n) => getAlgorithm(n, task)),
  );
  const share = tuner <= DEFAULT_MODEL_SEARCH_TUNER ? 1 : (100 - tuner) / (100 - DEFAULT_MODEL_SEARCH_TUNER);
  const families = Math.min(ranked.length, Math.max(MIN_FAMILIES, Math.ceil(ranked.length * share)));
  if (among === undefined && families === ranked.length) return undefined;
  return ranked.slice(0, families).map((a) => a.name);
}
