// Group commit on the embedded backbone: the produce calls and transaction commits of one
// event-loop turn share one storage transaction, and a call that fails by itself fails alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { StorageFullError, UnknownTopicError } from '../../src/backbone/errors.js';
import type { Backbone } from '../../src/backbone/types.js';
import { embeddedEnv } from '../helpers/backbones.js';

async function values(backbone: Backbone, topic: string, partition = 0): Promise<string[]> {
  const { records } = await backbone.fetch({ topic, partition, offset: 0, maxRecords: 10_000 });
  return records.map((r) => `${r.offset}:${r.value!.toString()}`);
}

async function withBackbone(work: (backbone: EmbeddedBackbone) => Promise<void>): Promise<void> {
  const env = await embeddedEnv();
  const backbone = (await env.open()) as EmbeddedBackbone;
  try {
    await work(backbone);
  } finally {
    await backbone.close();
    await env.cleanup();
  }
}

test('calls made in one turn are stored in one transaction, in call order, each answered with its offsets', async () => {
  await withBackbone(async (backbone) => {
    await backbone.createTopic({ name: 'a', partitions: 1 });
    await backbone.createTopic({ name: 'b', partitions: 1 });
    const before = backbone.writeStats();
    // 300 one-record calls over two topics without awaiting in between, as 100 solutions' rows
    const calls = Array.from({ length: 300 }, (_, i) =>
      backbone.produce(i % 3 === 0 ? 'b' : 'a', [{ value: `v${i}`, partition: 0 }]),
    );
    const answers = await Promise.all(calls);
    const after = backbone.writeStats();
    assert.equal(after.transactions - before.transactions, 1, 'one storage transaction for the turn');
    assert.equal(after.calls - before.calls, 300);
    // offsets follow call order within each topic: call i to 'a' is the k-th call to 'a'
    let nextA = 0;
    let nextB = 0;
    answers.forEach((answer, i) => {
      const topic = i % 3 === 0 ? 'b' : 'a';
      const offset = topic === 'a' ? nextA++ : nextB++;
      assert.deepEqual(
        answer.map((m) => [m.topic, m.partition, m.offset]),
        [[topic, 0, offset]],
      );
    });
    const a = await values(backbone, 'a');
    assert.equal(a.length, 200);
    assert.equal(a[0], '0:v1');
    assert.equal(a[199], '199:v299');
    assert.deepEqual((await values(backbone, 'b')).slice(0, 2), ['0:v0', '1:v3']);
    // awaited calls (one per turn) are one transaction each, as before
    await backbone.produce('a', [{ value: 'x', partition: 0 }]);
    await backbone.produce('a', [{ value: 'y', partition: 0 }]);
    assert.equal(backbone.writeStats().transactions - after.transactions, 2);
  });
});

test('a call whose topic was deleted before its turn ended fails alone; the rest of the turn is stored', async () => {
  await withBackbone(async (backbone) => {
    await backbone.createTopic({ name: 'kept', partitions: 1 });
    await backbone.createTopic({ name: 'doomed', partitions: 1 });
    const first = backbone.produce('kept', [{ value: 'one', partition: 0 }]);
    const lost = backbone.produce('doomed', [{ value: 'never', partition: 0 }]);
    const second = backbone.produce('kept', [{ value: 'two', partition: 0 }]);
    await backbone.deleteTopic('doomed'); // synchronous inside: before the turn's writes
    await assert.rejects(lost, UnknownTopicError);
    assert.deepEqual(
      (await Promise.all([first, second])).map((r) => r[0].offset),
      [0, 1],
    );
    assert.deepEqual(await values(backbone, 'kept'), ['0:one', '1:two']);
  });
});

test('transactions committed in one turn share a transaction with plain calls; a failing one stores nothing of itself', async () => {
  await withBackbone(async (backbone) => {
    await backbone.createTopic({ name: 'in', partitions: 1 });
    await backbone.createTopic({ name: 'out', partitions: 1 });
    await backbone.createTopic({ name: 'gone', partitions: 1 });
    await backbone.produce('in', [{ value: 'r', partition: 0 }]);
    const p1 = await backbone.transactionalProducer({ transactionalId: 't1' });
    const p2 = await backbone.transactionalProducer({ transactionalId: 't2' });
    const before = backbone.writeStats();
    const t1 = p1.transaction(async (tx) => {
      await tx.produce('out', [{ value: 't1', partition: 0 }]);
      await tx.commitOffsets('g1', [{ topic: 'in', partition: 0, offset: 1 }]);
    });
    // t2 writes to 'out' and to a topic deleted after t2 was checked but before the turn's
    // writes: all of t2 must be refused
    let planned!: () => void;
    const t2Planned = new Promise<void>((resolve) => (planned = resolve));
    const t2 = p2.transaction(async (tx) => {
      await tx.produce('out', [{ value: 't2', partition: 0 }]);
      await tx.produce('gone', [{ value: 't2', partition: 0 }]);
      await tx.commitOffsets('g2', [{ topic: 'in', partition: 0, offset: 1 }]);
      planned();
    });
    const plain = backbone.produce('out', [{ value: 'plain', partition: 0 }]);
    await t2Planned; // microtasks only: the turn's writes (setImmediate) are still queued
    await backbone.deleteTopic('gone');
    await t1;
    await assert.rejects(t2, UnknownTopicError);
    await plain;
    const after = backbone.writeStats();
    assert.equal(after.transactions - before.transactions, 1);
    assert.equal(after.calls - before.calls, 2);
    const out = await values(backbone, 'out');
    assert.deepEqual(out.map((v) => v.split(':')[1]).sort(), ['plain', 't1']);
    assert.deepEqual(await backbone.committedOffsets('g1'), [{ topic: 'in', partition: 0, offset: 1 }]);
    assert.deepEqual(await backbone.committedOffsets('g2'), []);
  });
});

test('a full store fails only the calls that do not fit; the group is written again call by call', async () => {
  const env = await embeddedEnv({ maxStorageBytes: 400 * 1024 });
  const backbone = (await env.open()) as EmbeddedBackbone;
  try {
    await backbone.createTopic({ name: 'small', partitions: 1 });
    await backbone.createTopic({ name: 'big', partitions: 1 });
    // fill the store until a 200 KB call no longer fits
    let i = 0;
    for (;;) {
      const error = await backbone
        .produce('big', [{ value: Buffer.alloc(100_000, i++ & 0xff), partition: 0 }])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      if (error !== undefined) {
        assert.ok(error instanceof StorageFullError, String(error));
        break;
      }
      assert.ok(i < 10, 'the store never filled');
    }
    const storedBig = (await values(backbone, 'big')).length;
    const before = backbone.writeStats();
    const small1 = backbone.produce('small', [{ value: 's1', partition: 0 }]);
    const big = backbone.produce('big', [{ value: Buffer.alloc(200_000, 7), partition: 0 }]);
    const small2 = backbone.produce('small', [{ value: 's2', partition: 0 }]);
    await assert.rejects(big, (e: unknown) => {
      assert.ok(e instanceof StorageFullError);
      assert.match(e.message, /appending 1 record\(s\) to topic 'big'/);
      return true;
    });
    assert.deepEqual(
      (await Promise.all([small1, small2])).map((r) => r[0].offset),
      [0, 1],
    );
    assert.deepEqual(await values(backbone, 'small'), ['0:s1', '1:s2']);
    assert.equal((await values(backbone, 'big')).length, storedBig, 'the refused call stored nothing');
    // the group was refused whole, then the three calls were tried alone: two stored
    assert.equal(backbone.writeStats().transactions - before.transactions, 2);
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});

test('calls still queued when the backbone closes are stored, and readable after reopening', async () => {
  const env = await embeddedEnv();
  const backbone = (await env.open()) as EmbeddedBackbone;
  await backbone.createTopic({ name: 'late', partitions: 1 });
  const calls = [0, 1, 2].map((i) => backbone.produce('late', [{ value: `l${i}`, partition: 0 }]));
  await backbone.close(); // in the same turn as the calls
  assert.deepEqual(
    (await Promise.all(calls)).map((r) => r[0].offset),
    [0, 1, 2],
  );
  const again = await EmbeddedBackbone.open({ dataDir: env.dataDir, maintenanceIntervalMs: 0 });
  try {
    assert.deepEqual(await values(again, 'late'), ['0:l0', '1:l1', '2:l2']);
  } finally {
    await again.close();
    await env.cleanup();
  }
});
