// Stream correlations and clusters through the real maadstml client
// (test/python/viper_stream_analytics.py): correlations and p-values against scipy.stats, lags against
// numpy.correlate, k-means against scikit-learn's KMeans from the same initial centres, cluster-size
// alerts, search anomalies against a hand-computed word overlap, and bad input that answers an ERROR and writes nothing into the output topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { loadConfig } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { ensureClientWithSklearn, hasPython, runScript, sklearnPython } from './python-venv.js';

test(
  'maadstml correlates streams as scipy does and clusters them as scikit-learn does',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async (t) => {
    ensureClientWithSklearn();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-analytics-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    let opened: Backbone | undefined; // the server's backbone, to count what the calls wrote
    const open = async () => (opened = await openBackbone({ dataDir }));
    const admin = generateToken('admin', 'analytics');
    const setup = await open();
    try {
      await (await openServerStore(setup)).tokens.put(admin.record.id, admin.record);
    } finally {
      await setup.close();
    }
    const tokenFile = join(dataDir, 'admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript(
        'viper_stream_analytics.py',
        ['http://127.0.0.1', port, tokenFile],
        {},
        600_000,
        sklearnPython,
      );
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      assert.ok(last.startsWith('{'), `the script ended without its summary:\n${result.stderr.slice(-4000)}`);
      const summary = JSON.parse(last) as {
        checks?: number;
        failures?: string[];
        written?: Record<string, number>;
      };
      assert.deepEqual(summary.failures, [], `${result.stderr}\n${result.stdout.slice(-4000)}`);
      assert.equal(result.status, 0, result.stderr);
      assert.ok((summary.checks ?? 0) >= 180, `checks: ${summary.checks}`);
      t.diagnostic(`${summary.checks} checks, written ${JSON.stringify(summary.written)}`);
      // the failing calls wrote nothing: each output topic holds exactly the successful calls' records
      assert.ok(opened);
      const outputs = Object.entries(summary.written ?? {});
      assert.equal(outputs.length, 5);
      for (const [topic, count] of outputs) {
        const offsets = await opened.listOffsets(topic);
        assert.equal(
          offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0),
          count,
          topic,
        );
      }
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
