// `tml demo` (what `npm start` runs), as a user runs it: the compiled CLI in a child process on a
// fresh data directory. What it prints is checked, and so is what it left in the data directory:
// the solution's registry (versions, drift events) and its output topics, read back afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { readTopic } from '../helpers/backbones.js';

const run = promisify(execFile);
const bin = new URL('../../../bin/tml.js', import.meta.url).pathname;

// The demo runs on the embedded backbone of its data directory: no Kafka, no namespace, no port
// from the test runner's environment.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TML_')));

const dataDir = await mkdtemp(join(tmpdir(), 'tml-demo-'));
after(() => rm(dataDir, { recursive: true, force: true }));

const json = (r: ConsumedRecord): Record<string, unknown> =>
  JSON.parse(r.value!.toString()) as Record<string, unknown>;

test('tml demo retrains, predicts, detects the drift and promotes a new champion; all of it is stored', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      bin,
      ...['demo', '--data-dir', dataDir, '--duration', '20', '--drift-after', '8', '--rate', '50'],
      ...['--window', '200', '--retrain-rows', '100', '--port', '0'],
    ],
    { timeout: 60_000, env },
  );
  assert.match(
    stdout,
    /tml server on http:\/\/127\.0\.0\.1:\d+ \(VIPER API and \/v1\); admin token in .*admin\.tok/,
  );
  assert.match(stdout, /retrain 1 \(start\): champion v1 \w+ accuracy/);
  // the streams' relation changes at row 200 (history) + 8 s × 50 rows/s
  const changed = /relation between the streams changed at row (\d+)/.exec(stdout);
  assert.ok(changed, stdout);
  const driftRow = Number(changed[1]);
  assert.equal(driftRow, 600);
  const detected = [...stdout.matchAll(/drift detected at offset (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(
    detected.some((offset) => offset >= driftRow),
    `a drift detected after row ${driftRow}: ${detected.join(', ')}\n${stdout}`,
  );
  const summary =
    /(\d+) retrains, (\d+) champions, (\d+) predictions \(MAE [\d.]+\), (\d+) drift events/.exec(stdout);
  assert.ok(summary, stdout);
  const [retrains, champions, predicted] = [Number(summary[1]), Number(summary[2]), Number(summary[3])];
  assert.ok(retrains >= 5, `retrains ${retrains}`);
  assert.ok(champions >= 2, `champions ${champions}`);
  assert.ok(predicted >= 200, `predictions ${predicted}`);

  // What the demo left in its data directory.
  const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
  try {
    const catalog = await openSolutionCatalog(backbone);
    const view = await catalog.describe('demo');
    assert.equal(view.status?.condition, 'ok');
    // every demo topic keeps an hour of records
    for (const topic of ['demo-load', 'demo-predictions', 'demo-anomalies', 'demo-params']) {
      const config = (await backbone.describeTopic(topic)).config;
      assert.equal(Number(config['retention.ms']), 3_600_000, topic);
    }
    assert.ok((view.status?.retrains ?? 0) >= 5);
    const registry = await catalog.models('demo');
    const drift = registry.drift.find((event) => event.offset >= driftRow);
    assert.ok(
      drift,
      `a drift event after row ${driftRow} in the registry: ${JSON.stringify(registry.drift)}`,
    );
    // a later champion replaced the one that was in force when the drift was detected
    const successor = registry.history.find(
      (version) => version.version > drift.championVersion && version.promotedAt >= drift.at,
    );
    assert.ok(successor, `a champion after v${drift.championVersion}`);
    assert.equal(successor.replaced?.version, successor.version - 1);
    assert.equal(registry.champion?.version, registry.history[0].version);
    assert.equal(registry.champion?.version, champions);
    for (const version of registry.history) {
      const lineage = version.lineage as { offsets: Record<string, [number, number]>; rows: number };
      assert.equal(lineage.rows, 200);
      assert.deepEqual(Object.keys(lineage.offsets).sort(), [
        'demo-humidity/0',
        'demo-load/0',
        'demo-temperature/0',
      ]);
    }

    // every prediction the view counted was published, once, each by a registered champion
    const predictions = (await readTopic(backbone, 'demo-predictions')).map(json);
    assert.equal(predictions.length, predicted);
    const rows = predictions.map((p) => (p.offsets as Record<string, number>)['demo-load/0']);
    assert.equal(new Set(rows).size, rows.length, 'no row predicted twice');
    const versions = new Set(registry.history.map((v) => v.version));
    for (const p of predictions.slice(-50)) {
      assert.equal(typeof p.prediction, 'number');
      assert.ok(versions.has(p.modelVersion as number), `prediction by v${String(p.modelVersion)}`);
    }
    const params = (await readTopic(backbone, 'demo-params')).map(json);
    assert.deepEqual(
      params.map((p) => p.version),
      Array.from({ length: champions }, (_, i) => i + 1),
    );
    assert.ok((await readTopic(backbone, 'demo-drift')).length >= 1);
    assert.equal((await readTopic(backbone, 'demo-optimal')).length, champions);
  } finally {
    await backbone.close();
  }
});

test('tml demo takes a free port when the default one is in use, and stops cleanly on Ctrl-C', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as { port: number }).port;
  const dir = await mkdtemp(join(tmpdir(), 'tml-demo-port-'));
  try {
    const child = spawn(process.execPath, [bin, '--data-dir', dir, 'demo', '--no-view'], {
      env: { ...env, TML_PORT: String(taken) },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ctrl-C stops.')) resolve();
      }),
    );
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await Promise.race([started, exited]);
      const url = /tml server on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      assert.ok(url && Number(url[1]) !== taken, stdout + stderr);
      assert.match(stderr, new RegExp(`port ${taken} is in use; the server takes a free port instead`));
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      clearTimeout(timeout);
    }
    assert.match(stderr, /SIGINT: stopping the worker and the server/);
    assert.match(stdout, /tml demo: \d[\d,]* rows per stream in \d+ s, \d+ retrains/);
  } finally {
    blocker.close();
    await rm(dir, { recursive: true, force: true });
  }
});
