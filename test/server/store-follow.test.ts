// The server's registration indexes follow the metadata topic: what another server's store (here a
// second store on the same backbone, as a second process has on Kafka) puts or deletes is in this
// one's memory (`get`, which reads no store) without a lookup. The Kafka test with two real
// servers is kafka.two-servers.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import type { TopicRegistration } from '../../src/server/store/records.js';
import { eventually } from '../helpers/wait.js';

const registration = (active: boolean): TopicRegistration => ({
  topic: 'orders',
  producerId: 'ProducerId-1',
  active,
  createdAt: '2026-01-01T00:00:00.000Z',
  companyname: '',
  contactname: '',
  contactemail: '',
  location: '',
  description: '',
});

test('a server store applies another store’s puts and deletes to its indexes, and stops at close', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-follow-'));
  const backbone = await openBackbone({ dataDir });
  try {
    const here = await openServerStore(backbone);
    const there = await openServerStore(backbone, { follow: false });
    await there.topics.put('orders', registration(true));
    await eventually(() => assert.equal(here.topics.get('orders')?.active, true), 2_000);
    await there.topics.put('orders', registration(false));
    await eventually(() => assert.equal(here.topics.get('orders')?.active, false), 2_000);
    await there.topics.delete('orders');
    await eventually(() => assert.equal(here.topics.get('orders'), undefined), 2_000);

    // a store that does not follow learns only when it reads (here: its own lookup)
    await here.topics.put('orders', registration(true));
    assert.equal(there.topics.get('orders'), undefined);
    assert.equal((await there.topics.lookup('orders'))?.active, true);

    await here.close();
    await there.topics.delete('orders');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(here.topics.get('orders')?.active, true, 'a closed store follows no more');
  } finally {
    await backbone.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
