// A metadata store that follows its topic: what another store (on Kafka: another connection, as
// another process has) writes reaches it and its listeners without any read asking for it; and
// the partition reader it follows with wakes on an append and ends a long poll when closed.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { BackboneClosedError } from '../../src/backbone/errors.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import type { Backbone } from '../../src/backbone/types.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import { eventually } from '../helpers/wait.js';

const FOLLOW_WITHIN_MS = 2_000;

await forEachBackbone((env) => {
  // the embedded backbone is one process's: its "other" store shares the backbone
  const openOther = async (bb: Backbone): Promise<Backbone> => (env.name === 'embedded' ? bb : env.open());

  it('a following store applies another store’s puts and deletes, in order, with no read', async () => {
    const topic = uniqueName('__tml_follow');
    const bb = await env.open();
    const otherBackbone = await openOther(bb);
    try {
      const writer = await MetadataStore.open(otherBackbone, { topic });
      await writer.put('x/before', 1);
      const follower = await MetadataStore.open(bb, { topic, follow: true });
      assert.equal(follower.following, true);
      const seen: Array<[string, string | undefined]> = [];
      follower.onChange((key, json) => seen.push([key, json]));
      assert.deepEqual(follower.listRead('x/'), [{ key: 'x/before', value: 1 }]);

      await writer.put('x/a', { n: 1 });
      await writer.put('x/b', { n: 2 });
      await writer.put('x/a', { n: 3 });
      await writer.delete('x/before');
      // listRead asks the backbone nothing: only the follower can have brought these
      await eventually(() => {
        assert.deepEqual(follower.listRead('x/'), [
          { key: 'x/a', value: { n: 3 } },
          { key: 'x/b', value: { n: 2 } },
        ]);
      }, FOLLOW_WITHIN_MS);
      assert.deepEqual(seen, [
        ['x/a', '{"n":1}'],
        ['x/b', '{"n":2}'],
        ['x/a', '{"n":3}'],
        ['x/before', undefined],
      ]);

      // closed, it follows no more (its reads still catch up on demand)
      await follower.close();
      assert.equal(follower.following, false);
      await writer.put('x/c', 4);
      assert.deepEqual(follower.listRead('x/c'), []);
      assert.equal(await follower.get('x/c'), 4);
    } finally {
      if (otherBackbone !== bb) await otherBackbone.close();
      await bb.close();
    }
  });

  it('a partition reader’s long poll wakes on an append and ends when the reader closes', async () => {
    const topic = uniqueName('reader');
    const bb = await env.open();
    const otherBackbone = await openOther(bb);
    try {
      await bb.createTopic({ name: topic, partitions: 1 });
      const reader = bb.partitionReader();
      const waiting = reader.fetch({ topic, partition: 0, offset: 0, maxWaitMs: 8_000 });
      await otherBackbone.produce(topic, [{ value: 'v0' }]);
      const { records } = await waiting;
      assert.deepEqual(
        records.map((r) => r.value?.toString()),
        ['v0'],
      );
      const polling = assert.rejects(
        reader.fetch({ topic, partition: 0, offset: 1, maxWaitMs: 8_000 }),
        BackboneClosedError,
      );
      await reader.close();
      await polling;
      await assert.rejects(reader.fetch({ topic, partition: 0, offset: 1 }), BackboneClosedError);
      // the backbone's own fetches are not the reader's
      assert.equal((await bb.fetch({ topic, partition: 0, offset: 0 })).records.length, 1);
    } finally {
      if (otherBackbone !== bb) await otherBackbone.close();
      await bb.close();
    }
  });
});
