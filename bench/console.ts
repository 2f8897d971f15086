// The console's cost and freshness: `tml demo` predicting ~1,000 rows/s in its own process, measured
// from its /metrics in alternating periods: nothing following the solution; an SSE reader in this
// process following it (the server does exactly what it does for a browser, and no browser competes
// for the CPU); a headless Chromium showing it live. Per period: process CPU, event-loop delay p99
// since the previous scrape, and the live streams' steps (tml_live_tick_seconds: how long each step
// held the event loop). In the browser, the lag from a prediction's publication to its arrival.
// With `--source serve`, the server is a plain `tml serve` whose only load is the predictions this
// bench writes into a solution's output topic (50 every 50 ms over /v1): the streaming's cost apart
// from a solution's own work in the same process.
// Run with `npm run bench:console [-- --period 10 --rounds 2 --rate 1000 --source demo|serve]`: a
// table on stdout and bench/results/console.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { TmlClient } from '../src/client/index.js';
import { chromiumPath, launchChromium } from '../test/console/browser.js';
import { startDemo } from '../test/console/demo-server.js';
import { startServeProcess } from './serve-process.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const { values } = parseArgs({
  options: {
    period: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '1000' },
    source: { type: 'string', default: 'demo' },
    // The browser normally runs on another machine; here it shares the server's two cores. At a low
    // priority it still renders every update but no longer preempts the server, whose own cost is
    // what is measured. 0 runs it at normal priority.
    'browser-nice': { type: 'string', default: '19' },
  },
});
const source = values.source === 'serve' ? 'serve' : 'demo';
const periodS = Number(values.period);
const rounds = Number(values.rounds);
const rate = Number(values.rate);

interface Sample {
  text: string;
  predictions: number;
  at: number;
}

const metric = (text: string, name: string, labels = ''): number => {
  const match = new RegExp(`^${name}(?:\\{${labels}[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
};

/** The tml_live_tick_seconds buckets (cumulative counts by upper bound). */
function tickBuckets(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^tml_live_tick_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  }
  return out;
}

/** The server under measure: `tml demo`, or `tml serve` fed synthetic predictions. */
async function startSource(): Promise<{ url: string; adminToken: string; stop(): Promise<void> }> {
  if (source === 'demo') {
    return startDemo([
      ...['--duration', String(60 + rounds * periodS * 4), '--rate', String(rate), '--window', '1000'],
      ...['--retrain-rows', '5000', '--retrain-seconds', '5', '--drift-after', '100000'],
    ]);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-bench-console-'));
  const { child, url } = await startServeProcess(dataDir);
  const adminToken = (await readFile(join(dataDir, 'admin.tok'), 'utf8')).trim();
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${url}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { producerId: string };
  };
  const { producerId } = await call('POST', '/topics', { topic: 'demo-predictions' });
  // a solution whose inputs never come: its worker waits, and the stream follows its output topic
  await call('POST', '/solutions', {
    name: 'demo',
    inputs: [{ topic: 'demo-x' }, { topic: 'demo-y' }],
    window: { records: 1000 },
    dependentVariable: 'demo-y',
    independentVariables: ['demo-x'],
    retrain: { everySeconds: 3600 },
    outputs: { predictions: 'demo-predictions' },
  });
  // the shape (and about the size) of a solution's prediction records
  let row = 0;
  const prediction = () => {
    const x = Math.sin(row / 50) * 10 + 20;
    const actual = 2 * x + 1 + Math.sin(row * 7);
    return JSON.stringify({
      solution: 'demo',
      entity: '',
      prediction: 2 * x + 1,
      actual,
      inputs: { 'demo-x': x },
      interval: { lower: 2 * x - 1, upper: 2 * x + 3, level: 0.9 },
      modelVersion: 7,
      algorithm: 'ridge',
      offsets: { 'demo-x/0': row, 'demo-y/0': row },
      rowTimestamp: Date.now(),
      row: row++,
    });
  };
  const perTick = Math.max(1, Math.round(rate / 20));
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const started = performance.now();
      const values = Array.from({ length: perTick }, prediction);
      await call('POST', '/topics/demo-predictions/records/bulk', { producerId, values });
      await sleep(Math.max(0, 50 - (performance.now() - started)));
    }
  })();
  return {
    url,
    adminToken,
    async stop() {
      writing = false;
      await writer.catch(() => undefined);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const demo = await startSource();
const auth = { authorization: `Bearer ${demo.adminToken}` }; // /metrics needs an admin token
const scrape = async (): Promise<Sample> => {
  const text = await (await fetch(`${demo.url}/metrics`, { headers: auth })).text();
  const { topics } = (await (await fetch(`${demo.url}/v1/topics`, { headers: auth })).json()) as {
    topics: Array<{ topic: string; records: number }>;
  };
  const predictions = topics.find((t) => t.topic === 'demo-predictions')?.records ?? 0;
  return { text, predictions, at: performance.now() };
};
const measure = async (): Promise<Record<string, number>> => {
  const start = await scrape(); // also resets the event-loop histogram
  await sleep(periodS * 1000);
  const end = await scrape();
  const seconds = (end.at - start.at) / 1000;
  const cpu = (s: Sample) => metric(s.text, 'process_cpu_seconds_total');
  // the steps of this period: the difference of the cumulative buckets
  const [b0, b1] = [tickBuckets(start.text), tickBuckets(end.text)];
  const steps = (b1.get(Infinity) ?? 0) - (b0.get(Infinity) ?? 0);
  const bound = [...b1.keys()].find((le) => (b1.get(le) ?? 0) - (b0.get(le) ?? 0) >= 0.99 * steps);
  const sum = (s: Sample) => metric(s.text, 'tml_live_tick_seconds_sum') || 0;
  return {
    cpuPercent: ((cpu(end) - cpu(start)) / seconds) * 100,
    loopP99Ms: metric(end.text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
    predictionsPerS: (end.predictions - start.predictions) / seconds,
    liveSteps: steps,
    liveStepMeanMs: steps > 0 ? ((sum(end) - sum(start)) / steps) * 1000 : 0,
    liveStepP99AtMostMs: steps > 0 && bound !== undefined ? bound * 1000 : 0,
  };
};

const browserNice = Number(values['browser-nice']);
if (browserNice > 0 && process.platform === 'linux') {
  const real = chromiumPath();
  if (real === undefined)
    throw new Error('Chromium is not installed (apt-get install chromium, or set TML_CHROMIUM)');
  const wrapper = join(mkdtempSync(join(tmpdir(), 'tml-bench-chromium-')), 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\nexec nice -n ${browserNice} ${JSON.stringify(real)} "$@"\n`, {
    mode: 0o700,
  });
  process.env.TML_CHROMIUM = wrapper;
}
const browser = await launchChromium();
const client = new TmlClient({ url: demo.url, token: demo.adminToken });
const rows: Array<Record<string, number | string>> = [];
const lags: number[] = [];
try {
  await sleep(source === 'demo' ? 15_000 : 5000); // first champion, steady rate
  for (let round = 0; round < rounds; round++) {
    rows.push({ round, follower: 'none', ...(await measure()) });

    // an SSE reader: the same stream a browser gets, read and parsed here
    const stop = new AbortController();
    let received = 0;
    const reading = (async () => {
      for await (const event of client.solutionEvents('demo', { history: 2000 }, stop.signal)) {
        if (event.event === 'predictions') received += (event.data as { offset: number[] }).offset.length;
      }
    })().catch(() => undefined);
    await sleep(2000);
    rows.push({ round, follower: 'sse', ...(await measure()), pointsReceived: received });
    stop.abort();
    await reading;

    const context = await browser.newContext();
    await context.request.post(`${demo.url}/v1/session`, { data: { token: demo.adminToken } });
    const page = await context.newPage();
    await page.goto(`${demo.url}/#/solutions/demo`);
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await sleep(2000);
    await page.evaluate('window.tmlConsolePoints.lags.length = 0');
    rows.push({ round, follower: 'browser', ...(await measure()) });
    const seen = (await page.evaluate('[...window.tmlConsolePoints.lags]')) as number[];
    rows[rows.length - 1].pointsReceived = (await page.evaluate(
      'window.tmlConsolePoints.received',
    )) as number;
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
const of = (kind: string, key: string) => rows.filter((r) => r.follower === kind).map((r) => Number(r[key]));
const summary = {
  predictionsPerS: mean(of('sse', 'predictionsPerS')),
  cpuNonePercent: mean(of('none', 'cpuPercent')),
  cpuSsePercent: mean(of('sse', 'cpuPercent')),
  cpuBrowserPercent: mean(of('browser', 'cpuPercent')),
  cpuAddedBySsePercentOfOneCore: mean(of('sse', 'cpuPercent')) - mean(of('none', 'cpuPercent')),
  loopP99NoneMs: mean(of('none', 'loopP99Ms')),
  loopP99SseMs: mean(of('sse', 'loopP99Ms')),
  loopP99BrowserMs: mean(of('browser', 'loopP99Ms')),
  liveStepMeanMs: mean(of('sse', 'liveStepMeanMs')),
  liveStepP99AtMostMs: Math.max(...of('sse', 'liveStepP99AtMostMs'), ...of('browser', 'liveStepP99AtMostMs')),
  browserLagP50Ms: pct(lags, 0.5),
  browserLagP99Ms: pct(lags, 0.99),
  lagSamples: lags.length,
};
console.table(rows);
console.table([summary]);
const machine = { cpus: cpus().length, loadavg: loadavg(), node: process.version };
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`../../bench/results/console${source === 'serve' ? '-serve' : ''}.json`, import.meta.url),
  JSON.stringify(
    { settings: { periodS, rounds, rate, source, browserNice }, machine, rows, summary },
    null,
    2,
  ) + '\n',
);
console.log(`load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')} on ${machine.cpus} cores`);
