// The load-and-abuse run against a running `tml serve` (hardening issue, item 11), shared by
// `npm run bench:abuse` (bench/abuse.ts) and its test (test/server/abuse.test.ts).
//
// While slow connections (headers or a body dripped a byte a second, reopened when the server closes
// them) and abusive clients (oversized URLs, bodies and queries, wrong tokens, too many parameters,
// no token at all) run, a probe asks /healthz every few milliseconds from a worker thread, one
// client produces numbered values through /v1 and another asks for predictions. Afterwards every
// acknowledged value is read back. The slow and abusive clients connect from other loopback
// addresses (127.0.0.2 and up) than the good clients (127.0.0.1), as they would from other
// machines: the per-address limits (connections, failed authentications) then act on them alone.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { ProbeOptions, ProbeSample } from './abuse-probe.js';

export interface AbuseOptions {
  /** Seconds of /healthz probes with nobody else (the reference measured in the same run). */
  quietSeconds: number;
  /** Seconds of abuse. */
  seconds: number;
  slowConnections: number;
  abusers: number;
  probeIntervalMs: number;
  /** A probe not answered within this time counts as unanswered. */
  probeTimeoutMs: number;
  /** One bulk produce of 10 values this often. */
  produceIntervalMs: number;
  /** One prediction this often. */
  predictIntervalMs: number;
  /** Only these kinds of abusive request (indexes into abuseKinds()); all by default. */
  kinds?: number[];
}

export interface AbuseTarget {
  url: string;
  adminToken: string;
  /** A topic and its producer id for the good producer. */
  topic: string;
  producerId: string;
  /** A trained model (bench/seed-model.ts) and where its predictions go. */
  algokey: string;
  predictionsTopic: string;
  predictionsProducerId: string;
}

export interface LatencySummary {
  probes: number;
  unanswered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AbuseResult {
  quiet: LatencySummary;
  abused: LatencySummary;
  slow: { opened: number; closedWith408: number; closedOtherwise: number; heldAtEnd: number };
  /** Answers of the abusive clients by kind: status code (or `closed`) → count. */
  abuse: Record<string, Record<string, number>>;
  abuseRequests: number;
  /** 5xx answers to anybody (must stay 0). */
  serverErrors: number;
  produce: { requests: number; ok: number; acknowledged: number; stored: number; lost: number };
  predict: { requests: number; ok: number; p99Ms: number; last: number | undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function summarize(samples: ProbeSample[], timeoutMs: number): LatencySummary {
  const latencies = samples.map((s) => (s.status === 200 ? s.latencyMs : timeoutMs)).sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  return {
    probes: samples.length,
    unanswered: samples.filter((s) => s.status !== 200).length,
    p50Ms: Math.round(at(0.5) * 10) / 10,
    p99Ms: Math.round(at(0.99) * 10) / 10,
    maxMs: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
  };
}

async function probe(options: ProbeOptions, ms: number): Promise<ProbeSample[]> {
  const worker = new Worker(new URL('./abuse-probe.js', import.meta.url), { workerData: options });
  const samples = new Promise<ProbeSample[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await sleep(ms);
  worker.postMessage('stop');
  const result = await samples;
  await worker.terminate();
  return result;
}

/** One abusive request: what it sends. Bodies and URLs are built once and reused. */
interface AbuseKind {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export function abuseKinds(): AbuseKind[] {
  const badToken = `tml_${'0'.repeat(16)}_${'A'.repeat(43)}`;
  const numbers = (bytes: number) => '1,'.repeat(bytes / 2).slice(0, -1);
  return [
    {
      name: 'VIPER bulk URL of 3 MB, wrong token',
      method: 'GET',
      path: `/producetotopicbulk?vipertoken=${badToken}&topic=abuse-in&producerid=x&externalprediction=${numbers(3_000_000)}`,
      headers: {},
    },
    {
      name: 'VIPER URL of 100 KB, no token',
      method: 'GET',
      path: `/createtopics?topic=abuse&description=${'x'.repeat(100_000)}`,
      headers: {},
    },
    {
      name: '/v1 body of 4 MiB, wrong token',
      method: 'POST',
      path: '/v1/topics/abuse-in/records/bulk',
      headers: { authorization: `Bearer ${badToken}`, 'content-type': 'application/json' },
      body: Buffer.from(`{"producerId":"x","values":[${numbers(4 * 2 ** 20)}]}`),
    },
    {
      name: '/v1 wrong token',
      method: 'GET',
      path: '/v1/topics',
      headers: { authorization: `Bearer ${badToken}` },
    },
    {
      name: '/v1 query of 20 KB, no token',
      method: 'GET',
      path: `/v1/topics?x=${'y'.repeat(20_000)}`,
      headers: {},
    },
    {
      name: 'VIPER 500 parameters, wrong token',
      method: 'GET',
      path: `/consumefromtopic?vipertoken=${badToken}&${Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&')}`,
      headers: {},
    },
  ];
}

/**
 * Sends one request from `localAddress`; resolves with the status (`200 ERROR` for VIPER's refusals,
 * `200` would be a request the server carried out), or `closed` if the server cut the connection.
 */
function send(base: URL, kind: AbuseKind, localAddress: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: kind.method,
        path: kind.path,
        localAddress,
        agent: false,
        headers: { ...kind.headers, ...(kind.body ? { 'content-length': String(kind.body.length) } : {}) },
      },
      (response) => {
        let head = '';
        response.on('data', (chunk: Buffer) => {
          if (head.length < 16) head += chunk.toString('utf8', 0, 16);
        });
        response.on('end', () =>
          resolve(`${response.statusCode}${head.startsWith('{"ERROR"') ? ' ERROR' : ''}`),
        );
        response.on('error', () => resolve('closed'));
      },
    );
    req.on('error', () => resolve('closed'));
    req.end(kind.body);
  });
}

/** Slow clients: each holds a connection and drips a byte a second, and reconnects when closed. */
function slowClients(
  base: URL,
  count: number,
  isRunning: () => boolean,
): AbuseResult['slow'] & { done: () => void } {
  const stats = { opened: 0, closedWith408: 0, closedOtherwise: 0, heldAtEnd: 0 };
  const sockets = new Set<Socket>();
  const open = (i: number): void => {
    if (!isRunning()) return;
    const socket = connect({ host: base.hostname, port: Number(base.port), localAddress: '127.0.0.2' });
    stats.opened++;
    sockets.add(socket);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      socket.write(
        i % 2 === 0
          ? 'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: '
          : 'POST /createtopics HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n',
      ),
    );
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('x');
    }, 1000);
    socket.once('close', () => {
      clearInterval(drip);
      sockets.delete(socket);
      if (answer.startsWith('HTTP/1.1 408')) stats.closedWith408++;
      else stats.closedOtherwise++;
      // reopened after a pause, so a server that refuses at once is not hammered by this loop
      setTimeout(() => open(i), 250);
    });
  };
  for (let i = 0; i < count; i++) open(i);
  return Object.assign(stats, {
    done: () => {
      stats.heldAtEnd = sockets.size;
      for (const socket of sockets) socket.destroy();
    },
  });
}

export async function runAbuse(target: AbuseTarget, options: AbuseOptions): Promise<AbuseResult> {
  const base = new URL(target.url);
  const probeOptions = {
    url: target.url,
    intervalMs: options.probeIntervalMs,
    timeoutMs: options.probeTimeoutMs,
  };
  const quiet = await probe(probeOptions, options.quietSeconds * 1000);

  let running = true;
  const isRunning = () => running;
  let serverErrors = 0;
  const slow = slowClients(base, options.slowConnections, isRunning);
  const kinds = abuseKinds().filter((_, i) => options.kinds?.includes(i) ?? true);
  const abuse: Record<string, Record<string, number>> = {};
  let abuseRequests = 0;
  const abusers = Array.from({ length: options.abusers }, async (_, i) => {
    const kind = kinds[i % kinds.length];
    const counts = (abuse[kind.name] ??= {});
    const localAddress = `127.0.1.${i + 1}`;
    while (running) {
      const status = await send(base, kind, localAddress);
      counts[status] = (counts[status] ?? 0) + 1;
      abuseRequests++;
      if (status.startsWith('5')) serverErrors++;
    }
  });

  const bearer = { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' };
  const produce = { requests: 0, ok: 0, acknowledged: 0, stored: 0, lost: 0 };
  const acknowledged = new Set<string>();
  const producer = (async () => {
    for (let seq = 0; running; seq += 10) {
      const values = Array.from({ length: 10 }, (_, i) => `v${seq + i}`);
      produce.requests++;
      const response = await fetch(`${target.url}/v1/topics/${target.topic}/records/bulk`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({ producerId: target.producerId, values }),
      }).catch(() => undefined);
      await response?.arrayBuffer();
      if (response && response.status >= 500) serverErrors++;
      if (response?.status === 201) {
        produce.ok++;
        for (const v of values) acknowledged.add(v);
      }
      await sleep(options.produceIntervalMs);
    }
  })();
  const predict = { requests: 0, ok: 0, p99Ms: 0, last: undefined as number | undefined };
  const predictLatencies: number[] = [];
  const predictor = (async () => {
    while (running) {
      predict.requests++;
      const started = performance.now();
      const response = await fetch(`${target.url}/v1/predictions`, {
        method: 'POST',
        headers: bearer,
        body: JSON.stringify({
          algokey: target.algokey,
          produceTo: target.predictionsTopic,
          producerId: target.predictionsProducerId,
          inputs: [40, 30],
        }),
      }).catch(() => undefined);
      const body = (await response?.json().catch(() => undefined)) as
        { predictions?: { prediction: number }[] } | undefined;
      if (response && response.status >= 500) serverErrors++;
      if (response?.status === 201 && body?.predictions?.[0]) {
        predict.ok++;
        predict.last = body.predictions[0].prediction;
        predictLatencies.push(performance.now() - started);
      }
      await sleep(options.predictIntervalMs);
    }
  })();

  const abused = await probe(probeOptions, options.seconds * 1000);
  running = false;
  slow.done();
  await Promise.all([...abusers, producer, predictor]);
  predictLatencies.sort((a, b) => a - b);
  predict.p99Ms =
    Math.round((predictLatencies[Math.ceil(0.99 * predictLatencies.length) - 1] ?? 0) * 10) / 10;

  // every acknowledged value read back through a consumer of the topic
  const consumer = (await (
    await fetch(`${target.url}/v1/consumers`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ topic: target.topic }),
    })
  ).json()) as { consumerId: string };
  const stored = new Set<string>();
  for (let first = true; ; first = false) {
    const page = (await (
      await fetch(`${target.url}/v1/consumers/${consumer.consumerId}/poll`, {
        method: 'POST',
        headers: bearer,
        // a new consumer starts at the end of the topic: the first poll goes back to the start
        body: JSON.stringify({ maxRecords: 1000, ...(first ? { offset: 0 } : {}) }),
      })
    ).json()) as { records: { value: string | null }[] };
    if (page.records.length === 0) break;
    for (const r of page.records) if (r.value !== null) stored.add(r.value);
  }
  produce.acknowledged = acknowledged.size;
  produce.stored = stored.size;
  produce.lost = [...acknowledged].filter((v) => !stored.has(v)).length;

  const { done: _done, ...slowStats } = slow;
  return {
    quiet: summarize(quiet, options.probeTimeoutMs),
    abused: summarize(abused, options.probeTimeoutMs),
    slow: slowStats,
    abuse,
    abuseRequests,
    serverErrors,
    produce,
    predict,
  };
}
