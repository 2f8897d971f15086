// `npm run bench:soak`: `tml serve` (its own process, embedded backbone) running one solution fed at
// a steady rate for N minutes, every topic under a short retention: the data directory must level
// off once retention trims as fast as the producer appends, and the server's memory must stay flat.
// The inputs are created with `tml topics create --config retention.ms=...` before the server starts;
// the solution's per-row outputs get the same retention from the spec (`outputRetentionMs`).
// Prints one line per sample and a summary, and writes bench/results/soak.json.
//
//   node dist/bench/soak.js [--minutes 10] [--rate 600] [--retention-ms 60000] [--sample-seconds 15]
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServeProcess } from './serve-process.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const minutes = argument('minutes', 10);
const rowsPerSecond = argument('rate', 600);
const retentionMs = argument('retention-ms', 60_000);
const sampleSeconds = argument('sample-seconds', 15);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..'); // dist/bench/soak.js → the repository
const cli = join(root, 'dist/src/cli/main.js');
const INPUTS = ['soak-a', 'soak-b', 'soak-y'];
/** Rows are sent in batches this often: 600 rows/s is 60 rows per input topic every 100 ms. */
const BATCH_MS = 100;

interface Sample {
  seconds: number;
  dataDirMiB: number;
  /** Of which SQLite write-ahead logs (emptied by checkpoints, so they saw-tooth). */
  walMiB: number;
  rssMiB: number;
  rowsSent: number;
  predictions: number;
  retrains: number;
}

function dirBytes(path: string, only: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += dirBytes(full, only);
    else if (only(entry.name)) total += statSync(full).size;
  }
  return total;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function call(
  url: string,
  token: string,
  method: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tml-soak-'));
  let server: ChildProcess | undefined;
  try {
    for (const topic of INPUTS) {
      const made = spawnSync(
        process.execPath,
        [cli, '--data-dir', dataDir, 'topics', 'create', topic, '--config', `retention.ms=${retentionMs}`],
        { encoding: 'utf8' },
      );
      if (made.status !== 0) throw new Error(`tml topics create ${topic}: ${made.stderr}`);
    }
    const started = await startServeProcess(dataDir);
    server = started.child;
    const { url } = started;
    const admin = readFileSync(join(dataDir, 'admin.tok'), 'utf8').trim();
    const producers: Record<string, string> = {};
    for (const topic of INPUTS) {
      producers[topic] = String((await call(`${url}/v1/topics`, admin, 'POST', { topic })).producerId);
    }
    await call(`${url}/v1/solutions`, admin, 'POST', {
      name: 'soak',
      inputs: INPUTS.map((topic, i) => ({ topic, variables: [['a', 'b', 'y'][i]] })),
      window: { records: 500 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everySeconds: 5 },
      automl: { modelruns: 3, algorithms: ['ols', 'ridge', 'knn'], timeBudgetMs: 500 },
      anomaly: {},
      outputs: { predictions: 'soak-predictions', anomalies: 'soak-anomalies' },
      outputRetentionMs: retentionMs,
    });

    const samples: Sample[] = [];
    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    let rowsSent = 0;
    let nextSample = t0;
    const perBatch = Math.round((rowsPerSecond * BATCH_MS) / 1000);
    console.log(
      `soak: ${rowsPerSecond} rows/s (3 input topics) for ${minutes} min, retention ${retentionMs} ms, ` +
        `${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`,
    );
    console.log('   s   data dir MiB   of it WAL   RSS MiB   rows sent   predictions   retrains');
    for (let tick = t0; Date.now() < end; tick += BATCH_MS) {
      const rows = Array.from({ length: perBatch }, (_, i) => rowsSent + i);
      const a = rows.map((r) => (r * 37) % 100);
      const b = rows.map((r) => (r * 53) % 90);
      const y = a.map((v, i) => 2 * v - b[i] + 5 + ((rows[i] % 7) - 3) * 0.1);
      await Promise.all(
        [a, b, y].map((values, i) =>
          call(`${url}/v1/topics/${INPUTS[i]}/records/bulk`, admin, 'POST', {
            producerId: producers[INPUTS[i]],
            values,
          }),
        ),
      );
      rowsSent += perBatch;
      if (Date.now() >= nextSample) {
        const view = await call(`${url}/v1/solutions/soak`, admin, 'GET');
        const status = (view.status ?? {}) as { predictions?: number; retrains?: number };
        const sample: Sample = {
          seconds: Math.round((Date.now() - t0) / 1000),
          dataDirMiB: dirBytes(dataDir) / 2 ** 20,
          walMiB: dirBytes(dataDir, (name) => name.endsWith('-wal')) / 2 ** 20,
          rssMiB: rssMiB(server.pid as number),
          rowsSent,
          predictions: status.predictions ?? 0,
          retrains: status.retrains ?? 0,
        };
        samples.push(sample);
        console.log(
          `${String(sample.seconds).padStart(4)}   ${sample.dataDirMiB.toFixed(1).padStart(12)}   ` +
            `${sample.walMiB.toFixed(1).padStart(9)}   ` +
            `${sample.rssMiB.toFixed(0).padStart(7)}   ${String(rowsSent).padStart(9)}   ` +
            `${String(sample.predictions).padStart(11)}   ${String(sample.retrains).padStart(8)}`,
        );
        nextSample += sampleSeconds * 1000;
      }
      const wait = tick + BATCH_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    // Level-off: the second half of the run against the first half (disk), and the largest RSS of
    // the second half against its smallest (memory).
    const half = samples.filter((s) => s.seconds >= (minutes * 60) / 2);
    const firstHalf = samples.filter((s) => s.seconds < (minutes * 60) / 2);
    const max = (xs: number[]) => Math.max(...xs);
    const min = (xs: number[]) => Math.min(...xs);
    const summary = {
      minutes,
      rowsPerSecondOffered: rowsPerSecond,
      rowsPerSecondSent: rowsSent / ((Date.now() - t0) / 1000),
      retentionMs,
      dataDirMiBMaxFirstHalf: max(firstHalf.map((s) => s.dataDirMiB)),
      dataDirMiBMaxSecondHalf: max(half.map((s) => s.dataDirMiB)),
      rssMiBStart: samples[0]?.rssMiB,
      rssMiBMinSecondHalf: min(half.map((s) => s.rssMiB)),
      rssMiBMaxSecondHalf: max(half.map((s) => s.rssMiB)),
      predictions: samples.at(-1)?.predictions,
      rowsSent,
      cores: cpus().length,
      loadAverage: loadavg()[0],
    };
    console.log(JSON.stringify(summary, null, 2));
    const out = join(root, 'bench', 'results', 'soak.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ summary, samples }, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } finally {
    server?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
