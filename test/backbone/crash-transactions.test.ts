// kill -9 in the middle of read-process-write transactions (embedded): after every kill the
// group's committed input offset equals the number of output records, every input offset below it
// has exactly one output record and the per-transaction log covers the same ranges: the records
// of both output topics and the offset commit land together or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import type { Backbone, ConsumedRecord } from '../../src/backbone/types.js';
import { startWriter } from './child.js';
import { TX_GROUP, TX_INPUT, TX_LOG, TX_OUTPUT, TX_OUTPUT_PARTITIONS } from './fixtures/crash-writer.js';
import { sleep } from '../helpers/wait.js';

const KILLS = 8;
const INPUT_RECORDS = 100_000;

async function readPartition(
  backbone: Backbone,
  topic: string,
  partition: number,
): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  for (let offset = 0; ;) {
    const { records, highWatermark } = await backbone.fetch({ topic, partition, offset, maxRecords: 10_000 });
    out.push(...records);
    if (records.length === 0 || records[records.length - 1].offset + 1 >= highWatermark) return out;
    offset = records[records.length - 1].offset + 1;
  }
}

test(`crash: ${KILLS} kill -9s during transactions keep committed offset = output records (exactly once)`, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-crash-tx-'));
  try {
    const setup = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    try {
      await setup.createTopic({ name: TX_INPUT, partitions: 1 });
      await setup.createTopic({ name: TX_OUTPUT, partitions: TX_OUTPUT_PARTITIONS });
      await setup.createTopic({ name: TX_LOG, partitions: 1 });
      for (let at = 0; at < INPUT_RECORDS; at += 10_000) {
        await setup.produce(
          TX_INPUT,
          Array.from({ length: 10_000 }, (_, i) => ({ partition: 0, value: `input-${at + i}` })),
        );
      }
    } finally {
      await setup.close();
    }
    let last = 0;
    let killedWhileWriting = 0;
    for (let round = 0; round < KILLS; round++) {
      const writer = startWriter([dataDir, 'transact']);
      await writer.ready;
      await sleep(30 + Math.random() * 200);
      writer.child.kill('SIGKILL');
      assert.equal(await writer.exited, 'SIGKILL', writer.stderr());
      const acknowledged = writer.lines
        .filter((line) => line.startsWith('tx '))
        .map((line) => Number(line.slice(3)));
      if (acknowledged.length > 0) killedWhileWriting++;

      const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
      try {
        const [committed] = await backbone.committedOffsets(TX_GROUP, TX_INPUT);
        const offset = committed?.offset ?? 0;
        // every acknowledged commit survived the kill, and the offset never moves back
        assert.ok(offset >= Math.max(last, ...acknowledged), `committed ${offset} < acknowledged`);
        const outputs: number[] = [];
        for (let p = 0; p < TX_OUTPUT_PARTITIONS; p++) {
          for (const r of await readPartition(backbone, TX_OUTPUT, p))
            outputs.push(Number(r.value!.toString()));
        }
        assert.equal(
          outputs.length,
          offset,
          `${outputs.length} output records for committed offset ${offset}`,
        );
        assert.deepEqual(
          outputs.sort((a, b) => a - b),
          Array.from({ length: offset }, (_, i) => i),
          'each input offset below the commit has exactly one output record',
        );
        const log = (await readPartition(backbone, TX_LOG, 0)).map((r) => r.value!.toString());
        let expectedFrom = 0;
        for (const range of log) {
          const [from, to] = range.split('-').map(Number);
          assert.equal(from, expectedFrom, `log range ${range} does not follow ${expectedFrom}`);
          expectedFrom = to;
        }
        assert.equal(expectedFrom, offset, 'the transaction log ends at the committed offset');
        last = offset;
      } finally {
        await backbone.close();
      }
    }
    t.diagnostic(`${last} input records processed exactly once over ${KILLS} kills`);
    assert.ok(last > 0, 'the children committed transactions');
    assert.ok(killedWhileWriting >= KILLS / 2, `only ${killedWhileWriting} kills hit a writing child`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
