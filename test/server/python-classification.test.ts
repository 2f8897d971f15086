// A VIPER classification build through the real maadstml client (test/python/classification_build.py):
// raw streams → training with islogistic=1 and a processlogic rule on continuous values → predictions
// of held-out rows whose Probability1 matches the rule, with scikit-learn's LogisticRegression fitted
// on the same rows as the reference.
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
import { ensureClientWithSklearn, hasPython, runScript, sklearnPython } from './python-venv.js';

test(
  'a processlogic classification through maadstml predicts the rule on held-out rows as well as scikit-learn',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClientWithSklearn();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-classify-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const open = () => openBackbone({ dataDir });
    const admin = generateToken('admin', 'classification');
    const backbone = await open();
    try {
      await (await openServerStore(backbone)).tokens.put(admin.record.id, admin.record);
    } finally {
      await backbone.close();
    }
    const tokenFile = join(dataDir, 'admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript(
        'classification_build.py',
        ['http://127.0.0.1', port, tokenFile],
        {},
        600_000,
        sklearnPython,
      );
      assert.equal(
        result.status,
        0,
        `classification_build.py:\n${result.stderr}\n${result.stdout.slice(-2000)}`,
      );
      const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        ok: boolean;
        checks: number;
        tml_accuracy: number;
        sklearn_logistic_accuracy: number;
        algorithm: string;
        positives_held_out: number;
        set_coverage: number;
      };
      assert.equal(summary.ok, true);
      // 200 held-out rows, about 20 % in class 1 (both bounds at 55 on uniform 0–100 values)
      assert.ok(summary.positives_held_out > 20 && summary.positives_held_out < 80, JSON.stringify(summary));
      assert.ok(summary.tml_accuracy >= 0.9, JSON.stringify(summary));
      assert.ok(summary.tml_accuracy >= summary.sklearn_logistic_accuracy - 0.03, JSON.stringify(summary));
      // the share of held-out rows whose rule class is in its PredictionSet, counted by the client
      assert.ok(summary.set_coverage >= 0.85, JSON.stringify(summary));
      process.stderr.write(
        `# classification build: tml ${summary.algorithm} accuracy ${summary.tml_accuracy}, ` +
          `scikit-learn LogisticRegression ${summary.sklearn_logistic_accuracy} on the same 200 held-out rows ` +
          `(${summary.checks} checks); prediction sets at 0.9 cover ${summary.set_coverage}\n`,
      );
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
