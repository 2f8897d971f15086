// A solution created over /v1 on a running server (its worker running the catalog on the embedded
// backbone) trains a champion: the registry over /v1 and the SDK then shows it, with its history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { TmlClient } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { tml } from '../cli/tml.js';
import { sleep } from '../helpers/wait.js';

let server: RunningServer;
let backbone: Backbone;
let dataDir: string;
let client: TmlClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tml-solutions-live-'));
  const config = loadConfig({}, { dataDir });
  config.server.port = 0;
  server = await startServer(config, async () => (backbone = await openBackbone({ dataDir })), {
    logLevel: false,
  });
  const token = (await readFile(join(dataDir, 'admin.tok'), 'utf8')).trim();
  client = new TmlClient({ url: server.url, token });
});

after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('a solution created over /v1 gets a champion, shown by the registry', { timeout: 120_000 }, async () => {
  await backbone.createTopic({ name: 'live-x' });
  await backbone.createTopic({ name: 'live-y' });
  const rows = 200;
  const x = Array.from({ length: rows }, (_, i) => (i * 37) % 100);
  await backbone.produce(
    'live-x',
    x.map((v) => ({ value: String(v) })),
  );
  await backbone.produce(
    'live-y',
    x.map((v, i) => ({ value: String(2 * v + 1 + ((i % 5) - 2) * 0.01) })),
  );
  await client.createSolution({
    name: 'live',
    inputs: [{ topic: 'live-x' }, { topic: 'live-y' }],
    window: { records: 100 },
    dependentVariable: 'live-y',
    independentVariables: ['live-x'],
    retrain: { everySeconds: 1 },
    automl: { modelruns: 2, timeBudgetMs: 500 },
  });
  const deadline = Date.now() + 90_000;
  let registry = await client.solutionModels('live');
  while (registry.champion === undefined && Date.now() < deadline) {
    await sleep(250);
    registry = await client.solutionModels('live');
  }
  const view = await client.describeSolution('live');
  assert.ok(registry.champion, `no champion within 90 s; status: ${JSON.stringify(view.status)}`);
  assert.equal(registry.champion.solution, 'live');
  assert.equal(typeof registry.champion.algorithm, 'string');
  assert.ok(registry.champion.forecastAccuracy > 0.5, `accuracy ${registry.champion.forecastAccuracy}`);
  assert.ok(registry.champion.model !== undefined, 'the champion carries its model');
  assert.ok(
    Object.keys(registry.champion.lineage).length > 0,
    'the champion names the window it learnt from',
  );
  assert.ok(registry.history.length >= 1);
  assert.equal(registry.history[0].version, registry.champion.version);
  assert.equal('model' in registry.history[0], false, 'the history leaves the parameters out');
  assert.ok(view.status, 'the worker reported');
  assert.equal(view.status.champions['']?.version, registry.champion.version);

  // The CLI's tables of the same registry, through the SDK. Paused first, so that no retrain
  // promotes another version while they are compared (a retrain in flight has 500 ms to finish).
  assert.equal((await client.pauseSolution('live')).state, 'paused');
  await sleep(1500);
  registry = await client.solutionModels('live');
  assert.ok(registry.champion);
  const shown = await tml(null, [
    '--server',
    server.url,
    '--token-file',
    join(dataDir, 'admin.tok'),
    'models',
    'live',
  ]);
  assert.equal(shown.code, 0, shown.stderr);
  const champion = registry.champion;
  assert.match(
    shown.stdout,
    new RegExp(
      `^solution 'live': champion v${champion.version} ${champion.algorithm}, forecast accuracy \\d\\.\\d{4}`,
    ),
  );
  assert.match(shown.stdout, /^VERSION\s+RETRAIN\s+ALGORITHM\s+ACCURACY\s+TRIGGER\s+PROMOTED\s+REPLACED$/m);
  assert.match(shown.stdout, new RegExp(`^${champion.version}\\s+\\d+\\s+${champion.algorithm}\\s`, 'm'));
  const listed = await tml(null, [
    '--server',
    server.url,
    '--token-file',
    join(dataDir, 'admin.tok'),
    'solutions',
    'list',
  ]);
  assert.match(
    listed.stdout,
    new RegExp(
      `^live\\s+paused\\s+\\w+\\s+\\d+\\s+[\\d,]+\\s+${champion.algorithm} v\\d+ \\(0\\.\\d{3}\\)`,
      'm',
    ),
  );
});
