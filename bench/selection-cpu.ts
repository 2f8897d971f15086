// `npm run bench:selection-cpu`: the CPU time of one micro-model selection, what each solution of
// `npm run bench:solutions` spends per retrain (window 500 × 2 of the bench's drifting stream,
// modelruns 4 over ols/ridge/knn/gbdt, no cross-check, the ensemble on, GBDT early stopping on the
// holdout as the runners ask, inline on one thread),
// with the same selection without GBDT (ols/ridge/knn) as the reference measured in the same run,
// and the default GBDT's fit alone on the 400 training rows and on the 500 rows of the window.
// Each figure is the median over many windows (a new window per run, as a solution's retrains
// see), each run measured by the CPU time of this process (process.cpuUsage, user + system), not
// the wall clock, so the figures survive a shared machine. Also prints the mean absolute error of
// the champions on the 5 rows after each window (the rows a solution predicts next), so a cheaper
// selection can be checked for not predicting worse. Writes bench/results/selection-cpu.json.
//
//   node dist/bench/selection-cpu.js [--runs 300] [--solutions 4] [--no-early-stopping]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Dataset } from '../src/automl/dataset.js';
import { Model } from '../src/automl/model.js';
import { selectModel } from '../src/automl/selection/select.js';
import { getAlgorithm } from '../src/automl/algorithms/index.js';
import { BenchStream } from './solutions-load.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const WINDOW = 500;
const NEXT_ROWS = 5;
/** As solution runners select (src/solutions/learner.ts); `--no-early-stopping` for the former way. */
const EARLY_STOPPING = !process.argv.includes('--no-early-stopping');

export interface SelectionCpuRow {
  measure: string;
  /** Mean CPU ms of one run: what a solution retraining every second costs the machine. */
  meanCpuMs: number;
  /** Median CPU ms of one run. */
  cpuMs: number;
  p90CpuMs: number;
  /** Mean absolute error of the champions on the NEXT_ROWS rows after each window. */
  nextRowsMae?: number;
  /** How often each champion algorithm won. */
  champions?: Record<string, number>;
}

/** Rows [start, start + rows) of solution `s`'s stream as a dataset (features a, b; target y). */
function streamWindow(rowsOf: Array<[number, number, number]>, start: number, rows: number): Dataset {
  const x = new Float64Array(rows * 2);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const [a, b, target] = rowsOf[start + r];
    x[r * 2] = a;
    x[r * 2 + 1] = b;
    y[r] = target;
  }
  return { rows, features: 2, x, y, featureNames: ['a', 'b'], targetName: 'y' };
}

function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

export async function benchSelectionCpu(runs: number, solutions: number): Promise<SelectionCpuRow[]> {
  // each solution's stream, long enough for `runs` windows moving 5 rows (one second) at a time
  const perSolution = Math.ceil(runs / solutions);
  const streams = Array.from({ length: solutions }, (_, s) => {
    const stream = new BenchStream(s);
    return Array.from({ length: WINDOW + perSolution * NEXT_ROWS + NEXT_ROWS }, (_, i) => stream.next(i));
  });
  const windows = Array.from({ length: runs }, (_, k) => {
    const s = k % solutions;
    const start = Math.floor(k / solutions) * NEXT_ROWS;
    return {
      data: streamWindow(streams[s], start, WINDOW),
      next: streamWindow(streams[s], start + WINDOW, NEXT_ROWS),
    };
  });

  const rows: SelectionCpuRow[] = [];
  const selection = async (algorithms: string[], label: string): Promise<void> => {
    const times: number[] = [];
    const champions: Record<string, number> = {};
    let absolute = 0;
    const one = async (k: number, record: boolean): Promise<void> => {
      const { data, next } = windows[k];
      const before = process.cpuUsage();
      const result = await selectModel(data, {
        task: 'regression',
        modelruns: algorithms.length,
        algorithms,
        timeBudgetMs: 10_000,
        seed: 1 + k,
        crossCheck: false,
        earlyStopping: EARLY_STOPPING,
      });
      const used = process.cpuUsage(before);
      if (!record) return;
      times.push((used.user + used.system) / 1000);
      champions[result.champion.algorithm] = (champions[result.champion.algorithm] ?? 0) + 1;
      const predicted = Model.fromJSON(result.champion).predict(next.x, next.rows);
      for (let r = 0; r < next.rows; r++) absolute += Math.abs(predicted[r] - next.y[r]);
    };
    for (let k = 0; k < Math.min(20, runs); k++) await one(k, false);
    for (let k = 0; k < runs; k++) await one(k, true);
    rows.push({
      measure: label,
      meanCpuMs: mean(times),
      cpuMs: quantile(times, 0.5),
      p90CpuMs: quantile(times, 0.9),
      nextRowsMae: absolute / (runs * NEXT_ROWS),
      champions,
    });
  };
  await selection(['ols', 'ridge', 'knn', 'gbdt'], 'selection ols/ridge/knn/gbdt, 500×2');
  await selection(['ols', 'ridge', 'knn'], 'selection ols/ridge/knn (reference), 500×2');

  // the default GBDT alone, on standardised inputs as the selection fits it
  const gbdt = getAlgorithm('gbdt', 'regression');
  const fitAlone = (rowsUsed: number, label: string): void => {
    const times: number[] = [];
    for (let k = -Math.min(20, runs); k < runs; k++) {
      const { data } = windows[Math.max(0, k)];
      const part = {
        ...data,
        rows: rowsUsed,
        x: data.x.subarray(0, rowsUsed * 2),
        y: data.y.subarray(0, rowsUsed),
      };
      const hyperparameters = gbdt.defaults({ rows: 400, features: 2, task: 'regression' });
      const t = cpuMs(() => Model.fit('gbdt', part, hyperparameters, 'regression'));
      if (k >= 0) times.push(t);
    }
    rows.push({
      measure: label,
      meanCpuMs: mean(times),
      cpuMs: quantile(times, 0.5),
      p90CpuMs: quantile(times, 0.9),
    });
  };
  fitAlone(400, 'GBDT default fit, 400×2 (the holdout fit)');
  fitAlone(500, 'GBDT default fit, 500×2 (the refit)');
  return rows;
}

export function table(rows: SelectionCpuRow[]): string {
  const header = ['measure', 'CPU ms mean', 'p50', 'p90', 'next-rows MAE', 'champions'];
  const body = rows.map((r) => [
    r.measure,
    r.meanCpuMs.toFixed(2),
    r.cpuMs.toFixed(2),
    r.p90CpuMs.toFixed(2),
    r.nextRowsMae === undefined ? '' : r.nextRowsMae.toFixed(4),
    r.champions === undefined
      ? ''
      : Object.entries(r.champions)
          .map(([a, n]) => `${a} ${n}`)
          .join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(value('runs') ?? 300);
  const solutions = Number(value('solutions') ?? 4);
  const loadBefore = loadavg()[0];
  const rows = await benchSelectionCpu(runs, solutions);
  const loadAfter = loadavg()[0];
  console.log(table(rows));
  console.log(`load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  const out = join(repositoryRoot(), 'bench', 'results', 'selection-cpu.json');
  mkdirSync(dirname(out), { recursive: true });
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model };
  writeFileSync(
    out,
    JSON.stringify(
      { date: new Date().toISOString(), ...machine, runs, loadBefore, loadAfter, rows },
      null,
      2,
    ) + '\n',
  );
  console.log(`written ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
