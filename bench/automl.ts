// `npm run bench:automl`: tml's model selection against scikit-learn's equivalent loop, side by side
// in one run, on the same windows (identical bytes) and the same candidate configurations.
//
// Windows: 1,000×5, 20,000×5 and 5,000×50, each with a linear target, a nonlinear target and a
// classification task; the newest 20% of each is the holdout on both sides. Timed, with and without
// the refit of the best candidate on the whole window (both sides do it, so both end with a model
// trained on every row): tml's `selectModel` (candidates on a 2-thread pool, started beforehand;
// without the refit = its `searchMs`) and scikit-learn's loop in Python (fit + holdout prediction
// per candidate, then the refit, measured inside Python, so no interpreter start-up or imports;
// with its native threads and with one, the faster counts).
// The sides alternate window by window so that both see the same load on a shared machine. Also
// single-core OLS/ridge fit and prediction throughput. Prints tables and writes
// bench/results/automl.json.
// Then, on data sets shipped inside packages: tml against FLAML at equal time budgets and threads
// (bench/automl/flaml.ts, bench/results/automl-flaml.json); tml's pick at modelruns 10 and 30
// against scikit-learn's default estimators (bench/automl/defaults.ts, automl-defaults.json); and
// tml's GBDT training against LightGBM's, one thread, same trees and bins (automl-gbdt.json); and
// each family's fit + prediction on one thread against scikit-learn's (automl-families.json).
// Options: --quick (one timed run per window), --only sklearn,flaml,defaults,lightgbm,families
// (the parts to run, default all), --budgets 0.25,1,5 (seconds) and --threads 2,1 (FLAML part), --modelruns 10,30
// (defaults part), --datasets diabetes,wine,... (both; default all), --algorithms logistic,knn,...
// (families part; default all).
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { TrainingPool } from '../src/automl/pool/training-pool.js';
import { planFor, ALGORITHMS, MODELRUNS } from './automl/candidates.js';
import {
  ensureVenv,
  PythonSide,
  repositoryRoot,
  type PythonMicro,
  type PythonWindow,
} from './automl/python.js';
import {
  compareWindow,
  familyTotals,
  printFamilies,
  printMicro,
  printTable,
  type MicroRow,
  type TmlWindow,
} from './automl/report.js';
import { FlamlSide, printFlamlTable, runFlamlComparison } from './automl/flaml.js';
import { gbdtAgainstLightgbm, type GbdtSpeedRow } from './automl/lightgbm.js';
import { tmlAgainstDefaults, type DefaultsRow } from './automl/defaults.js';
import { familiesOnOneThread, type FamilyRow as FamilyTimeRow } from './automl/families.js';
import { micro, selectOnWindow, type TmlMicro } from './automl/tml.js';
import { generate, readWindow, writeWindow, type Target, type WindowSpec } from './automl/windows.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const SEED = 20_260_401;
const PREDICT_ROWS = 1_000_000;
const quick = process.argv.includes('--quick');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numbers(name: string, fallback: number[]): number[] {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const values = raw.split(',').map(Number);
  if (values.some((v) => !(v > 0))) throw new Error(`${name} takes positive numbers, e.g. 0.25,1,5`);
  return values;
}

async function main(): Promise<void> {
  const parts = (option('--only') ?? 'sklearn,flaml,defaults,lightgbm,families').split(',');
  for (const part of parts) {
    if (!['sklearn', 'flaml', 'defaults', 'lightgbm', 'families'].includes(part)) {
      throw new Error(`--only takes a list of sklearn, flaml, defaults, lightgbm, families; got ${part}`);
    }
  }
  if (parts.includes('sklearn')) await sklearnComparison();
  if (parts.includes('flaml')) await flamlComparison();
  if (parts.includes('defaults')) await defaultsComparison();
  if (parts.includes('lightgbm')) await lightgbmComparison();
  if (parts.includes('families')) await familiesComparison();
}

async function familiesComparison(): Promise<void> {
  const root = repositoryRoot();
  const dataDir = join(root, '.cache', 'bench-automl-families');
  const load = loadavg();
  const started = new Date().toISOString();
  const side = await FlamlSide.start(ensureVenv(), root, dataDir);
  let rows: FamilyTimeRow[];
  try {
    const windows: WindowSpec[] = [];
    let seed = SEED + 1_000;
    for (const [n, p] of [
      [1_000, 5],
      [20_000, 5],
      [5_000, 50],
    ]) {
      for (const target of ['linear', 'classification'] as const) {
        windows.push(writeWindow(dataDir, `${n}x${p}-${target}`, n, p, target, seed++, 1));
      }
    }
    rows = await familiesOnOneThread(side, windows, option('--algorithms')?.split(','));
  } finally {
    await side.close();
  }
  console.log('');
  console.log('Per family, one thread: scikit-learn ÷ tml time (fit + holdout prediction; ≥ 1: tml as fast)');
  for (const r of rows) {
    console.log(
      `  ${r.window.padEnd(24)} ${r.algorithm.padEnd(9)} tml ${r.tmlMs.toFixed(2).padStart(9)} ms  scikit-learn ${r.sklearnMs.toFixed(2).padStart(9)} ms  ${r.speedup.toFixed(2)}×  CPU ${r.tmlCpuMs.toFixed(2).padStart(8)} / ${r.sklearnCpuMs.toFixed(2).padStart(8)} ms  ${r.cpuSpeedup.toFixed(2)}×`,
    );
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const results = {
    benchmark: 'automl-families',
    date: started,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg(),
    node: process.version,
    python: side.environment,
    rows,
  };
  writeFileSync(
    join(root, 'bench', 'results', 'automl-families.json'),
    JSON.stringify(results, null, 2) + '\n',
  );
  console.log('wrote bench/results/automl-families.json');
}

async function defaultsComparison(): Promise<void> {
  const root = repositoryRoot();
  const started = new Date().toISOString();
  const load = loadavg();
  const modelruns = numbers('--modelruns', [10, 30]);
  const datasets = option('--datasets');
  const side = await FlamlSide.start(ensureVenv(), root, join(root, '.cache', 'bench-automl-flaml'));
  const pool = new TrainingPool({ maxThreads: 2 });
  let rows: DefaultsRow[];
  try {
    const exported = await side.export(datasets === undefined ? 'all' : datasets.split(','));
    rows = await tmlAgainstDefaults(side, exported, modelruns, pool, SEED);
  } finally {
    await pool.close();
    await side.close();
  }
  console.log('');
  console.log("tml's pick ÷ the best scikit-learn default estimator, holdout error (goal ≤ 1.02)");
  console.log(['data set'.padEnd(16), ...modelruns.map((m) => `modelruns ${m}`.padStart(24))].join(''));
  for (const d of [...new Set(rows.map((r) => r.dataset))]) {
    const cells = modelruns.map((m) => rows.find((r) => r.dataset === d && r.modelruns === m));
    console.log(
      [
        d.padEnd(16),
        ...cells.map((c) => (c ? `${c.ratio.toFixed(3)} ${c.tmlModel}` : '-').padStart(24)),
      ].join(''),
    );
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const results = {
    benchmark: 'automl-defaults',
    date: started,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg(),
    python: side.environment,
    modelruns,
    rows,
  };
  writeFileSync(
    join(root, 'bench', 'results', 'automl-defaults.json'),
    JSON.stringify(results, null, 2) + '\n',
  );
  console.log('wrote bench/results/automl-defaults.json');
}

async function lightgbmComparison(): Promise<void> {
  const root = repositoryRoot();
  const dataDir = join(root, '.cache', 'bench-automl-gbdt');
  const load = loadavg();
  const started = new Date().toISOString();
  const side = await FlamlSide.start(ensureVenv(), root, dataDir);
  const rows: GbdtSpeedRow[] = [];
  try {
    for (const [n, p] of [
      [20_000, 5],
      [5_000, 50],
    ]) {
      const w = writeWindow(dataDir, `${n}x${p}-nonlinear`, n, p, 'nonlinear', SEED + n + p, 1);
      rows.push(
        await gbdtAgainstLightgbm(side, { id: w.id, file: w.file, data: readWindow(w) }, quick ? 1 : 5),
      );
    }
  } finally {
    await side.close();
  }
  console.log('');
  console.log('GBDT training, one thread, 100 rounds × 31 leaves, 255 bins: tml ÷ LightGBM (goal ≤ 2)');
  for (const r of rows) {
    console.log(
      `  ${r.window.padEnd(20)} tml ${r.tmlMs.toFixed(0).padStart(6)} ms  LightGBM ${r.lightgbmMs.toFixed(0).padStart(6)} ms  ratio ${r.ratio.toFixed(2)}  (training RMSE ${r.tmlTrainRmse.toFixed(4)} / ${r.lightgbmTrainRmse.toFixed(4)})`,
    );
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const results = {
    benchmark: 'automl-gbdt-lightgbm',
    date: started,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    python: side.environment,
    rows: rows.map((r) => r),
  };
  writeFileSync(join(root, 'bench', 'results', 'automl-gbdt.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results/automl-gbdt.json');
}

async function flamlComparison(): Promise<void> {
  const root = repositoryRoot();
  const datasets = option('--datasets');
  const grid = {
    datasets: datasets === undefined ? ('all' as const) : datasets.split(','),
    budgetsS: numbers('--budgets', [0.25, 1, 5]),
    threads: numbers('--threads', [2, 1]),
  };
  const started = new Date().toISOString();
  const load = loadavg();
  console.log(`tml against FLAML: budgets ${grid.budgetsS.join(', ')} s, threads ${grid.threads.join(', ')}`);
  const {
    environment,
    datasets: exported,
    cells,
  } = await runFlamlComparison(ensureVenv(), root, join(root, '.cache', 'bench-automl-flaml'), grid, SEED);
  printFlamlTable(cells);
  const results = {
    benchmark: 'automl-flaml',
    date: started,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    note: 'shared 2-core machine: errors are deterministic for tml given the seed, wall times and so FLAML (time-bound) are not',
    holdoutFraction: 0.2,
    grid,
    python: environment,
    datasets: exported.map((d) => ({ ...d, file: relative(root, d.file) })),
    cells,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'automl-flaml.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results/automl-flaml.json');
}

async function sklearnComparison(): Promise<void> {
  const root = repositoryRoot();
  const dataDir = join(root, '.cache', 'bench-automl');
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });

  // 1. The windows, written once; both sides read these files.
  const shapes: Array<[number, number]> = [
    [1_000, 5],
    [20_000, 5],
    [5_000, 50],
  ];
  const targets: Target[] = ['linear', 'nonlinear', 'classification'];
  const windows: Array<WindowSpec & { candidates: ReturnType<typeof planFor>; warmup: boolean }> = [];
  let seed = SEED;
  for (const [rows, features] of shapes) {
    for (const target of targets) {
      const repeats = quick ? 1 : rows <= 1_000 ? 7 : 3;
      const w = writeWindow(
        dataDir,
        `${rows}x${features}-${target}`,
        rows,
        features,
        target,
        seed++,
        repeats,
      );
      windows.push({ ...w, candidates: planFor(w.task, rows, features, SEED), warmup: rows <= 1_000 });
    }
  }
  const predictValues = generate(PREDICT_ROWS, 5, 'linear', seed).subarray(0, PREDICT_ROWS * 5);
  const predictFile = join(dataDir, `predict-${PREDICT_ROWS}x5.f64`);
  const predictBytes = Buffer.alloc(predictValues.length * 8);
  for (let i = 0; i < predictValues.length; i++) predictBytes.writeDoubleLE(predictValues[i], i * 8);
  writeFileSync(predictFile, predictBytes);

  const spec = {
    seed: SEED,
    holdoutFraction: 0.2,
    windows,
    micro: { fitWindow: '1000x5-linear', gbdtWindow: '20000x5-nonlinear', predictFile },
  };
  const specFile = join(dataDir, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec, null, 1));

  // 2. Both sides, window by window (interleaved, so that both see the same load on a shared
  // machine). The pool's threads and Python's interpreter start before the clocks run.
  const sk = await PythonSide.start(ensureVenv(), specFile);
  console.log(
    `scikit-learn ${sk.environment.sklearn}, numpy ${sk.environment.numpy}, Python ${sk.environment.python}; ${sk.environment.openblasEnvironment}`,
  );
  const pool = new TrainingPool({ maxThreads: 2 });
  const tml: TmlWindow[] = [];
  const python: PythonWindow[] = [];
  let m: TmlMicro;
  let skMicro: PythonMicro;
  try {
    for (const w of windows) {
      python.push(await sk.window(w.id));
      const data = readWindow(w);
      tml.push(
        await selectOnWindow(w.id, data, w.task, w.candidates, {
          seed: SEED,
          repeats: w.repeats,
          warmup: w.warmup,
          pool,
        }),
      );
      const p = python[python.length - 1];
      console.log(
        `  ${w.id}: tml ${tml[tml.length - 1].selectMs.toFixed(1)} ms (${tml[tml.length - 1].searchMs.toFixed(1)} without the refit), scikit-learn ${p.parallel.selectMs.toFixed(1)} / ${p.parallel.searchMs.toFixed(1)} ms (${p.parallel.threads} threads), ${p.single.selectMs.toFixed(1)} / ${p.single.searchMs.toFixed(1)} ms (1 thread)`,
      );
    }
    const byId = (id: string) => windows.find((w) => w.id === id) as WindowSpec;
    const predictX = new Float64Array(PREDICT_ROWS * 5);
    for (let i = 0; i < predictX.length; i++) predictX[i] = predictBytes.readDoubleLE(i * 8);
    skMicro = await sk.micro();
    m = micro(readWindow(byId('1000x5-linear')), readWindow(byId('20000x5-nonlinear')), predictX);
  } finally {
    await pool.close();
    await sk.close();
  }

  // 4. Report.
  const rows = windows.map((w, i) => {
    if (python[i].parallel.sha256 !== w.sha256) throw new Error(`${w.id}: Python read other bytes`);
    return compareWindow(w, tml[i], python[i]);
  });
  console.log('');
  printTable(rows);
  const sklearnChosen = python.map((p) => (p.parallel.selectMs <= p.single.selectMs ? p.parallel : p.single));
  const families = familyTotals(
    tml.map((t, i) => ({ tml: t.leaderboard, sklearn: sklearnChosen[i].leaderboard })),
  );
  printFamilies(families);
  const microRows: MicroRow[] = [
    {
      name: 'OLS fit 1,000×5 (algorithm)',
      tml: m.olsFit1000x5Ms,
      sklearn: skMicro.olsFit1000x5Ms,
      unit: 'ms',
      goal: '< 0.2 ms',
      met: m.olsFit1000x5Ms < 0.2,
    },
    {
      name: 'ridge fit 1,000×5 (algorithm)',
      tml: m.ridgeFit1000x5Ms,
      sklearn: skMicro.ridgeFit1000x5Ms,
      unit: 'ms',
      goal: '< 0.2 ms',
      met: m.ridgeFit1000x5Ms < 0.2,
    },
    {
      name: 'OLS Model.fit 1,000×5 (+standardise, JSON)',
      tml: m.olsModelFit1000x5Ms,
      sklearn: NaN,
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: 'ridge Model.fit 1,000×5 (+standardise, JSON)',
      tml: m.ridgeModelFit1000x5Ms,
      sklearn: NaN,
      unit: 'ms',
      goal: '',
      met: true,
    },
    {
      name: 'linear Model.predict',
      tml: m.linearPredictRowsPerS,
      sklearn: skMicro.linearPredictRowsPerS,
      unit: 'rows/s',
      goal: '≥ 5M rows/s',
      met: m.linearPredictRowsPerS >= 5e6,
    },
    {
      name: 'linear predict (algorithm, standardised x)',
      tml: m.linearRawPredictRowsPerS,
      sklearn: NaN,
      unit: 'rows/s',
      goal: '',
      met: true,
    },
    {
      name: 'GBDT 100 trees Model.predict',
      tml: m.gbdt100PredictRowsPerS,
      sklearn: skMicro.gbdt100PredictRowsPerS,
      unit: 'rows/s',
      goal: '≥ 500k rows/s',
      met: m.gbdt100PredictRowsPerS >= 5e5,
    },
    {
      name: 'GBDT 100 trees predict (algorithm)',
      tml: m.gbdt100RawPredictRowsPerS,
      sklearn: NaN,
      unit: 'rows/s',
      goal: '',
      met: true,
    },
  ];
  printMicro(microRows);

  const results = {
    benchmark: 'automl',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    note: 'shared 2-core machine, other jobs running: absolute times are noisy, compare the ratios of one run',
    quick,
    seed: SEED,
    holdoutFraction: 0.2,
    algorithms: ALGORITHMS,
    modelruns: MODELRUNS,
    python: sk.environment,
    windows: rows.map((r, i) => ({
      ...r,
      // Relative to the repository root: the results must not name this machine's paths.
      file: relative(root, windows[i].file),
      tmlRunsMs: tml[i].selectMsRuns,
      tmlSearchRunsMs: tml[i].searchMsRuns,
      sklearnParallelRunsMs: python[i].parallel.selectMsRuns,
      sklearnSingleRunsMs: python[i].single.selectMsRuns,
      sklearnParallelSearchRunsMs: python[i].parallel.searchMsRuns,
      sklearnSingleSearchRunsMs: python[i].single.searchMsRuns,
      candidates: windows[i].candidates.map((c) => c.id),
      tmlLeaderboard: tml[i].leaderboard,
      sklearnLeaderboard: sklearnChosen[i].leaderboard,
    })),
    families,
    micro: {
      tml: m,
      sklearn: skMicro,
      predictRows: PREDICT_ROWS,
      goals: microRows.filter((r) => r.goal !== ''),
    },
  };
  writeFileSync(join(resultsDir, 'automl.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results/automl.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
