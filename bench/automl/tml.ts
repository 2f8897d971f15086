// tml's side of the benchmark: `selectModel` on each window, and the single-core references.
import { getAlgorithm } from '../../src/automl/algorithms/index.js';
import { fitNormalisation, standardise } from '../../src/automl/data/normalisation.js';
import type { Dataset, Task } from '../../src/automl/dataset.js';
import { Model } from '../../src/automl/model.js';
import type { TrainingPool } from '../../src/automl/pool/training-pool.js';
import { selectModel } from '../../src/automl/selection/select.js';
import { ALGORITHMS, MODELRUNS, type PlannedCandidate } from './candidates.js';
import type { TmlEntry, TmlWindow } from './report.js';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const candidateId = (algorithm: string, h: unknown) => `${algorithm} ${JSON.stringify(h)}`;

export async function selectOnWindow(
  id: string,
  data: Dataset,
  task: Task,
  plan: PlannedCandidate[],
  options: { seed: number; repeats: number; warmup: boolean; pool: TrainingPool },
): Promise<TmlWindow> {
  const run = async () => {
    const started = performance.now();
    const result = await selectModel(data, {
      task,
      modelruns: MODELRUNS[task],
      algorithms: ALGORITHMS[task],
      timeBudgetMs: 600_000,
      holdoutFraction: 0.2,
      seed: options.seed,
      pool: options.pool,
      // The comparison is of the same candidate loop on both sides: no ensemble on top.
      ensemble: false,
    });
    return { result, ms: performance.now() - started };
  };
  if (options.warmup) await run();
  const runs = [];
  for (let i = 0; i < options.repeats; i++) runs.push(await run());
  const times = runs.map((r) => r.ms);
  // Without the refit: when the last candidate's score arrived (the champion then known).
  const searches = runs.map((r) => r.result.searchMs);
  // The leaderboard reported is the one of the median run (the lower middle one for even counts).
  const order = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t);
  const { result } = runs[order[Math.floor((order.length - 1) / 2)].i];

  // The comparison only means something if tml tried exactly the configurations sent to Python.
  const tried = result.leaderboard.map((e) => candidateId(e.algorithm, e.hyperparameters)).sort();
  const planned = plan.map((c) => candidateId(c.algorithm, c.hyperparameters)).sort();
  if (JSON.stringify(tried) !== JSON.stringify(planned)) {
    throw new Error(`${id}: selectModel tried ${tried.join('; ')} but the plan was ${planned.join('; ')}`);
  }
  const failed = result.leaderboard.filter((e) => e.error !== undefined);
  if (failed.length > 0)
    throw new Error(`${id}: candidates failed: ${failed.map((e) => e.error).join('; ')}`);

  const leaderboard: TmlEntry[] = result.leaderboard.map((e) => {
    const entry: TmlEntry = {
      id: candidateId(e.algorithm, e.hyperparameters),
      algorithm: e.algorithm,
      fitMs: e.fitMs,
    };
    if (task === 'classification') entry.accuracy = e.metrics.accuracy;
    else entry.rmse = e.metrics.rmse;
    return entry;
  });
  return {
    id,
    selectMs: median(times),
    selectMsRuns: times,
    searchMs: median(searches),
    searchMsRuns: searches,
    // The champion: first of the leaderboard (lowest RMSE, or lowest log-loss for classification).
    best: leaderboard[0],
    leaderboard,
  };
}

function medianMs(fn: () => void, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export interface TmlMicro {
  /** The algorithm's fit on already standardised inputs (what a candidate costs in the search). */
  olsFit1000x5Ms: number;
  ridgeFit1000x5Ms: number;
  /** Model.fit: standardisation + fit + JSON round trip of the parameters (a full model). */
  olsModelFit1000x5Ms: number;
  ridgeModelFit1000x5Ms: number;
  /** Model.predict: input checks + standardisation + the algorithm's predict. */
  linearPredictRowsPerS: number;
  gbdt100PredictRowsPerS: number;
  /** The algorithm's predict alone, on standardised inputs. */
  linearRawPredictRowsPerS: number;
  gbdt100RawPredictRowsPerS: number;
}

/** One core (the calling thread), medians of many repeats; the first calls warm the JIT up. */
export function micro(fitWindow: Dataset, gbdtWindow: Dataset, predictX: Float64Array): TmlMicro {
  const rows = predictX.length / fitWindow.features;
  const norm = fitNormalisation(fitWindow.x, fitWindow.rows, fitWindow.features);
  const z = {
    ...fitWindow,
    x: standardise(
      fitWindow.x,
      fitWindow.rows,
      fitWindow.features,
      norm,
      new Float64Array(fitWindow.x.length),
    ),
  };
  const ols = getAlgorithm('ols', 'regression');
  const ridge = getAlgorithm('ridge', 'regression');
  const timeFit = (fn: () => void) => {
    for (let i = 0; i < 500; i++) fn();
    return medianMs(fn, 1000);
  };
  const out: Partial<TmlMicro> = {};
  out.olsFit1000x5Ms = timeFit(() => ols.fit(z, {}, 'regression'));
  out.ridgeFit1000x5Ms = timeFit(() => ridge.fit(z, { lambda: 1 }, 'regression'));
  out.olsModelFit1000x5Ms = timeFit(() => Model.fit('ols', fitWindow, {}, 'regression'));
  out.ridgeModelFit1000x5Ms = timeFit(() => Model.fit('ridge', fitWindow, { lambda: 1 }, 'regression'));

  const throughput = (model: Model, repeats: number) => {
    model.predict(predictX, rows);
    return rows / (medianMs(() => model.predict(predictX, rows), repeats) / 1e3);
  };
  const rawThroughput = (model: Model, repeats: number) => {
    const json = model.toJSON();
    const algorithm = getAlgorithm(json.algorithm, json.task);
    const zx = standardise(
      predictX,
      rows,
      fitWindow.features,
      json.normalisation,
      new Float64Array(predictX.length),
    );
    const out = new Float64Array(rows);
    algorithm.predict(json.parameters, zx, rows, fitWindow.features, out);
    return (
      rows /
      (medianMs(() => algorithm.predict(json.parameters, zx, rows, fitWindow.features, out), repeats) / 1e3)
    );
  };
  const linear = Model.fit('ridge', fitWindow, { lambda: 1 }, 'regression');
  out.linearPredictRowsPerS = throughput(linear, 9);
  out.linearRawPredictRowsPerS = rawThroughput(linear, 9);
  const gbdt = Model.fit('gbdt', gbdtWindow, { rounds: 100, maxDepth: 5, learningRate: 0.1 }, 'regression');
  out.gbdt100PredictRowsPerS = throughput(gbdt, 5);
  out.gbdt100RawPredictRowsPerS = rawThroughput(gbdt, 5);
  return out as TmlMicro;
}
