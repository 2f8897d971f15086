// kill -9 in the middle of appends: every append the child saw acknowledged must be there byte for
// byte after a restart, and no batch may be visible in part. The child appends batches of 1 to 40
// records spread over 3 partitions; the test kills it at a random moment, 20 times, reopening the
// same data directory each time (the next child carries on where the store ends).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import type { ConsumedRecord } from '../../src/backbone/types.js';
import { startWriter } from './child.js';
import { CRASH_PARTITIONS, CRASH_TOPIC, crashBatch } from './fixtures/crash-writer.js';
import { sleep } from '../helpers/wait.js';

const KILLS = 20;

async function readEverything(backbone: EmbeddedBackbone): Promise<ConsumedRecord[][]> {
  const partitions: ConsumedRecord[][] = [];
  for (let partition = 0; partition < CRASH_PARTITIONS; partition++) {
    const records: ConsumedRecord[] = [];
    for (let offset = 0; ;) {
      const { records: got, highWatermark } = await backbone.fetch({
        topic: CRASH_TOPIC,
        partition,
        offset,
        maxRecords: 5000,
        maxBytes: 64 * 1024 * 1024,
      });
      records.push(...got);
      if (got.length === 0 || got[got.length - 1].offset + 1 >= highWatermark) break;
      offset = got[got.length - 1].offset + 1;
    }
    partitions.push(records);
  }
  return partitions;
}

test(`crash: ${KILLS} kill -9s lose no acknowledged append and never expose part of a batch`, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-crash-'));
  try {
    /** batch number → where its records were acknowledged, "partition:offset" per record */
    const acknowledged = new Map<number, string[]>();
    let nextBatch = 0;
    let killedWhileWriting = 0;
    for (let round = 0; round < KILLS; round++) {
      const writer = startWriter([dataDir, 'write', String(nextBatch)]);
      await writer.ready;
      await sleep(20 + Math.random() * 150);
      writer.child.kill('SIGKILL');
      assert.equal(await writer.exited, 'SIGKILL', writer.stderr());
      let acksThisRound = 0;
      for (const line of writer.lines) {
        if (!line.startsWith('ack ')) continue;
        const [, batch, ...places] = line.split(' ');
        acknowledged.set(Number(batch), places);
        acksThisRound++;
      }
      if (acksThisRound > 0) killedWhileWriting++;

      // Reopen (the lock is free again) and check everything written so far.
      const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
      try {
        const partitions = await readEverything(backbone);
        const byBatch = new Map<number, ConsumedRecord[]>();
        partitions.forEach((records, partition) => {
          records.forEach((r, i) => assert.equal(r.offset, i, `partition ${partition} has a hole at ${i}`));
          for (const r of records) {
            const batch = Number(r.headers.batch.toString());
            const list = byBatch.get(batch) ?? [];
            list.push(r);
            byBatch.set(batch, list);
          }
        });
        // No partial batch: every stored batch is complete and every record is exactly as sent.
        for (const [batch, records] of byBatch) {
          const expected = crashBatch(batch);
          assert.equal(
            records.length,
            expected.length,
            `batch ${batch}: ${records.length} of ${expected.length} records stored`,
          );
          for (const r of records) {
            const index = Number(r.headers.index.toString());
            const sent = expected[index];
            assert.equal(r.key?.toString(), sent.key);
            assert.ok(r.value?.equals(sent.value as Buffer), `batch ${batch} record ${index}: value differs`);
            assert.equal(r.headers.size.toString(), String(expected.length));
          }
        }
        // Every acknowledged batch is there, at the acknowledged partitions and offsets.
        for (const [batch, places] of acknowledged) {
          const stored = byBatch.get(batch);
          assert.ok(stored, `acknowledged batch ${batch} is missing after kill -9`);
          const storedPlaces = stored
            .sort((a, b) => Number(a.headers.index.toString()) - Number(b.headers.index.toString()))
            .map((r) => `${r.partition}:${r.offset}`);
          assert.deepEqual(storedPlaces, places, `batch ${batch} moved`);
        }
        nextBatch = Math.max(-1, ...byBatch.keys()) + 1;
        assert.ok(nextBatch >= Math.max(-1, ...acknowledged.keys()) + 1);
      } finally {
        await backbone.close();
      }
    }
    t.diagnostic(`${acknowledged.size} acknowledged batches checked, ${nextBatch} batches stored in all`);
    assert.ok(acknowledged.size > 0, 'the children acknowledged appends');
    assert.ok(killedWhileWriting >= KILLS / 2, `only ${killedWhileWriting} kills hit a writing child`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
