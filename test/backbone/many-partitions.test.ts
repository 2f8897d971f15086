// A store with more than 1,024 partitions (200 solutions × their input and output topics make
// ~1,200): the batch row id is (partition id << 43) + offset, which must stay a 64-bit integer —
// computed from a JavaScript number it became a float, and neighbouring offsets of partitions from
// 1,024 on collided ("UNIQUE constraint failed") or read each other's batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embeddedEnv } from '../helpers/backbones.js';

test('embedded: partitions numbered past 1,024 keep every offset apart', async () => {
  const env = await embeddedEnv();
  const backbone = await env.open();
  try {
    await backbone.createTopic({ name: 'wide', partitions: 1100 });
    for (const partition of [1023, 1024, 1099]) {
      for (let i = 0; i < 3; i++) {
        await backbone.produce('wide', [{ value: `${partition}:${i}`, partition }]);
      }
    }
    for (const partition of [1023, 1024, 1099]) {
      const { records, highWatermark } = await backbone.fetch({ topic: 'wide', partition, offset: 0 });
      assert.equal(highWatermark, 3);
      assert.deepEqual(
        records.map((r) => [r.offset, r.value!.toString()]),
        [0, 1, 2].map((i) => [i, `${partition}:${i}`]),
      );
      const fromMiddle = await backbone.fetch({ topic: 'wide', partition, offset: 2 });
      assert.deepEqual(
        fromMiddle.records.map((r) => r.value!.toString()),
        [`${partition}:2`],
      );
    }
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});
