// The registry with many devices: per-device models under one alias (the VIPER one-shot calls with
// topicid), and a metadata store that keeps large values (model bodies) as offsets, reading them
// back when asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { LruCache } from '../../src/backbone/lru.js';
import { MetadataStore, METADATA_INLINE_BYTES } from '../../src/backbone/metadata-store.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import { deviceLine, ModelRegistry } from '../../src/streams/index.js';
import type { ModelJSON } from '../../src/automl/index.js';

/** A model body well over the inline limit, different per device. */
const body = (device: number) =>
  ({
    algorithm: 'ridge',
    weights: Array.from({ length: 1000 }, (_, i) => device * 1000 + i),
  }) as unknown as ModelJSON;
const version = (device: number) => ({
  trigger: 'request' as const,
  algorithm: 'ridge',
  forecastAccuracy: 0.9,
  metrics: { rmse: device },
  lineage: { trainingTopic: 't', partition: 0, offset: device },
  model: body(device),
});

test('the LRU drops the least recently used entries past its weight', () => {
  const lru = new LruCache<string, string>(10, (v) => v.length);
  lru.set('a', 'aaaa');
  lru.set('b', 'bbbb');
  assert.equal(lru.get('a'), 'aaaa'); // a is now the most recent
  lru.set('c', 'cccc');
  assert.equal(lru.get('b'), undefined);
  assert.deepEqual([lru.get('a'), lru.get('c'), lru.weight], ['aaaa', 'cccc', 8]);
  lru.set('huge', 'x'.repeat(11));
  assert.equal(lru.get('huge'), undefined, 'a value heavier than the cache is not kept');
});

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  test(`${env.name}: each device has its own model line under one alias; large bodies stay on the topic`, async () => {
    const topic = uniqueName('registry');
    const registry = new ModelRegistry(await MetadataStore.open(backbone, { topic }));
    const devices = 60;
    for (let d = 0; d < devices; d++) {
      await registry.register({ entity: 'ignored', alias: 'c_json', device: String(d), ...version(d) });
    }
    await registry.register({ entity: 'ignored', alias: 'c_json', device: '7', ...version(1007) });
    assert.equal((await registry.entities(deviceLine('c_json'))).length, devices);
    // a process that opens the store afresh holds no body in memory until one is asked for
    const store = await MetadataStore.open(backbone, { topic });
    const fresh = new ModelRegistry(store);
    const before = store.memory();
    assert.equal(before.cachedBodies, 0);
    assert.ok(before.largeValues >= devices + 1, `large values: ${before.largeValues}`);
    assert.ok(JSON.stringify(version(0)).length > METADATA_INLINE_BYTES);
    for (const d of [0, 7, 59]) {
      const champion = await fresh.resolveDevice('c_json', String(d));
      const expected = d === 7 ? 1007 : d;
      assert.deepEqual(champion?.model, body(expected), `device ${d}`);
      assert.equal(champion?.version, d === 7 ? 2 : 1);
    }
    assert.equal(await fresh.resolveDevice('c_json', '60'), undefined);
    assert.equal(await fresh.resolve('c_json'), undefined, 'the alias itself names no single model');
    const history = await fresh.read(deviceLine('c_json'), '7');
    assert.deepEqual(
      history.history.map((v) => v.metrics.rmse),
      [1007, 7],
    );
    assert.ok(store.memory().cachedBodies > 0);
  });
});
