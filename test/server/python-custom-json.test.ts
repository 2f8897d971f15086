// The custom-JSON build through the real maadstml client (test/python/viper_custom_json.py): 20
// devices' nested JSON → viperpreprocesscustomjson → viperstreamquery alerts → a model trained on the
// preprocessed streams → predictions, every number against numpy; bad input answers an ERROR and
// writes nothing into any output topic. On the embedded backbone and on the Kafka cluster the test
// runner provides.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { loadConfig, type KafkaSettings } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { kafkaBrokers, kafkaSkip } from '../helpers/kafka.js';
import { eventually } from '../helpers/wait.js';
import { ensureClient, hasPython, runScript } from './python-venv.js';

async function recordsIn(backbone: Backbone, topic: string): Promise<number> {
  const offsets = await backbone.listOffsets(topic);
  return offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
}

const pythonSkip = hasPython || process.env.CI === 'true' ? false : 'python3 is not installed';

async function customJsonBuild(t: TestContext, kafka: KafkaSettings | undefined): Promise<void> {
  ensureClient();
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-custom-json-'));
  const config = loadConfig({}, { dataDir });
  if (kafka) config.kafka = kafka;
  config.server.port = 0;
  let opened: Backbone | undefined; // the server's backbone, to count what the calls wrote
  const open = async () =>
    (opened = await openBackbone({ dataDir, kafka: config.kafka, defaultReplicationFactor: 1 }));
  const admin = generateToken('admin', 'custom-json');
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
    const result = await runScript('viper_custom_json.py', ['http://127.0.0.1', port, tokenFile]);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      checks?: number;
      failures?: string[];
      written?: number;
      preprocesstopic?: string;
      arraytopic?: string;
      alerts?: string;
      alerted?: number;
      devices?: number;
      batchalerts?: string;
      batchexpected?: Record<string, number>;
    };
    assert.deepEqual(summary.failures, [], `${result.stderr}\n${result.stdout.slice(-4000)}`);
    assert.equal(result.status, 0, result.stderr);
    assert.ok((summary.checks ?? 0) >= 500, `checks: ${summary.checks}`);
    t.diagnostic(`${summary.checks} checks, ${summary.written} items written`);
    assert.ok(opened);
    // the failing calls wrote nothing: each topic holds exactly the successful calls' records
    assert.equal(await recordsIn(opened, summary.preprocesstopic ?? ''), summary.written);
    assert.equal(await recordsIn(opened, summary.arraytopic ?? ''), summary.devices);
    // a query result per device, and an alert record for each query that held
    assert.equal(
      await recordsIn(opened, summary.alerts ?? ''),
      (summary.devices ?? 0) + (summary.alerted ?? 0),
    );
    // streamquerybatch's solution queries each device every second: its results as computed by numpy
    const backbone = opened;
    await eventually(async () => {
      const { records } = await backbone.fetch({
        topic: summary.batchalerts ?? '',
        partition: 0,
        offset: 0,
        maxRecords: 1000,
      });
      // the query results, without the alert records written after those that hold
      const parsed = records.map(
        (r) => JSON.parse(r.value!.toString()) as { device?: string; result?: number; kind?: string },
      );
      const results = new Map(parsed.filter((v) => v.kind === undefined).map((v) => [v.device, v.result]));
      const alerted = parsed.filter((v) => v.kind === 'streamQuery').length;
      const holding = parsed.filter((v) => v.kind === undefined && v.result === 1).length;
      assert.equal(alerted, holding, 'an alert record for each result that holds');
      const status = await backbone.fetch({
        topic: '__tml_solution_status',
        partition: 0,
        offset: 0,
        maxRecords: 1000,
      });
      const said = status.records.map((r) => r.value?.toString()).filter((v) => v?.includes('streamquery'));
      assert.deepEqual(Object.fromEntries(results), summary.batchexpected, `status: ${said.at(-1)}`);
    }, 20_000);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test(
  'maadstml preprocesses 20 devices of nested JSON, alerts, trains and predicts as numpy computes it',
  { skip: pythonSkip, timeout: 900_000 },
  (t) => customJsonBuild(t, undefined),
);

test(
  'the same custom-JSON build to predictions on Kafka',
  { skip: pythonSkip || kafkaSkip(), timeout: 900_000 },
  (t) => customJsonBuild(t, { brokers: kafkaBrokers() ?? [], clientId: 'tml-custom-json', tls: false }),
);
