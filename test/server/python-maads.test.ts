// The seed notebook's own code (test/python/seed_maads.py) through the older `maads` client it was
// written for, against `tml serve` on the embedded backbone. (The maadstml seed flow also runs on
// Kafka: python-seed-flow.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/serve.js';
import { ensureMaads, hasPython, maadsPython, runScript } from './python-venv.js';

const skip = hasPython || process.env.CI === 'true' ? false : 'python3 is not installed';

test(
  'the seed notebook runs through the maads client it was written for',
  { skip, timeout: 1_200_000 },
  async () => {
    ensureMaads();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-maads-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const server = await startServer(config, () => openBackbone({ dataDir }), { logLevel: false });
    try {
      assert.ok(server.adminTokenPath, 'a fresh data directory gets admin.tok');
      const port = new URL(server.url).port;
      const result = await runScript(
        'seed_maads.py',
        ['http://127.0.0.1', port, server.adminTokenPath],
        {},
        600_000,
        maadsPython,
      );
      assert.equal(
        result.status,
        0,
        `seed_maads.py failed:\n${result.stderr}\n${result.stdout.slice(-2000)}`,
      );
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok?: boolean;
        checks?: number;
      };
      assert.equal(summary.ok, true);
      // 1,500 produce answers + the flow's own checks
      assert.ok((summary.checks ?? 0) > 1500, `checks: ${summary.checks}`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
