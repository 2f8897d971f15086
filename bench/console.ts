// The console's cost and freshness: `tml demo` predicting ~1,000 rows/s in its own process, measured
// from its /metrics (process CPU, event-loop delay p99 since the previous scrape) in alternating
// periods without and with a headless Chromium showing the solution live; in the browser, the lag
// from a prediction's publication to its arrival in the page.
// Run with `npm run bench:console [-- --period 10 --rounds 2 --rate 1000]`: a table on stdout and
// bench/results/console.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium } from '../test/console/browser.js';
import { startDemo } from '../test/console/demo-server.js';

const { values } = parseArgs({
  options: {
    period: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
  },
});
const periodS = Number(values.period);
const rounds = Number(values.rounds);
const rate = Number(values.rate);

interface Sample {
  cpuSeconds: number;
  loopP99Ms: number;
  predictions: number;
  at: number;
}

const metric = (text: string, name: string): number => {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
};

const demo = await startDemo([
  ...['--duration', String(60 + rounds * periodS * 3), '--rate', String(rate), '--window', '1000'],
  ...['--retrain-rows', '5000', '--retrain-seconds', '5', '--drift-after', '100000'],
]);
const scrape = async (): Promise<Sample> => {
  const text = await (await fetch(`${demo.url}/metrics`)).text();
  const status = (await (
    await fetch(`${demo.url}/v1/solutions/demo`, { headers: { authorization: `Bearer ${demo.adminToken}` } })
  ).json()) as { status?: { predictions: number } };
  return {
    cpuSeconds: metric(text, 'process_cpu_seconds_total'),
    loopP99Ms: metric(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    predictions: status.status?.predictions ?? 0,
    at: performance.now(),
  };
};
const measure = async (): Promise<{ cpuPercent: number; loopP99Ms: number; predictionsPerS: number }> => {
  const start = await scrape(); // also resets the event-loop histogram
  await sleep(periodS * 1000);
  const end = await scrape();
  const seconds = (end.at - start.at) / 1000;
  return {
    cpuPercent: ((end.cpuSeconds - start.cpuSeconds) / seconds) * 100,
    loopP99Ms: end.loopP99Ms,
    predictionsPerS: (end.predictions - start.predictions) / seconds,
  };
};

const browser = await launchChromium();
const rows: Array<Record<string, number | string>> = [];
const lags: number[] = [];
try {
  await sleep(15_000); // first champion, steady rate
  for (let round = 0; round < rounds; round++) {
    rows.push({ round, console: 'closed', ...(await measure()) });
    const context = await browser.newContext();
    await context.request.post(`${demo.url}/v1/session`, { data: { token: demo.adminToken } });
    const page = await context.newPage();
    await page.goto(`${demo.url}/#/solutions/demo`);
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await sleep(2000);
    await page.evaluate('window.tmlConsolePoints.lags.length = 0');
    rows.push({ round, console: 'open', ...(await measure()) });
    const seen = (await page.evaluate('[...window.tmlConsolePoints.lags]')) as number[];
    const received = (await page.evaluate('window.tmlConsolePoints.received')) as number;
    rows[rows.length - 1].pointsReceived = received;
    lags.push(...seen);
    await context.close();
  }
} finally {
  await browser.close();
  await demo.stop();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const of = (kind: string, key: string) => rows.filter((r) => r.console === kind).map((r) => Number(r[key]));
const summary = {
  predictionsPerS: mean(of('open', 'predictionsPerS')),
  cpuClosedPercent: mean(of('closed', 'cpuPercent')),
  cpuOpenPercent: mean(of('open', 'cpuPercent')),
  cpuAddedPercentOfOneCore: mean(of('open', 'cpuPercent')) - mean(of('closed', 'cpuPercent')),
  loopP99ClosedMs: mean(of('closed', 'loopP99Ms')),
  loopP99OpenMs: mean(of('open', 'loopP99Ms')),
  browserLagP50Ms: pct(lags, 0.5),
  browserLagP99Ms: pct(lags, 0.99),
  lagSamples: lags.length,
};
console.table(rows);
console.table([summary]);
const machine = { cpus: cpus().length, loadavg: loadavg(), node: process.version };
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../../bench/results/console.json', import.meta.url),
  JSON.stringify({ settings: { periodS, rounds, rate }, machine, rows, summary }, null, 2) + '\n',
);
console.log(`load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')} on ${machine.cpus} cores`);
