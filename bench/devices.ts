// `npm run bench:devices`: per-device models through the VIPER face, as a VIPER user makes them —
// the real maadstml client (test/python/devices.py) producing each device's rows keyed by its
// topicid, joining, making its training set, training once and predicting, for N devices (1,000
// by default, in 4 rounds) against tml's server on the embedded backbone. Reports the time per
// device (and per step) and the server's memory after each round: the resident set, and the live
// JS heap after a forced full GC (what the process keeps, as against heap it has not returned yet);
// the idle server is the reference of the same run. Then, from the stopped server's data, the
// registry's model bodies, against what the metadata store holds of them in memory.
// Writes bench/results/devices.json. Needs --expose-gc (the npm script passes it).
//
//   node --expose-gc dist/bench/devices.js [--devices 1000]
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBackbone } from '../src/backbone/open.js';
import { MetadataStore, METADATA_INLINE_BYTES } from '../src/backbone/metadata-store.js';
import { loadConfig } from '../src/config/config.js';
import { generateToken } from '../src/server/auth/tokens.js';
import { startServer } from '../src/server/serve.js';
import { openServerStore } from '../src/server/store/metadata-collection.js';
import { ensureClient, python } from '../test/server/python-venv.js';
import { exitOnHelp } from './help.js';

exitOnHelp(import.meta.url);

const at = process.argv.indexOf('--devices');
const devices = at === -1 ? 1000 : Number(process.argv[at + 1]);
if (!Number.isInteger(devices) || devices < 4) throw new Error('--devices must be an integer >= 4');
const ROUNDS = 4;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:devices does)');

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
function memory(): { rssMiB: number; liveHeapMiB: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), liveHeapMiB: mib(m.heapUsed + m.external) };
}

ensureClient();
const dataDir = mkdtempSync(join(tmpdir(), 'tml-bench-devices-'));
const config = loadConfig({}, { dataDir });
config.server.port = 0;
const open = () => openBackbone({ dataDir, kafka: config.kafka, defaultReplicationFactor: 1 });
try {
  const admin = generateToken('admin', 'bench devices');
  const setup = await open();
  try {
    await (await openServerStore(setup)).tokens.put(admin.record.id, admin.record);
  } finally {
    await setup.close();
  }
  const tokenFile = join(dataDir, 'bench-admin.tok');
  await writeFile(tokenFile, admin.token, { mode: 0o600 });
  const server = await startServer(config, open, { logLevel: false });
  const port = new URL(server.url).port;
  const idle = memory();
  const rounds: Array<{ devices: number; seconds: number; rssMiB: number; liveHeapMiB: number }> = [];
  const steps: Record<string, number> = {};
  let total = 0;
  try {
    const per = Math.ceil(devices / ROUNDS);
    for (let offset = 0; offset < devices; offset += per) {
      const count = Math.min(per, devices - offset);
      const started = performance.now();
      const output = await new Promise<string>((resolve, reject) =>
        execFile(
          python,
          [join(root, 'test/python/devices.py'), 'http://127.0.0.1', port, tokenFile, String(count)],
          {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
            env: { ...process.env, DEVICE_OFFSET: String(offset) },
          },
          (error, stdout, stderr) =>
            error ? reject(new Error(`devices.py failed: ${stderr}`)) : resolve(stdout),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      total += seconds;
      const summary = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
        seconds: Record<string, number>;
      };
      for (const [step, s] of Object.entries(summary.seconds)) steps[step] = (steps[step] ?? 0) + s;
      rounds.push({ devices: offset + count, seconds: Math.round(seconds * 10) / 10, ...memory() });
    }
  } finally {
    await server.close();
  }
  const registry = await registryBodies();
  const perDevice = (s: number) => Math.round((s / devices) * 1000 * 10) / 10;
  const result = {
    devices,
    totalSeconds: Math.round(total * 10) / 10,
    msPerDevice: perDevice(total),
    msPerDeviceByStep: Object.fromEntries(Object.entries(steps).map(([k, s]) => [k, perDevice(s)])),
    idle,
    rounds,
    registry,
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
  };
  console.log(`${devices} devices: ${result.msPerDevice} ms per device`, result.msPerDeviceByStep);
  console.log('devices  s  RSS MiB  live heap MiB (after GC)');
  console.log(`idle     -  ${idle.rssMiB}  ${idle.liveHeapMiB}`);
  for (const r of rounds) console.log(`${r.devices}  ${r.seconds}  ${r.rssMiB}  ${r.liveHeapMiB}`);
  console.log(
    `registry: ${registry.largeValues} values of ${METADATA_INLINE_BYTES} bytes or more (model versions), ${registry.bodyMiB} MiB; held in memory after reading each once: ${registry.inMemoryMiB} MiB`,
  );
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'devices.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

/** The registry's large values (model bodies), read back from the stopped server's data. */
async function registryBodies(): Promise<{ largeValues: number; bodyMiB: number; inMemoryMiB: number }> {
  const backbone = await open();
  try {
    const store = await MetadataStore.open(backbone);
    let bytes = 0;
    for (const key of await store.keys('m/')) {
      const length = JSON.stringify(await store.get(key)).length;
      if (length >= METADATA_INLINE_BYTES) bytes += length;
    }
    const { largeValues, cachedBodyBytes } = store.memory();
    return { largeValues, bodyMiB: mib(bytes), inMemoryMiB: mib(cachedBodyBytes) };
  } finally {
    await backbone.close();
  }
}
