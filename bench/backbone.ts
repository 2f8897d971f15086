// Backbone throughput: appends (100 B and 1 KB records in batches of 1, 100 and 1,000) and fetches,
// through the public Backbone interface. `benchBackbone(name, open)` measures any backbone and
// returns rows, so the Kafka benchmark can run the same function and print ratios. Run with
// `npm run bench:backbone`: a table on stdout and the same rows in bench/results/backbone.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EmbeddedBackbone } from '../src/backbone/embedded/embedded-backbone.js';
import type { Backbone, ProducerRecord } from '../src/backbone/types.js';
import { kafkaTarget, ratios, ratioTable } from './backbone-kafka.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

export interface BenchRow {
  backbone: string;
  operation: 'append' | 'fetch';
  recordBytes: number;
  /** Records per produce call (append) or the most per fetch call (fetch). */
  batch: number;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  megabytesPerSecond: number;
}

export interface BenchOptions {
  /** Records appended per (size, batch) case; batches of 1 use a tenth (default 200,000). */
  records?: number;
  recordSizes?: number[];
  batches?: number[];
  /** Records per fetch call (default 1,000). */
  fetchBatch?: number;
  /** Topic name prefix (unique names let the bench share a Kafka cluster). */
  topicPrefix?: string;
  log?: (line: string) => void;
}

/** Appends then fetches through `open()`'s backbone; one row per case. */
export async function benchBackbone(
  name: string,
  open: () => Promise<Backbone>,
  options: BenchOptions = {},
): Promise<BenchRow[]> {
  const total = options.records ?? 200_000;
  const sizes = options.recordSizes ?? [100, 1024];
  const batches = options.batches ?? [1, 100, 1000];
  const fetchBatch = options.fetchBatch ?? 1000;
  const prefix = options.topicPrefix ?? `bench-${process.pid}-${Date.now()}`;
  const log = options.log ?? (() => {});
  const rows: BenchRow[] = [];
  const backbone = await open();
  try {
    for (const size of sizes) {
      let fullestTopic = '';
      let fullestCount = 0;
      for (const batch of batches) {
        const topic = `${prefix}-${size}-${batch}`;
        await backbone.createTopic({ name: topic, partitions: 1 });
        const count = batch === 1 ? Math.max(1000, Math.floor(total / 10)) : total;
        const value = Buffer.alloc(size, 0x61);
        const records: ProducerRecord[] = Array.from({ length: batch }, () => ({ value, partition: 0 }));
        // Warm-up: a few calls outside the measurement.
        for (let i = 0; i < 3; i++) await backbone.produce(topic, records);
        const calls = Math.ceil(count / batch);
        const started = performance.now();
        for (let i = 0; i < calls; i++) await backbone.produce(topic, records);
        const seconds = (performance.now() - started) / 1000;
        rows.push(row(name, 'append', size, batch, calls * batch, seconds));
        log(format(rows[rows.length - 1]));
        if (calls * batch > fullestCount) {
          fullestCount = calls * batch + 3 * batch;
          fullestTopic = topic;
        }
      }
      // Fetch: read the largest topic of this size from the start, three times.
      let fetched = 0;
      const started = performance.now();
      for (let round = 0; round < 3; round++) {
        let offset = 0;
        for (;;) {
          const { records, highWatermark } = await backbone.fetch({
            topic: fullestTopic,
            partition: 0,
            offset,
            maxRecords: fetchBatch,
            maxBytes: fetchBatch * (size + 64),
          });
          fetched += records.length;
          if (records.length === 0) break;
          offset = records[records.length - 1].offset + 1;
          if (offset >= highWatermark) break;
        }
      }
      const seconds = (performance.now() - started) / 1000;
      rows.push(row(name, 'fetch', size, fetchBatch, fetched, seconds));
      log(format(rows[rows.length - 1]));
      for (const batch of batches) await backbone.deleteTopic(`${prefix}-${size}-${batch}`);
    }
  } finally {
    await backbone.close();
  }
  return rows;
}

function row(
  backbone: string,
  operation: 'append' | 'fetch',
  recordBytes: number,
  batch: number,
  records: number,
  seconds: number,
): BenchRow {
  return {
    backbone,
    operation,
    recordBytes,
    batch,
    records,
    seconds: round(seconds, 3),
    recordsPerSecond: Math.round(records / seconds),
    megabytesPerSecond: round((records * recordBytes) / seconds / 1e6, 1),
  };
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function format(r: BenchRow): string {
  return `${r.backbone} ${r.operation} ${r.recordBytes} B × ${r.batch}: ${r.recordsPerSecond.toLocaleString('en')} records/s, ${r.megabytesPerSecond} MB/s`;
}

/** A plain-text table of the rows (one column per backbone when several are given). */
export function table(rows: BenchRow[]): string {
  const header = ['backbone', 'operation', 'record', 'batch', 'records', 'records/s', 'MB/s'];
  const body = rows.map((r) => [
    r.backbone,
    r.operation,
    `${r.recordBytes} B`,
    String(r.batch),
    r.records.toLocaleString('en'),
    r.recordsPerSecond.toLocaleString('en'),
    r.megabytesPerSecond.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The figures the issue asks for: ≥ 200,000 appended 100 B records/s in batches of 1,000, ≥ 1,000,000 fetched/s. */
export function goals(rows: BenchRow[], backbone: string): string[] {
  const append = rows.find(
    (r) => r.backbone === backbone && r.operation === 'append' && r.recordBytes === 100 && r.batch === 1000,
  );
  const fetch = rows.find((r) => r.backbone === backbone && r.operation === 'fetch' && r.recordBytes === 100);
  const out: string[] = [];
  if (append)
    out.push(
      `append 100 B × 1000: ${append.recordsPerSecond.toLocaleString('en')}/s (goal 200,000) ${append.recordsPerSecond >= 200_000 ? 'met' : 'MISSED'}`,
    );
  if (fetch)
    out.push(
      `fetch 100 B: ${fetch.recordsPerSecond.toLocaleString('en')}/s (goal 1,000,000) ${fetch.recordsPerSecond >= 1_000_000 ? 'met' : 'MISSED'}`,
    );
  return out;
}

/** The directory holding package.json, from here (bench/ under tsx, dist/bench/ when compiled). */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-backbone-'));
  try {
    const rows = await benchBackbone(
      'embedded',
      () => EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 }),
      { log: (line) => console.error(line) },
    );
    // Kafka side by side, in the same run (bench/backbone-kafka.ts); TML_KAFKA=off leaves it out
    const kafka =
      process.env.TML_KAFKA === 'off' ? { unavailable: 'TML_KAFKA=off' } : kafkaTarget(repositoryRoot());
    let kafkaNote = 'kafka: not measured';
    if ('unavailable' in kafka) {
      console.error(`kafka: not measured (${kafka.unavailable})`);
      kafkaNote = `kafka: not measured (${kafka.unavailable})`;
    } else {
      try {
        rows.push(...(await benchBackbone('kafka', kafka.open, { log: (line) => console.error(line) })));
        kafkaNote = `kafka: ${kafka.brokers.join(',')}, one broker, acks=all, idempotent producer`;
      } finally {
        kafka.release();
      }
    }
    console.log(table(rows));
    for (const line of goals(rows, 'embedded')) console.log(line);
    if (rows.some((r) => r.backbone === 'kafka')) console.log('\n' + ratioTable(rows));
    const out = join(repositoryRoot(), 'bench', 'results', 'backbone.json');
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
          kafka: kafkaNote,
          rows,
          kafkaOverEmbedded: ratios(rows),
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`written ${out}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
