// tml's pick at small `modelruns` (VIPER's default is 10) against every scikit-learn estimator with
// its default settings, on the packaged data sets: the oldest 80% trains, the newest 20% scores.
// The goal: no default estimator's holdout error below tml's pick's by more than 2%.
import type { TrainingPool } from '../../src/automl/pool/training-pool.js';
import { tmlOnDataset, type FlamlSide, type PackagedDataset } from './flaml.js';

export interface DefaultsRow {
  dataset: string;
  task: string;
  modelruns: number;
  tmlError: number;
  tmlModel: string;
  tmlMs: number;
  bestDefault: string;
  bestDefaultError: number;
  /** tml ÷ the best default's holdout error (goal ≤ 1.02). */
  ratio: number;
  defaults: Record<string, number>;
}

export async function tmlAgainstDefaults(
  side: FlamlSide,
  datasets: PackagedDataset[],
  modelruns: number[],
  pool: TrainingPool,
  seed: number,
): Promise<DefaultsRow[]> {
  const rows: DefaultsRow[] = [];
  for (const spec of datasets) {
    const { errors } = await side.defaults(spec.id);
    const [bestDefault, bestDefaultError] = Object.entries(errors).sort((a, b) => a[1] - b[1])[0];
    for (const runs of modelruns) {
      const t = await tmlOnDataset(spec, 600, pool, seed, runs);
      const ratio = bestDefaultError === 0 ? (t.error === 0 ? 1 : Infinity) : t.error / bestDefaultError;
      rows.push({
        dataset: spec.id,
        task: spec.task,
        modelruns: runs,
        tmlError: t.error,
        tmlModel: t.model,
        tmlMs: t.wallMs,
        bestDefault,
        bestDefaultError,
        ratio,
        defaults: errors,
      });
      console.log(
        `  ${spec.id} modelruns ${runs}: tml ${t.model} ${t.error.toPrecision(4)} (${t.wallMs.toFixed(0)} ms), best default ${bestDefault} ${bestDefaultError.toPrecision(4)}, ratio ${ratio.toFixed(3)}`,
      );
    }
  }
  return rows;
}
