// The whole seed TML flow through the real maadstml client (test/python/seed_flow.py), against
// `tml serve` on the embedded backbone and on the Kafka cluster the test runner provides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig, type KafkaSettings } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { kafkaBrokers, kafkaSkip } from '../helpers/kafka.js';
import { ensureClient, hasPython, runScript } from './python-venv.js';

const pythonSkip = hasPython || process.env.CI === 'true' ? false : 'python3 is not installed';

async function seedFlow(kafka: KafkaSettings | undefined, replication: number): Promise<void> {
  ensureClient();
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-seed-'));
  const config = loadConfig({}, { dataDir });
  config.server.port = 0;
  if (kafka) config.kafka = kafka;
  const open = () => openBackbone({ dataDir, kafka: config.kafka, defaultReplicationFactor: 1 });
  // An admin token of this run: on a shared Kafka cluster another run may already hold the first one.
  const admin = generateToken('admin', 'seed flow');
  const backbone = await open();
  try {
    await (await openServerStore(backbone)).tokens.put(admin.record.id, admin.record);
  } finally {
    await backbone.close();
  }
  const tokenFile = join(dataDir, 'seed-admin.tok');
  await writeFile(tokenFile, admin.token, { mode: 0o600 });
  const server = await startServer(config, open, { logLevel: false });
  try {
    const port = new URL(server.url).port;
    const started = Date.now();
    const result = await runScript('seed_flow.py', ['http://127.0.0.1', port, tokenFile], {
      TML_SEED_REPLICATION: String(replication),
    });
    assert.equal(result.status, 0, `seed_flow.py failed:\n${result.stderr}\n${result.stdout.slice(-2000)}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      ok?: boolean;
      checks?: number;
    };
    assert.equal(summary.ok, true);
    // 1,500 produce answers + the flow's own checks
    assert.ok((summary.checks ?? 0) > 1700, `checks: ${summary.checks}`);
    process.stderr.write(
      `# seed flow on ${kafka ? 'kafka' : 'embedded'}: ${summary.checks} checks in ${Date.now() - started} ms\n`,
    );
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test(
  'the seed flow runs unchanged through maadstml on the embedded backbone',
  { skip: pythonSkip, timeout: 900_000 },
  () => seedFlow(undefined, 3),
);

test(
  'the seed flow runs unchanged through maadstml on Kafka',
  { skip: pythonSkip || kafkaSkip(), timeout: 900_000 },
  // The local test cluster has one broker: the seed's replication factor 3 cannot be met there.
  () => seedFlow({ brokers: kafkaBrokers() ?? [], clientId: 'tml-seed-flow', tls: false }, 1),
);
