// The background maintenance pass gives the event loop back while it compacts: a registry-like
// compacted partition of thousands of batches is cleaned a chunk at a time, records appended
// meanwhile are kept, and the result is what a whole-partition compaction gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { embeddedEnv } from '../helpers/backbones.js';

const KEYS = 40;
const ROUNDS = 60; // 2,400 records, one batch each

async function fill(backbone: EmbeddedBackbone): Promise<void> {
  await backbone.createTopic({ name: 'reg', partitions: 1, config: { 'cleanup.policy': 'compact' } });
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < KEYS; k++) {
      await backbone.produce('reg', [{ key: `k${k}`, value: `${round}:${'x'.repeat(400)}`, partition: 0 }]);
    }
  }
}

async function all(backbone: EmbeddedBackbone): Promise<Array<[number, string, string]>> {
  const { records } = await backbone.fetch({ topic: 'reg', partition: 0, offset: 0, maxRecords: 100_000 });
  return records.map((r) => [r.offset, r.key!.toString(), r.value!.toString().split(':')[0]]);
}

/** Turns of the event loop that ran while `work` was pending. */
async function turnsDuring<T>(work: () => Promise<T> | T, onTurn: (turn: number) => void = () => {}) {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    if (!running) return;
    onTurn(++turns);
    setImmediate(spin);
  };
  setImmediate(spin);
  const result = await work();
  running = false;
  return { result, turns };
}

test('the background pass compacts a large partition in slices, keeping what is appended meanwhile', async () => {
  const env = await embeddedEnv();
  const backbone = (await env.open()) as EmbeddedBackbone;
  try {
    await fill(backbone);
    const appended: Promise<unknown>[] = [];
    const { result: report, turns } = await turnsDuring(
      // every step its own turn (the timer's pass holds the loop up to a few ms)
      () => backbone.runMaintenanceInBackground({ sliceMs: 0 }),
      (turn) => {
        // rows keep arriving while the pass runs: round 'late' of two keys
        if (turn === 3) {
          appended.push(backbone.produce('reg', [{ key: 'k0', value: 'late:a', partition: 0 }]));
          appended.push(backbone.produce('reg', [{ key: 'k1', value: 'late:b', partition: 0 }]));
        }
      },
    );
    await Promise.all(appended);
    // 2,400 batches read and then rewritten 32 a step: at least 150 steps, each after a turn
    assert.ok(turns >= 150, `the pass gave the event loop back only ${turns} time(s)`);
    // independent of the store: below the pass's cleanable point each key keeps its last round,
    // except k0 and k1, whose late records (appended while the pass read the partition, so seen
    // by it) supersede theirs
    const records = await all(backbone);
    const end = KEYS * ROUNDS;
    assert.deepEqual(
      records.filter(([offset]) => offset < end),
      Array.from({ length: KEYS - 2 }, (_, i) => [
        (ROUNDS - 1) * KEYS + i + 2,
        `k${i + 2}`,
        String(ROUNDS - 1),
      ]),
    );
    assert.equal(report?.compacted, KEYS * (ROUNDS - 1) + 2);
    // the late records are there, after the cleaned point
    assert.deepEqual(
      records.filter(([offset]) => offset >= end).map(([, key, round]) => [key, round]),
      [
        ['k0', 'late'],
        ['k1', 'late'],
      ],
    );
    // a second pass finds nothing more to remove
    assert.equal((await backbone.runMaintenanceInBackground())?.compacted, 0);
    const after = await all(backbone);
    assert.deepEqual(after, records);
    // the partition's byte count follows the records kept: size retention relies on it
    const bytes = after.reduce(
      (sum, [, key, round]) => sum + key.length + round.length + (round === 'late' ? 2 : 401),
      0,
    );
    const described = (await backbone.describeTopic('reg')).partitions[0];
    assert.equal(described.latestOffset, end + 2);
    assert.equal(
      (backbone as unknown as { topics: Map<string, { partitions: Array<{ bytes: number }> }> }).topics.get(
        'reg',
      )!.partitions[0].bytes,
      bytes,
    );
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});

test('the whole-partition pass (runMaintenance) gives the same records and holds the loop', async () => {
  const env = await embeddedEnv();
  const backbone = (await env.open()) as EmbeddedBackbone;
  try {
    await fill(backbone);
    const { result: report, turns } = await turnsDuring(() => backbone.runMaintenance());
    assert.equal(turns, 0, 'the synchronous pass ran in one turn');
    assert.equal(report.compacted, KEYS * (ROUNDS - 1));
    assert.deepEqual(
      await all(backbone),
      Array.from({ length: KEYS }, (_, k) => [(ROUNDS - 1) * KEYS + k, `k${k}`, String(ROUNDS - 1)]),
    );
  } finally {
    await backbone.close();
    await env.cleanup();
  }
});
