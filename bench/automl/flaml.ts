// tml against FLAML at the same time budget and the same threads, on data sets that ship inside
// packages (bench/python/flaml_bench.py exports them; both sides read the same bytes). The oldest
// 80% of each data set's rows is the training window, the newest 20% the holdout both are scored on.
// tml: `selectModel` with every algorithm of the task, `timeBudgetMs` = the budget, on a pool of
// `threads` workers. FLAML: `AutoML.fit(time_budget, n_jobs=threads)` with its defaults otherwise.
// The sides alternate cell by cell so that both see the same load.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Dataset, Task } from '../../src/automl/dataset.js';
import { Model } from '../../src/automl/model.js';
import { TrainingPool } from '../../src/automl/pool/training-pool.js';
import { selectModel } from '../../src/automl/selection/select.js';

export interface PackagedDataset {
  id: string;
  rows: number;
  features: number;
  task: Task;
  featureNames: string[];
  file: string;
  sha256: string;
}

export interface SideResult {
  /** RMSE (regression) or error rate = 1 − accuracy (classification) on the holdout. */
  error: number;
  logLoss?: number;
  wallMs: number;
  /** The model chosen: tml's champion algorithm, FLAML's best estimator. */
  model: string;
  config: Record<string, unknown>;
}

export interface FlamlCell {
  dataset: string;
  task: Task;
  rows: number;
  features: number;
  budgetS: number;
  threads: number;
  tml: SideResult & { candidatesTried: number };
  flaml: SideResult;
  /** tml's holdout error ÷ FLAML's: < 1 means tml's model is better. */
  errorRatio: number;
}

export interface FlamlEnvironment {
  flaml: string;
  lightgbm: string;
  sklearn: string;
  numpy: string;
  python: string;
}

/** The FLAML side: a long-lived process answering one JSON line per command. */
export class FlamlSide {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
    readonly environment: FlamlEnvironment,
  ) {}

  static async start(python: string, root: string, dataDir: string): Promise<FlamlSide> {
    const script = join(root, 'bench', 'python', 'flaml_bench.py');
    // OpenBLAS picks its own kernel, as for the scikit-learn side (see python.ts); FLAML's trees do
    // not use BLAS, so the pinned kernel would change nothing measured here.
    const child = spawn(python, [script, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const reader = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error('bench/python/flaml_bench.py exited before answering');
    return new FlamlSide(child, lines, reader, JSON.parse(first.value) as FlamlEnvironment);
  }

  private async request<T>(command: string): Promise<T> {
    this.child.stdin.write(command + '\n');
    const line = await this.lines.next();
    if (line.done) throw new Error(`FLAML side exited during "${command}"`);
    const parsed = JSON.parse(line.value) as T & { error?: string };
    if (typeof parsed.error === 'string') throw new Error(`FLAML side: ${parsed.error}`);
    return parsed;
  }

  async export(names: string[] | 'all'): Promise<PackagedDataset[]> {
    const answer = await this.request<{ datasets: PackagedDataset[] }>(
      `export ${names === 'all' ? 'all' : names.join(',')}`,
    );
    return answer.datasets;
  }

  /** scikit-learn's default estimators' holdout errors on one exported data set. */
  defaults(id: string) {
    return this.request<{ errors: Record<string, number> }>(`defaults ${id}`);
  }

  run(id: string, budgetS: number, threads: number) {
    return this.request<{
      error: number;
      logLoss?: number;
      wallMs: number;
      estimator: string;
      config: Record<string, unknown>;
    }>(`flaml ${id} ${budgetS} ${threads}`);
  }

  /** scikit-learn's one-thread fit + holdout prediction time for one of tml's configurations. */
  family(
    file: string,
    rows: number,
    features: number,
    task: string,
    algorithm: string,
    hyperparameters: Record<string, unknown>,
    repeats: number,
  ) {
    return this.request<{ ms: number; msRuns: number[]; cpuMsRuns: number[] }>(
      `family ${file} ${rows} ${features} ${task} ${algorithm} ${repeats} ${JSON.stringify(hyperparameters)}`,
    );
  }

  /** LightGBM's single-thread training time on a window file (see flaml_bench.py). */
  lightgbm(file: string, rows: number, features: number, settings: number[]) {
    return this.request<{ trainMs: number; trainMsRuns: number[]; trainRmse: number }>(
      `lightgbm ${file} ${rows} ${features} ${settings.join(' ')}`,
    );
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    this.reader.close();
    await exited;
  }
}

/** The oldest 80% (training window) and the newest 20% (holdout), as flaml_bench.py splits. */
export function readPackaged(spec: PackagedDataset): { train: Dataset; holdout: Dataset } {
  const bytes = readFileSync(spec.file);
  if (createHash('sha256').update(bytes).digest('hex') !== spec.sha256) {
    throw new Error(`${spec.file}: SHA-256 changed since it was exported`);
  }
  const { rows, features } = spec;
  const values = new Float64Array(rows * features + rows);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readDoubleLE(i * 8);
  // Python's round() is round-half-even; no data set here has rows × 0.2 ending in .5.
  const trainRows = rows - Math.max(1, Math.round(rows * 0.2));
  const part = (from: number, to: number): Dataset => ({
    rows: to - from,
    features,
    x: values.slice(from * features, to * features),
    y: values.slice(rows * features + from, rows * features + to),
    featureNames: spec.featureNames,
    targetName: 'y',
  });
  return { train: part(0, trainRows), holdout: part(trainRows, rows) };
}

/** How many candidates tml may plan: far more than any budget here lets it try. */
const MODELRUNS = 2_000;

export async function tmlOnDataset(
  spec: PackagedDataset,
  budgetS: number,
  pool: TrainingPool,
  seed: number,
  modelruns = MODELRUNS,
): Promise<FlamlCell['tml']> {
  const { train, holdout } = readPackaged(spec);
  const started = performance.now();
  const result = await selectModel(train, {
    task: spec.task,
    modelruns,
    timeBudgetMs: budgetS * 1e3,
    seed,
    pool,
  });
  const wallMs = performance.now() - started;
  const model = Model.fromJSON(result.champion);
  const n = holdout.rows;
  let error: number;
  let logLoss: number | undefined;
  if (spec.task === 'classification') {
    const p = model.predictProba(holdout.x, n);
    let wrong = 0;
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const y = holdout.y[r];
      if ((p[r] >= 0.5 ? 1 : 0) !== y) wrong++;
      const q = Math.min(1 - 1e-15, Math.max(1e-15, p[r]));
      loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
    }
    error = wrong / n;
    logLoss = loss / n;
  } else {
    const pred = model.predict(holdout.x, n);
    let sum = 0;
    for (let r = 0; r < n; r++) sum += (pred[r] - holdout.y[r]) ** 2;
    error = Math.sqrt(sum / n);
  }
  return {
    error,
    ...(logLoss === undefined ? {} : { logLoss }),
    wallMs,
    model: result.champion.algorithm,
    config: result.champion.hyperparameters,
    candidatesTried: result.leaderboard.length,
  };
}

export interface FlamlGrid {
  datasets: string[] | 'all';
  budgetsS: number[];
  threads: number[];
}

/** Error ratios of 0 ÷ 0 (both perfect) count as ties. */
function ratio(tml: number, flaml: number): number {
  if (flaml === 0) return tml === 0 ? 1 : Infinity;
  return tml / flaml;
}

export async function runFlamlComparison(
  python: string,
  root: string,
  dataDir: string,
  grid: FlamlGrid,
  seed: number,
): Promise<{ environment: FlamlEnvironment; datasets: PackagedDataset[]; cells: FlamlCell[] }> {
  const side = await FlamlSide.start(python, root, dataDir);
  const cells: FlamlCell[] = [];
  let datasets: PackagedDataset[];
  try {
    datasets = await side.export(grid.datasets);
    for (const threads of grid.threads) {
      const pool = new TrainingPool({ maxThreads: threads });
      try {
        // Warm-up (JIT, the pool's threads), untimed: FLAML's imports are done before its clock too.
        await tmlOnDataset(datasets[0], 0.1, pool, seed);
        for (const budgetS of grid.budgetsS) {
          for (const spec of datasets) {
            const f = await side.run(spec.id, budgetS, threads);
            const t = await tmlOnDataset(spec, budgetS, pool, seed);
            const cell: FlamlCell = {
              dataset: spec.id,
              task: spec.task,
              rows: spec.rows,
              features: spec.features,
              budgetS,
              threads,
              tml: t,
              flaml: {
                error: f.error,
                ...(f.logLoss === undefined ? {} : { logLoss: f.logLoss }),
                wallMs: f.wallMs,
                model: f.estimator,
                config: f.config,
              },
              errorRatio: ratio(t.error, f.error),
            };
            cells.push(cell);
            console.log(
              `  ${spec.id} ${budgetS} s ${threads} thread(s): tml ${t.model} ${t.error.toPrecision(4)} in ${t.wallMs.toFixed(0)} ms (${t.candidatesTried} candidates), FLAML ${f.estimator} ${f.error.toPrecision(4)} in ${f.wallMs.toFixed(0)} ms, ratio ${cell.errorRatio.toFixed(3)}`,
            );
          }
        }
      } finally {
        await pool.close();
      }
    }
  } finally {
    await side.close();
  }
  return { environment: side.environment, datasets, cells };
}

export function printFlamlTable(cells: FlamlCell[]): void {
  const budgets = [...new Set(cells.map((c) => c.budgetS))];
  const threads = [...new Set(cells.map((c) => c.threads))];
  const datasets = [...new Set(cells.map((c) => c.dataset))];
  console.log('');
  console.log(
    'tml ÷ FLAML holdout error (RMSE, or 1 − accuracy) at equal time budget and threads (< 1: tml better)',
  );
  const header = ['data set', ...threads.flatMap((t) => budgets.map((b) => `${b} s ×${t}`))];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(16) : h.padStart(11))).join(''));
  for (const d of datasets) {
    const row = [d.padEnd(16)];
    for (const t of threads) {
      for (const b of budgets) {
        const c = cells.find((x) => x.dataset === d && x.budgetS === b && x.threads === t);
        row.push((c ? c.errorRatio.toFixed(3) : '-').padStart(11));
      }
    }
    console.log(row.join(''));
  }
  const summary = [' ≤ 1 (of n)'.padEnd(16)];
  const wall = [' wall tml/FLAML'.padEnd(16)];
  for (const t of threads) {
    for (const b of budgets) {
      const cs = cells.filter((x) => x.budgetS === b && x.threads === t);
      summary.push(`${cs.filter((c) => c.errorRatio <= 1).length}/${cs.length}`.padStart(11));
      const tw = cs.reduce((s, c) => s + c.tml.wallMs, 0);
      const fw = cs.reduce((s, c) => s + c.flaml.wallMs, 0);
      wall.push((tw / fw).toFixed(2).padStart(11));
    }
  }
  console.log(summary.join(''));
  console.log(wall.join(''));
}
