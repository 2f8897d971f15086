// The real maadstml Python client against `tml serve`: the topic, produce and consume steps of the
// seed flow (test/python/viper_smoke.py). The client is installed once into .cache/venv-viper from
// PyPI (pinned); later runs reuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/serve.js';
import { ensureClient, hasPython, python, root } from './python-venv.js';

// The venv and its lock are shared with python-seed-flow.test.ts (test files may run in parallel).

test(
  'the maadstml client runs the seed topic, produce and consume steps',
  // under CI a missing Python fails the test (it never skips silently there)
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClient();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-python-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const server = await startServer(config, () => openBackbone({ dataDir }), { logLevel: false });
    try {
      assert.ok(server.adminTokenPath);
      const adminToken = readFileSync(server.adminTokenPath, 'utf8');
      const created = await server.app.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { authorization: `Bearer ${adminToken}` },
        payload: { role: 'user', label: 'python' },
      });
      const userFile = join(dataDir, 'user.tok');
      await writeFile(userFile, (created.json() as { token: string }).token + '\n', { mode: 0o600 });
      const port = new URL(server.url).port;
      // Asynchronously: the server answers from this process's event loop.
      const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          python,
          [
            join(root, 'test/python/viper_smoke.py'),
            'http://127.0.0.1',
            port,
            server.adminTokenPath ?? '',
            userFile,
          ],
          { encoding: 'utf8', timeout: 300_000 },
          (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(result.status, 0, `viper_smoke.py failed:\n${result.stderr}\n${result.stdout}`);
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok?: boolean;
        checks?: number;
      };
      assert.equal(summary.ok, true);
      assert.ok((summary.checks ?? 0) > 200, `checks: ${summary.checks}`);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
