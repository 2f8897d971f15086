// `npm run bench:preprocess`: preprocessing throughput — 10 statistics over the windows of 1,000
// devices — through the preprocess step's path (computeSampleStatistics: one call per statistic
// over numbers-or-text values, as the step makes it), against the reference measured in the same
// run: the numeric engine (computeStatistics) computing the 10 statistics at once over a
// Float64Array. A table on stdout, the same rows in bench/results/preprocess.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { computeSampleStatistics, computeStatistics } from '../src/automl/statistics/index.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const DEVICES = 1000;
const WINDOW = 100;
const STATISTICS = [
  'AVG',
  'MAX',
  'MIN',
  'MEDIAN',
  'VARIANCE',
  'TREND',
  'ANOMPROB',
  'SPIKEDETECT',
  'ENTROPY',
  'IQR',
];
const ROUNDS = 5;

/** Deterministic readings: a slow wave per device, noise, and a spike now and then. */
function windows(): Float64Array[] {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: DEVICES }, (_, d) =>
    Float64Array.from(
      { length: WINDOW },
      (_, i) => 50 + 10 * Math.sin((i + d) / 9) + random() * 2 + (i % 37 === 0 ? 25 : 0),
    ),
  );
}

function time(run: () => void): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return best;
}

function main(): void {
  const data = windows();
  const samples = data.map((w) => ({ values: Array.from(w), timestamps: new Float64Array(WINDOW) }));
  const records = DEVICES * WINDOW;
  const reference = time(() => {
    for (const w of data) computeStatistics(STATISTICS, w);
  });
  const step = time(() => {
    for (const s of samples) for (const name of STATISTICS) computeSampleStatistics([name], s);
  });
  const rows = [
    {
      path: 'numeric engine, 10 at once (reference)',
      seconds: reference,
      recordsPerSecond: records / reference,
    },
    { path: 'preprocess step path, one per statistic', seconds: step, recordsPerSecond: records / step },
  ];
  console.log(`${DEVICES} devices × ${WINDOW} records, ${STATISTICS.length} statistics, best of ${ROUNDS}`);
  console.log('| path | s | records/s | ratio to reference |\n|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.path} | ${r.seconds.toFixed(3)} | ${Math.round(r.recordsPerSecond).toLocaleString('en')} | ${(r.seconds / reference).toFixed(2)} |`,
    );
  }
  const out = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    'bench',
    'results',
    'preprocess.json',
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        note: 'shared 2-core machine; other work may run at the same time',
        devices: DEVICES,
        window: WINDOW,
        statistics: STATISTICS,
        rows,
        stepOverReference: step / reference,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`written ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
