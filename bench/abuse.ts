// `npm run bench:abuse`: `tml serve` (its own process, embedded backbone) under slow connections and
// abusive clients while good clients produce and predict (bench/abuse-load.ts says what each sends).
// The reference is /healthz on the same server just before, with nobody else. Goal (hardening
// issue, item 11): /healthz p99 under 100 ms during the abuse, every acknowledged value stored,
// predictions answered. Prints a table and writes bench/results/abuse.json.
//
//   node dist/bench/abuse.js [--seconds 30] [--slow 200] [--abusers 20]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAbuse } from './abuse-load.js';
import { startAbuseTarget } from './abuse-target.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const seconds = argument('seconds', 30);
const slowConnections = argument('slow', 200);
const abusers = argument('abusers', 20);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..'); // dist/bench → the repository
const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-abuse-'));
const loadBefore = loadavg()[0];
const started = await startAbuseTarget(dataDir);
try {
  const result = await runAbuse(started.target, {
    quietSeconds: 5,
    seconds,
    slowConnections,
    abusers,
    probeIntervalMs: 20,
    probeTimeoutMs: 5000,
    produceIntervalMs: 100,
    predictIntervalMs: 100,
  });
  const goal = result.abused.p99Ms < 100 && result.abused.unanswered === 0;
  const rows = [
    { case: '/healthz, nobody else (reference)', ...result.quiet },
    { case: `/healthz, ${slowConnections} slow + ${abusers} abusive clients`, ...result.abused },
  ];
  console.log(
    `abuse: ${seconds} s, ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before, ` +
      `${loadavg()[0].toFixed(1)} after`,
  );
  console.table(rows);
  console.table(
    Object.entries(result.abuse).map(([kind, answers]) => ({
      'abusive request': kind,
      answers: Object.entries(answers)
        .map(([status, n]) => `${n}× ${status}`)
        .join(', '),
    })),
  );
  console.table({
    'p99 × reference': (result.abused.p99Ms / Math.max(result.quiet.p99Ms, 0.1)).toFixed(1),
    'slow connections opened / 408 / held at the end': `${result.slow.opened} / ${result.slow.closedWith408} / ${result.slow.heldAtEnd}`,
    'abusive requests answered': result.abuseRequests,
    '5xx answers': result.serverErrors,
    'produce: requests / ok': `${result.produce.requests} / ${result.produce.ok}`,
    'values acknowledged / stored / lost': `${result.produce.acknowledged} / ${result.produce.stored} / ${result.produce.lost}`,
    'predict: requests / ok / p99 ms': `${result.predict.requests} / ${result.predict.ok} / ${result.predict.p99Ms}`,
    'last prediction for (40, 30), y = 2·x1 − x2 + 5': result.predict.last?.toFixed(2) ?? '-',
  });
  console.log(`goal /healthz p99 < 100 ms under abuse, every probe answered: ${goal ? 'met' : 'missed'}`);
  const out = join(root, 'bench', 'results', 'abuse.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cores: cpus().length,
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg()[0],
        seconds,
        slowConnections,
        abusers,
        goalMet: goal,
        ...result,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  await started.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
