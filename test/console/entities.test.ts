// The entity picker in a real browser: a solution with one micro-model per entity (records keyed by
// device) on an in-process `tml serve`; picking an entity shows only that entity's predictions and
// its own model versions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { TmlClient } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { sleep } from '../helpers/wait.js';
import { makeRows, produceKeyed } from '../solutions/stream-fixture.js';
import { browserMissing, launchChromium } from './browser.js';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const skip = browserMissing();
let server: RunningServer;
let backbone: Backbone;
let dataDir: string;
let token: string;
let browser: Browser;

before(async () => {
  if (skip) return;
  dataDir = await mkdtemp(join(tmpdir(), 'tml-console-entities-'));
  const config = loadConfig({}, { dataDir });
  config.server.port = 0;
  server = await startServer(config, async () => (backbone = await openBackbone({ dataDir })), {
    logLevel: false,
  });
  token = (await readFile(join(dataDir, 'admin.tok'), 'utf8')).trim();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Predictions per entity in the solution's predictions topic, read from the backbone itself. */
async function predictionsOf(entity: string): Promise<number> {
  const result = await backbone.fetch({
    topic: 'fleet-predictions',
    partition: 0,
    offset: 0,
    maxRecords: 10_000,
  });
  return result.records.filter((r) => (JSON.parse(String(r.value)) as { entity: string }).entity === entity)
    .length;
}

test(
  'the entity picker shows one entity’s predictions and model versions',
  { skip, timeout: 120_000 },
  async () => {
    const client = new TmlClient({ url: server.url, token });
    await backbone.createTopic({ name: 'fleet', partitions: 1 });
    await client.createSolution({
      name: 'fleet',
      inputs: [{ topic: 'fleet', variables: ['a', 'b', 'y'] }],
      entityKey: true,
      window: { records: 40 },
      dependentVariable: 'y',
      independentVariables: ['a', 'b'],
      retrain: { everyRecords: 30 },
      automl: { modelruns: 2, algorithms: ['ols'], timeBudgetMs: 1000 },
    });
    await produceKeyed(backbone, 'fleet', 'pump-1', makeRows(50, 3, [2, -3]));
    await produceKeyed(backbone, 'fleet', 'pump-2', makeRows(50, 4, [-1, 5]));
    for (let i = 0; i < 600 && (await client.solutionEntities('fleet')).length < 2; i++) await sleep(100);
    assert.deepEqual(await client.solutionEntities('fleet'), ['pump-1', 'pump-2']);
    // rows after the champions: predicted, 20 for one device and 7 for the other
    await produceKeyed(backbone, 'fleet', 'pump-1', makeRows(20, 5, [2, -3]));
    await produceKeyed(backbone, 'fleet', 'pump-2', makeRows(7, 6, [-1, 5]));
    // until the worker has caught up: the counts stay the same for a second
    let counts = '';
    for (let i = 0, same = 0; i < 600 && same < 10; i++) {
      await sleep(100);
      const now = `${await predictionsOf('pump-1')},${await predictionsOf('pump-2')}`;
      same = now === counts ? same + 1 : 0;
      counts = now;
    }
    const [one, expected] = counts.split(',').map(Number);
    assert.ok(expected >= 7 && one !== expected, counts);

    const context = await browser.newContext();
    await context.request.post(`${server.url}/v1/session`, { data: { token } });
    const page = await context.newPage();
    await page.goto(`${server.url}/#/solutions/fleet`);
    const picker = page.getByLabel('Entity');
    await picker.waitFor();
    assert.deepEqual(await picker.locator('option').allTextContents(), ['all (2)', 'pump-1', 'pump-2']);
    await picker.selectOption('pump-2');
    await page.getByRole('heading', { name: 'Model versions of pump-2' }).waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=points]')?.textContent) === n,
      expected,
    );
    const registry = await client.solutionModels('fleet', { entity: 'pump-2' });
    const versions = page.getByRole('table', { name: /Model versions/ }).locator('tbody tr td:first-child');
    await versions.first().waitFor();
    assert.deepEqual(
      (await versions.allTextContents()).map(Number),
      registry.history.map((v) => v.version),
    );
    await context.close();
  },
);
