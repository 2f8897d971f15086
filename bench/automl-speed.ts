// `npm run bench:automl-speed`: the speed of the AutoML building blocks the unit tests check for
// correctness only: a ridge fit, batch prediction (linear and GBDT) and the optimizer on a linear
// model. Each figure comes with a reference measured in the same run, so the ratio survives a busy
// machine better than the raw time: a plain-code floor for the same work (ml-matrix's normal
// equations for the fit, a hand-written loop over the inputs for prediction, the model evaluations
// alone for the optimizer). A table on stdout, the same rows in bench/results/automl-speed.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Matrix, solve } from 'ml-matrix';
import type { Dataset } from '../src/automl/dataset.js';
import { Model } from '../src/automl/model.js';
import { describeColumns, optimizeModel } from '../src/automl/optimize/index.js';
import { mulberry32, normal } from '../src/automl/random.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

export interface SpeedRow {
  /** What is measured. */
  measure: string;
  /** Median milliseconds of one run of it. */
  ms: number;
  /** Median milliseconds of the reference doing the same work in plain code. */
  referenceMs: number;
  reference: string;
  /** ms / referenceMs. */
  ratio: number;
  /** Rows per second, for the prediction rows. */
  rowsPerSecond?: number;
  goal: string;
  met: boolean;
}

/** `rows` × `features` inputs uniform on [-2, 2]; y = Σ c_f·x_f + N(0, 0.1²) or sin(x1)·x2 + noise. */
function window(rows: number, features: number, shape: 'linear' | 'sine', seed: number): Dataset {
  const random = mulberry32(seed);
  const x = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let v = 0;
    for (let f = 0; f < features; f++) {
      x[r * features + f] = random() * 4 - 2;
      v += (f % 2 === 0 ? f + 1 : -(f + 1)) * x[r * features + f];
    }
    const o = r * features;
    y[r] = (shape === 'linear' ? v : Math.sin(x[o]) * x[o + 1]) + 0.1 * normal(random);
  }
  const featureNames = Array.from({ length: features }, (_, f) => `x${f + 1}`);
  return { rows, features, x, y, featureNames, targetName: 'y' };
}

/** Median of `runs` timed calls after `warmup` untimed ones, in ms. */
function median(run: () => unknown, runs: number, warmup = Math.max(3, runs >> 2)): number {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Ridge by its normal equations in ml-matrix: (XᵀX + λI) β = Xᵀy, with an intercept column. */
function ridgeReference(data: Dataset, lambda: number): Matrix {
  const p = data.features + 1;
  const design = new Matrix(data.rows, p);
  for (let r = 0; r < data.rows; r++) {
    design.set(r, 0, 1);
    for (let f = 0; f < data.features; f++) design.set(r, f + 1, data.x[r * data.features + f]);
  }
  const transposed = design.transpose();
  const gram = transposed.mmul(design);
  for (let j = 1; j < p; j++) gram.set(j, j, gram.get(j, j) + lambda);
  return solve(gram, transposed.mmul(Matrix.columnVector(Array.from(data.y))));
}

/** A linear model's predictions written out by hand: the floor for any batch predictor. */
function dotProducts(x: Float64Array, rows: number, weights: Float64Array, out: Float64Array): void {
  const p = weights.length;
  for (let r = 0; r < rows; r++) {
    let v = 0;
    for (let f = 0; f < p; f++) v += weights[f] * x[r * p + f];
    out[r] = v;
  }
}

export function benchAutomlSpeed(): SpeedRow[] {
  const rows: SpeedRow[] = [];
  const add = (row: Omit<SpeedRow, 'ratio'>): void => {
    rows.push({ ...row, ratio: Math.round((row.ms / row.referenceMs) * 100) / 100 });
  };

  // ridge fit, 1,000 × 5
  const fitData = window(1000, 5, 'linear', 7);
  const fitMs = median(() => Model.fit('ridge', fitData, { lambda: 0.01 }, 'regression'), 200);
  add({
    measure: 'ridge fit 1,000×5',
    ms: fitMs,
    referenceMs: median(() => ridgeReference(fitData, 0.01), 200),
    reference: 'ml-matrix normal equations',
    goal: '≤ 0.2 ms',
    met: fitMs <= 0.2,
  });

  // batch prediction, 200,000 × 5, of a ridge model and of a 100-tree depth-5 GBDT
  const query = window(200_000, 5, 'sine', 3);
  const out = new Float64Array(query.rows);
  const weights = new Float64Array([0.5, -0.25, 1, 2, -1]);
  const floorMs = median(() => dotProducts(query.x, query.rows, weights, out), 9);
  const ridge = Model.fit('ridge', window(1000, 5, 'sine', 1), {}, 'regression');
  const linearMs = median(() => ridge.predict(query.x, query.rows), 9);
  const linearRate = Math.round(query.rows / (linearMs / 1000));
  add({
    measure: 'ridge predict 200,000×5',
    ms: linearMs,
    referenceMs: floorMs,
    reference: 'hand-written dot products',
    rowsPerSecond: linearRate,
    goal: '≥ 5,000,000 rows/s',
    met: linearRate >= 5_000_000,
  });
  const gbdt = Model.fit(
    'gbdt',
    window(4000, 5, 'sine', 16),
    { rounds: 100, maxDepth: 5, minSamplesLeaf: 1 },
    'regression',
  );
  const treesMs = median(() => gbdt.predict(query.x, query.rows), 5);
  const treesRate = Math.round(query.rows / (treesMs / 1000));
  add({
    measure: 'GBDT (100 trees, depth 5) predict 200,000×5',
    ms: treesMs,
    referenceMs: floorMs,
    reference: 'hand-written dot products',
    rowsPerSecond: treesRate,
    goal: '≥ 500,000 rows/s',
    met: treesRate >= 500_000,
  });

  // the optimizer over a 5-variable OLS model
  const five = window(1000, 5, 'linear', 11);
  const ols = Model.fit('ols', five, {}, 'regression');
  const stats = describeColumns(five.x, five.rows, five.featureNames);
  const optimizeMs = median(() => optimizeModel(ols, { stats, ismin: 0 }), 7, 2);
  const { evaluations } = optimizeModel(ols, { stats, ismin: 0 }).search;
  const point = stats.map((s) => (s.min + s.max) / 2);
  const evaluationMs = median(() => {
    for (let i = 0; i < evaluations; i++) ols.predictRow(point);
  }, 7);
  add({
    measure: `optimize 5-variable OLS (${evaluations} evaluations)`,
    ms: optimizeMs,
    referenceMs: evaluationMs,
    reference: 'the evaluations alone',
    goal: '≤ 50 ms (tens of ms)',
    met: optimizeMs <= 50,
  });
  return rows;
}

const fixed = (x: number): string => (x < 1 ? x.toFixed(3) : x.toFixed(1));

export function table(rows: SpeedRow[]): string {
  const header = ['measure', 'ms', 'reference', 'ref ms', 'ratio', 'rows/s', 'goal', ''];
  const body = rows.map((r) => [
    r.measure,
    fixed(r.ms),
    r.reference,
    fixed(r.referenceMs),
    r.ratio.toFixed(2),
    r.rowsPerSecond?.toLocaleString('en') ?? '',
    r.goal,
    r.met ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const numeric = new Set([1, 3, 4, 5]);
  const line = (cells: string[]): string =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The directory holding package.json, from here (bench/ under tsx, dist/bench/ when compiled). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function main(): void {
  const rows = benchAutomlSpeed();
  console.log(table(rows));
  const out = join(repositoryRoot(), 'bench', 'results', 'automl-speed.json');
  mkdirSync(dirname(out), { recursive: true });
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model };
  const note = 'shared 2-core machine; other work may run at the same time';
  writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), ...machine, note, rows }, null, 2) + '\n',
  );
  console.log(`written ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
