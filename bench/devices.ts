// `npm run bench:devices`: per-device models through the VIPER face, as a VIPER user makes them —
// the real maadstml client (test/python/devices.py) producing each device's rows keyed by its
// topicid, joining, making its training set, training once and predicting, for N devices (1,000
// by default) against `tml serve` on the embedded backbone in its own process. Reports the time per
// device (and per step) and the server's memory: resident set idle (the reference, same run), after
// the devices, and its peak — and, with the server stopped, what the registry holds: the model
// bodies every process would keep in memory if the metadata store held them all (it keeps values of
// METADATA_INLINE_BYTES or more as offsets). Writes bench/results/devices.json.
//
//   node dist/bench/devices.js [--devices 1000]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { startServeProcess } from './serve-process.js';
import { openBackbone } from '../src/backbone/open.js';
import { MetadataStore } from '../src/backbone/metadata-store.js';
import { ensureClient, python } from '../test/server/python-venv.js';

const at = process.argv.indexOf('--devices');
const devices = at === -1 ? 1000 : Number(process.argv[at + 1]);
if (!Number.isInteger(devices) || devices < 1) throw new Error('--devices must be a positive integer');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

ensureClient();
const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-devices-'));
const { child, url } = await startServeProcess(dataDir);
let stopped = false;
async function stop(): Promise<void> {
  if (stopped) return;
  stopped = true;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** The registry's large values (model bodies) after the run, read from the stopped server's data. */
async function registryBodies(): Promise<{ largeValues: number; bodyMiB: number; inMemoryMiB: number }> {
  const backbone = await openBackbone({ dataDir });
  try {
    const store = await MetadataStore.open(backbone);
    const { largeValues, cachedBodyBytes } = store.memory();
    let bytes = 0;
    for (const key of await store.keys('m/')) {
      const value = await store.get(key);
      const length = JSON.stringify(value).length;
      if (length >= 2048) bytes += length;
    }
    return {
      largeValues,
      bodyMiB: Math.round((bytes / 2 ** 20) * 10) / 10,
      inMemoryMiB: Math.round((cachedBodyBytes / 2 ** 20) * 10) / 10,
    };
  } finally {
    await backbone.close();
  }
}

try {
  const pid = child.pid ?? 0;
  await new Promise((r) => setTimeout(r, 2000));
  const idle = memoryMiB(pid);
  let highest = idle.rss;
  const sampler = setInterval(() => (highest = Math.max(highest, memoryMiB(pid).rss)), 1000);
  const started = performance.now();
  const { hostname, port } = new URL(url);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      python,
      [
        join(root, 'test/python/devices.py'),
        `http://${hostname}`,
        port,
        join(dataDir, 'admin.tok'),
        String(devices),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`devices.py failed: ${stderr}`)) : resolve(stdout),
    ),
  );
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const after = memoryMiB(pid);
  const summary = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    checks: number;
    seconds: Record<string, number>;
  };
  await stop();
  const registry = await registryBodies();
  const perDevice = (s: number) => Math.round((s / devices) * 1000 * 10) / 10;
  const result = {
    devices,
    checks: summary.checks,
    totalSeconds: Math.round(seconds * 10) / 10,
    msPerDevice: perDevice(seconds),
    msPerDeviceByStep: Object.fromEntries(Object.entries(summary.seconds).map(([k, s]) => [k, perDevice(s)])),
    serverMiB: {
      idle: Math.round(idle.rss),
      afterDevices: Math.round(after.rss),
      sampledHighest: Math.round(highest),
      peak: Math.round(after.peak),
    },
    ratioAfterToIdle: Math.round((after.rss / idle.rss) * 100) / 100,
    registry,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  };
  console.log(
    'devices  ms/device  produce  join  trainingdata  training  predict  recheck  RSS idle  RSS after  peak',
  );
  const s = result.msPerDeviceByStep;
  console.log(
    [
      devices,
      result.msPerDevice,
      s.produce,
      s.join,
      s.trainingdata,
      s.training,
      s.predict,
      s.recheck,
      `${result.serverMiB.idle} MiB`,
      `${result.serverMiB.afterDevices} MiB`,
      `${result.serverMiB.peak} MiB`,
    ].join('  '),
  );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'devices.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `registry: ${registry.largeValues} large values (model bodies), ${registry.bodyMiB} MiB of them; held in memory after reading them all once: ${registry.inMemoryMiB} MiB (LRU)`,
  );
} finally {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
}
