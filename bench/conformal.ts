// `npm run bench:conformal`: prediction intervals on the streams of bench/solutions-accuracy.ts (the
// drifting Friedman stream and River's TrumpApproval). TML's learning loop predicts each row, then
// learns it, exactly as a solution does; the intervals are scored on those predictions from TML's
// first model on: empirical coverage (share of rows whose outcome fell inside) and mean width.
// Rows: adaptive conformal inference (what a solution publishes, Gibbs & Candès' γ = 0.005 and a
// faster γ = 0.05) against split conformal with the width fixed from the first 100 predicted rows
// (the anchor a one-shot model gets), all on the same predictions, nominal coverage 90%. Then the
// anchors on the same rows (bench/python/conformal_anchors.py): River's conformal regressor
// (RegressionJackknife) around River models, and MAPIE's split conformal regressor (--no-python:
// TML alone). Prints a table and writes bench/results/conformal.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { AdaptiveConformal, splitConformalWidth } from '../src/automl/conformal/index.js';
import { TrainingPool } from '../src/automl/pool/training-pool.js';
import { ensureVenv, repositoryRoot } from './automl/python.js';
import { readCsv, runTml, syntheticStream, type Stream } from './solutions-accuracy.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const COVERAGE = 0.9;
const SPLIT_ROWS = 100;

interface Row {
  stream: string;
  method: string;
  rows: number;
  /** Rows with no finite interval yet (too few errors seen): not counted as covered. */
  unbounded: number;
  coverage: number;
  meanWidth: number;
}

function adaptive(stream: Stream, predictions: Float64Array, first: number, learningRate: number): Row {
  const aci = new AdaptiveConformal({ coverage: COVERAGE, learningRate, window: 500 });
  let covered = 0;
  let unbounded = 0;
  let widths = 0;
  let bounded = 0;
  for (let r = first; r < stream.rows; r++) {
    const width = aci.width();
    if (width === undefined) unbounded++;
    else {
      bounded++;
      widths += 2 * width;
      if (Math.abs(stream.y[r] - predictions[r]) <= width) covered++;
    }
    aci.observe(predictions[r], stream.y[r]);
  }
  const rows = stream.rows - first;
  return {
    stream: stream.name,
    method: `adaptive conformal, γ ${learningRate}`,
    rows,
    unbounded,
    coverage: covered / rows,
    meanWidth: widths / bounded,
  };
}

function split(stream: Stream, predictions: Float64Array, first: number): Row {
  const residuals = Array.from(
    { length: SPLIT_ROWS },
    (_, i) => stream.y[first + i] - predictions[first + i],
  );
  const width = splitConformalWidth(residuals, COVERAGE)!;
  let covered = 0;
  const start = first + SPLIT_ROWS;
  for (let r = start; r < stream.rows; r++) if (Math.abs(stream.y[r] - predictions[r]) <= width) covered++;
  return {
    stream: stream.name,
    method: `split conformal, first ${SPLIT_ROWS} rows`,
    rows: stream.rows - start,
    unbounded: 0,
    coverage: covered / (stream.rows - start),
    meanWidth: 2 * width,
  };
}

async function main(): Promise<void> {
  const root = repositoryRoot();
  const dir = join(root, '.cache', 'bench-conformal');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const loadAtStart = loadavg();
  const streams = [
    syntheticStream(join(dir, 'friedman-drift.csv')),
    readCsv(join(root, 'bench', 'data', 'trump-approval.csv'), 'trump-approval', "River's TrumpApproval", [
      { window: 30, retrainEvery: 1, why: 'tuned: retrained daily on the last 30 days' },
    ]),
  ];
  const pool = new TrainingPool({ maxThreads: 2 });
  const rows: Row[] = [];
  const firstRows: Record<string, number> = {};
  try {
    for (const stream of streams) {
      const settings = {
        ...stream.tml[0],
        modelruns: 10,
        timeBudgetMs: 5_000,
        drift: { delta: 0.05, threshold: 50 },
      };
      const run = await runTml(stream, settings, pool);
      const first = run.firstModelRow;
      firstRows[stream.name] = first;
      rows.push(
        adaptive(stream, run.predictions, first, 0.005),
        adaptive(stream, run.predictions, first, 0.05),
        split(stream, run.predictions, first),
      );
      console.error(`${stream.name}: TML ran ${stream.rows} rows in ${run.seconds.toFixed(1)} s`);
    }
  } finally {
    await pool.close();
  }
  let environment: Record<string, string> = {};
  if (!process.argv.includes('--no-python')) {
    const python = ensureVenv();
    const spec = join(dir, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        coverage: COVERAGE,
        streams: streams.map((s) => ({ name: s.name, csv: s.csv, first: firstRows[s.name] })),
      }),
    );
    const result = spawnSync(python, [join(root, 'bench', 'python', 'conformal_anchors.py'), spec], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    if (result.status !== 0) throw new Error(`conformal_anchors.py failed (exit ${result.status})`);
    const out = JSON.parse(result.stdout) as { environment: Record<string, string>; results: Row[] };
    environment = out.environment;
    rows.push(...out.results);
    const order = (r: Row) => streams.findIndex((s) => s.name === r.stream);
    rows.sort((p, q) => order(p) - order(q));
  }
  console.log(`nominal coverage ${COVERAGE}; load average ${loadAtStart.map((l) => l.toFixed(1)).join(' ')}`);
  console.log(
    'stream           method                                        rows  unbounded  coverage  mean width',
  );
  for (const r of rows) {
    console.log(
      `${r.stream.padEnd(16)} ${r.method.padEnd(45)} ${String(r.rows).padStart(5)}  ${String(r.unbounded).padStart(9)}  ${r.coverage.toFixed(3).padStart(8)}  ${r.meanWidth.toFixed(3).padStart(10)}`,
    );
  }
  writeFileSync(
    join(root, 'bench', 'results', 'conformal.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        cpus: cpus().length,
        loadAverage: { start: loadAtStart, end: loadavg() },
        nominalCoverage: COVERAGE,
        environment,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
