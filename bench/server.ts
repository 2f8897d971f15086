// Server throughput: `tml serve` on the embedded backbone in its own process, loaded by autocannon
// from this one. Cases: VIPER producetotopic (one value), producetotopicbulk (1,000 values), and the
// /v1 equivalents, each compared with a reference measured in the same run: GET /v1/status, which
// touches neither the token store nor the backbone (the HTTP floor of this machine at this moment);
// then viperhpdepredict with `inputdata` and POST /v1/predictions at a fixed 1,000 requests/s
// (the issue's latency goal is stated at that load), after the seed flow trained a model.
// Run with `npm run build && node dist/bench/server.js [--duration 10] [--connections 10]
// [--tml <another built checkout>]`: a table on stdout and the same rows in bench/results/server.json.
// Each row also gives the server process's CPU time per request, which other work on a shared
// machine disturbs far less than requests/s (the before/after comparison of a change uses it).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { json, trainSeedModel } from './seed-model.js';
import { processCpuMs, startServeProcess } from './serve-process.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second over all connections (a fixed offered load), instead of as fast as possible. */
  overallRate?: number;
}

// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: AutocannonOptions,
) => Promise<AutocannonResult>;

export interface ServerBenchRow {
  case: string;
  face: 'viper' | 'v1' | 'reference';
  valuesPerRequest: number;
  requestsPerSecond: number;
  valuesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** requests/s of this case ÷ requests/s of the reference. */
  ratioToReference: number;
  /** The server process's CPU time per answered request (ms), when the platform tells it. */
  serverCpuMsPerRequest: number | null;
}

function textArgument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/server.js → the repository root is two levels up.
const root = join(here, '..', '..');

async function main(): Promise<void> {
  const duration = argument('duration', 10);
  const connections = argument('connections', 10);
  const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-server-'));
  // --tml <checkout>: load another built checkout's server (a before/after comparison)
  const checkout = textArgument('tml');
  const { child, url } = await startServeProcess(dataDir, 30_000, checkout);
  try {
    const token = readFileSync(join(dataDir, 'admin.tok'), 'utf8');
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const producers: Record<string, string> = {};
    for (const topic of ['viper-one', 'viper-bulk', 'v1-one', 'v1-bulk']) {
      const created = await json(`${url}/createtopics?vipertoken=${token}&topic=${topic}&numpartitions=3`);
      producers[topic] = String(created.ProducerId);
    }
    const thousand = Array.from({ length: 1000 }, (_, i) => String(i % 997)).join(',');
    const flow = await trainSeedModel(url, token);
    const cases: {
      name: string;
      face: ServerBenchRow['face'];
      values: number;
      topic?: string;
      options: AutocannonOptions;
    }[] = [
      {
        name: 'GET /v1/status (reference)',
        face: 'reference',
        values: 0,
        options: { url: `${url}/v1/status`, connections, duration },
      },
      {
        name: 'producetotopic, 1 value',
        face: 'viper',
        values: 1,
        topic: 'viper-one',
        options: {
          url: `${url}/producetotopic?vipertoken=${token}&topic=viper-one&producerid=${producers['viper-one']}&externalprediction=417`,
          connections,
          duration,
        },
      },
      {
        name: 'producetotopicbulk, 1,000 values',
        face: 'viper',
        values: 1000,
        topic: 'viper-bulk',
        options: {
          url: `${url}/producetotopicbulk?vipertoken=${token}&topic=viper-bulk&producerid=${producers['viper-bulk']}&externalprediction=${thousand}`,
          connections,
          duration,
        },
      },
      {
        name: 'POST /v1/topics/{t}/records, 1 value',
        face: 'v1',
        values: 1,
        topic: 'v1-one',
        options: {
          url: `${url}/v1/topics/v1-one/records`,
          method: 'POST',
          headers: bearer,
          body: JSON.stringify({ producerId: producers['v1-one'], value: 417 }),
          connections,
          duration,
        },
      },
      {
        name: 'POST /v1/topics/{t}/records/bulk, 1,000 values',
        face: 'v1',
        values: 1000,
        topic: 'v1-bulk',
        options: {
          url: `${url}/v1/topics/v1-bulk/records/bulk`,
          method: 'POST',
          headers: bearer,
          body: JSON.stringify({ producerId: producers['v1-bulk'], values: thousand.split(',').map(Number) }),
          connections,
          duration,
        },
      },
      {
        name: 'viperhpdepredict, inputdata (1,000 req/s offered)',
        face: 'viper',
        values: 1,
        topic: flow.predictions,
        options: {
          url:
            `${url}/viperhpdepredict?vipertoken=${token}&algokey=${flow.algokey}&produceto=${flow.predictions}` +
            `&producerid=${flow.predictionsProducer}&inputdata=40,30&companyname=bench`,
          connections,
          duration,
          overallRate: 1000,
        },
      },
      {
        name: 'POST /v1/predictions, inputs (1,000 req/s offered)',
        face: 'v1',
        values: 1,
        topic: flow.v1Predictions,
        options: {
          url: `${url}/v1/predictions`,
          method: 'POST',
          headers: bearer,
          body: JSON.stringify({
            algokey: flow.algokey,
            produceTo: flow.v1Predictions,
            producerId: flow.v1PredictionsProducer,
            inputs: [40, 30],
          }),
          connections,
          duration,
          overallRate: 1000,
        },
      },
    ];

    const rows: ServerBenchRow[] = [];
    /** Values answered with success, per topic (requests cut off at the end may add a few more). */
    const sent = new Map<string, number>();
    let reference = 0;
    for (const c of cases) {
      // One request outside the measurement: fails loudly if the case is wrong (VIPER errors are 200s).
      await json(c.options.url, {
        method: c.options.method ?? 'GET',
        headers: c.options.headers,
        body: c.options.body,
      });
      const warmUp = await autocannon({ ...c.options, duration: 1 });
      const cpuBefore = processCpuMs(child.pid);
      const result = await autocannon(c.options);
      const cpuAfter = processCpuMs(child.pid);
      const answered = result.requests.total;
      const cpuPerRequest =
        cpuBefore !== undefined && cpuAfter !== undefined && answered > 0
          ? Number(((cpuAfter - cpuBefore) / answered).toFixed(3))
          : null;
      if (c.topic) sent.set(c.topic, (1 + warmUp.requests.total + result.requests.total) * c.values);
      const rps = result.requests.total / result.duration;
      if (c.face === 'reference') reference = rps;
      rows.push({
        case: c.name,
        face: c.face,
        valuesPerRequest: c.values,
        requestsPerSecond: Math.round(rps),
        valuesPerSecond: Math.round(rps * c.values),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        ratioToReference: reference > 0 ? Number((rps / reference).toFixed(3)) : 1,
        serverCpuMsPerRequest: cpuPerRequest,
      });
    }

    // Every request must have stored its values: compare the topics' record counts with what was sent.
    const listed = (await json(`${url}/listtopics?vipertoken=${token}`)) as {
      Topics: { Topic: string; Records: number }[];
    };
    const stored = new Map(listed.Topics.map((t) => [t.Topic, t.Records]));
    const checks = [...sent].map(([topic, answered]) => ({
      topic,
      answered,
      stored: stored.get(topic) ?? 0,
    }));
    const lost = checks.filter((c) => c.stored < c.answered);
    if (lost.length > 0)
      throw new Error(`answered values missing from their topics: ${JSON.stringify(lost)}`);

    const header = [
      'case',
      'req/s',
      'values/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'errors',
      '× reference',
      'server CPU ms/req',
    ];
    const table = [
      header,
      ...rows.map((r) => [
        r.case,
        r.requestsPerSecond.toLocaleString('en-US'),
        r.valuesPerSecond.toLocaleString('en-US'),
        String(r.p50Ms),
        String(r.p99Ms),
        String(r.non2xx),
        String(r.errors),
        r.ratioToReference.toFixed(2),
        r.serverCpuMsPerRequest === null ? '—' : r.serverCpuMsPerRequest.toFixed(3),
      ]),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table)
      console.log(
        row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '),
      );
    console.log(
      `every answered value is stored: ${checks.map((c) => `${c.topic} ${c.stored} >= ${c.answered}`).join(', ')}`,
    );
    const predictRows = rows.filter((r) => r.case.includes('1,000 req/s'));
    for (const r of predictRows)
      console.log(
        `${r.case}: p99 ${r.p99Ms} ms (goal < 10 ms at 1,000 requests/s): ${r.p99Ms < 10 ? 'met' : 'missed'}`,
      );

    const out = join(root, 'bench', 'results', 'server.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          loadAverage: loadavg(),
          note: 'Shared machine: other work ran at the same time; compare ratios to the reference, not absolute figures.',
          settings: {
            durationSeconds: duration,
            connections,
            backbone: 'embedded',
            logLevel: 'warn',
            server: checkout === undefined ? 'this checkout' : 'another checkout (--tml)',
          },
          rows,
          storedRecords: checks,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`written ${out}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
