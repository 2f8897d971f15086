import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import { eventually } from '../helpers/wait.js';
import { ModelRegistry, ONE_SHOT_LINE, REGISTRY_HISTORY, registryKeys } from '../../src/streams/index.js';
import type { ModelJSON } from '../../src/automl/index.js';

const model = { algorithm: 'ridge' } as unknown as ModelJSON;
const version = (accuracy: number) => ({
  trigger: 'request' as const,
  algorithm: 'ridge',
  forecastAccuracy: accuracy,
  metrics: { rmse: 1 - accuracy },
  lineage: { trainingTopic: 't', partition: 0, offset: 7 },
  model,
});

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  test(`${env.name}: a registry whose store follows drops a cached champion when another process retrains or deploys`, async () => {
    const topic = uniqueName('registry');
    const trainer = new ModelRegistry(await MetadataStore.open(backbone, { topic }));
    const followed = await MetadataStore.open(backbone, { topic, follow: true });
    const predictor = new ModelRegistry(followed);
    try {
      await trainer.register({ entity: 'k_json', alias: 'k_json', deploy: true, ...version(0.5) });
      assert.equal((await predictor.resolve('k_json'))?.version, 1);
      assert.equal((await predictor.resolveDeployed('k_json'))?.version, 1);
      await trainer.register({ entity: 'k_json', alias: 'k_json', deploy: true, ...version(0.8) });
      // resolve serves its cache without reading the store: only a followed change can move it
      await eventually(async () => {
        assert.equal((await predictor.resolve('k_json'))?.version, 2);
        assert.equal((await predictor.resolveDeployed('k_json'))?.forecastAccuracy, 0.8);
      }, 2_000);
    } finally {
      await followed.close();
    }
  });

  test(`${env.name}: an alias resolves to the newest version of its line; versions are numbered 1, 2, ...`, async () => {
    const store = await MetadataStore.open(backbone, { topic: uniqueName('registry') });
    const registry = new ModelRegistry(store);
    const first = await registry.register({
      entity: 'c1_json',
      alias: 'c1_json',
      ...version(0.5),
      now: 1000,
    });
    const second = await registry.register({
      entity: 'c1_json',
      alias: 'c1_json',
      ...version(0.9),
      now: 2000,
    });
    assert.deepEqual([first.version, second.version], [1, 2]);
    assert.equal(first.solution, ONE_SHOT_LINE);
    assert.equal((await registry.resolve('c1_json'))?.forecastAccuracy, 0.9);
    assert.equal(await registry.resolve('nope'), undefined);

    // another process (a fresh registry over the same topic) sees the same champion and history
    const other = new ModelRegistry(await MetadataStore.open(backbone, { topic: store.topic }));
    assert.equal((await other.resolve('c1_json'))?.version, 2);
    const view = await other.read(ONE_SHOT_LINE, 'c1_json');
    assert.deepEqual(
      view.history.map((v) => v.version),
      [2, 1],
    );
    assert.equal(view.champion?.promotedAt, 2000);
    assert.deepEqual(
      (await other.aliases()).map((a) => a.alias),
      ['c1_json'],
    );
  });

  test(`${env.name}: registering keeps the last ${REGISTRY_HISTORY} versions`, async () => {
    const store = await MetadataStore.open(backbone, { topic: uniqueName('registry') });
    const registry = new ModelRegistry(store);
    // concurrent registrations of one line still get distinct numbers
    await Promise.all(
      Array.from({ length: REGISTRY_HISTORY + 2 }, () => registry.register({ entity: 'e', ...version(0.1) })),
    );
    const versions = (await store.list(`${registryKeys.entity(ONE_SHOT_LINE, 'e')}v/`)).length;
    assert.equal(versions, REGISTRY_HISTORY);
    const { state } = await registry.state(ONE_SHOT_LINE, 'e');
    assert.equal(state?.championVersion, REGISTRY_HISTORY + 2);
    assert.equal(state?.oldestVersion, 3);
  });
});
