// Per-device models through the real maadstml client (test/python/devices.py): each device trained
// with one viperhpdetraining call (topicid) and checked against numpy's least squares on its own
// rows. 50 devices here; `npm run bench:devices` runs 1,000 (docs/benchmarks.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { ensureClient, hasPython, runScript } from './python-venv.js';

const pythonSkip = hasPython || process.env.CI === 'true' ? false : 'python3 is not installed';
/** Enough devices that a model read for the wrong device would show: ~15 s on a loaded 2-core machine (100 took 33 s, 1,000 take ~2–3 min). */
const DEVICES = 50;

test(
  `${DEVICES} devices, each its own model through maadstml's one-shot calls with topicid`,
  { skip: pythonSkip, timeout: 600_000 },
  async () => {
    ensureClient();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-devices-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const open = () => openBackbone({ dataDir, kafka: config.kafka, defaultReplicationFactor: 1 });
    const admin = generateToken('admin', 'devices');
    const backbone = await open();
    try {
      await (await openServerStore(backbone)).tokens.put(admin.record.id, admin.record);
    } finally {
      await backbone.close();
    }
    const tokenFile = join(dataDir, 'devices-admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript('devices.py', ['http://127.0.0.1', port, tokenFile, String(DEVICES)]);
      assert.equal(result.status, 0, `devices.py failed:\n${result.stderr}\n${result.stdout.slice(-2000)}`);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok?: boolean;
        checks?: number;
        devices?: number;
      };
      assert.equal(summary.ok, true);
      assert.equal(summary.devices, DEVICES);
      // per device: 30 produce answers' parses + the flow's checks; then the re-check and 5 errors
      assert.ok((summary.checks ?? 0) > DEVICES * 40, `checks: ${summary.checks}`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
