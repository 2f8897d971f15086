// WAL checkpoints of the embedded store run on a worker thread (checkpointer.ts): the writer no
// longer copies and fsyncs on the event loop at every 16 MiB of WAL, the WAL stays bounded (the
// writer finishes a checkpoint itself, rarely, so the WAL can start over), and nothing is lost.
// Small thresholds here so every path runs within a few MiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { eventually, sleep } from '../helpers/wait.js';

const MiB = 1024 * 1024;

test('checkpoints: the worker checkpoints, the writer only finishes rarely, the WAL stays bounded, nothing is lost', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-checkpoint-'));
  const wal = join(dataDir, 'backbone.sqlite-wal');
  try {
    const walCheckpoint = { kickBytes: 1 * MiB, restartBytes: 8 * MiB, behindBytes: 16 * MiB };
    let backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0, walCheckpoint });
    const value = Buffer.alloc(2000, 7);
    let largestWal = 0;
    try {
      await backbone.createTopic({ name: 't', partitions: 1 });
      // about 40 MiB of WAL: single-record commits, a pause now and then as between requests
      for (let i = 0; i < 1200; i++) {
        await backbone.produce('t', [{ key: `k${i}`, value }]);
        if (i % 50 === 0) {
          await sleep(2);
          largestWal = Math.max(largestWal, statSync(wal).size);
        }
      }
      await eventually(() => assert.ok(backbone.checkpoints().byWorker >= 3), 5_000);
      const { byWorker, onEventLoop } = backbone.checkpoints();
      t.diagnostic(
        `${byWorker} checkpoints by the worker, ${onEventLoop} on the event loop, WAL up to ${(largestWal / MiB).toFixed(1)} MiB`,
      );
      assert.ok(onEventLoop >= 1, 'the WAL never started over');
      // about one per restartBytes (8 MiB) written, the rest is the worker's
      assert.ok(onEventLoop <= 6, `${onEventLoop} checkpoints on the event loop for ~40 MiB written`);
      // about restartBytes (behindBytes at worst, on a loaded machine), far below the ~40 MiB written
      assert.ok(largestWal < 30 * MiB, `the WAL reached ${(largestWal / MiB).toFixed(1)} MiB`);
    } finally {
      await backbone.close();
    }
    // a clean close checkpoints everything and removes the WAL
    assert.equal(existsSync(wal), false);
    backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const [{ earliest, latest }] = await backbone.listOffsets('t');
      assert.equal(latest - earliest, 1200);
      const { records } = await backbone.fetch({ topic: 't', partition: 0, offset: 1199 });
      assert.equal(records[0].key?.toString(), 'k1199');
      assert.ok(records[0].value?.equals(value));
    } finally {
      await backbone.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
