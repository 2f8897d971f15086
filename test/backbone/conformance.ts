// The Backbone conformance suite: one set of tests every Backbone implementation must pass.
// `backboneConformance` registers node:test tests; a `*.conformance.test.ts` file calls it once
// per implementation. Every test uses fresh, unique topic and group names, so the suite also runs
// against a shared Kafka cluster. `open()` must open the SAME storage each time it is called (the
// restart tests close the backbone and open it again).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  BackboneClosedError,
  InvalidPartitionsError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  ProducerClosedError,
  ProducerFencedError,
  RecordTooLargeError,
  TopicExistsError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../../src/backbone/errors.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { partitionForKey } from '../../src/backbone/partitioner.js';
import type {
  Backbone,
  ConsumedRecord,
  FetchResult,
  GroupConsumer,
  TopicConfig,
  TopicPartition,
  TransactionalProducer,
} from '../../src/backbone/types.js';
import { uniqueName } from '../helpers/names.js';
import { eventually, sleep } from '../helpers/wait.js';

export interface ConformanceOptions {
  /**
   * Runs retention and compaction now, when the implementation can (embedded: `runMaintenance()`).
   * Without it the tests wait for the implementation's own schedule, up to `cleanupTimeoutMs`.
   */
  runCleanup?: (backbone: Backbone) => Promise<unknown> | unknown;
  /** How long retention/compaction may take to show (default 10 s). */
  cleanupTimeoutMs?: number;
  /** Extra topic config for the retention and compaction topics (Kafka: small `segment.ms`/`segment.bytes`). */
  cleanupTopicConfig?: TopicConfig;
  /** A pause between the records to clean and the records after them (Kafka: lets a segment roll). */
  segmentRollWaitMs?: number;
  /** How long a group takes to settle after a join or a leave (default 10 s). */
  rebalanceTimeoutMs?: number;
  /** Session timeout for the session-expiry test (default 500 ms). */
  sessionTimeoutMs?: number;
  /** A long poll must return within this long after the append that wakes it (default 1,000 ms). */
  wakeWithinMs?: number;
  /** Names (or name fragments) of tests to skip, with the reason why, e.g. `{ 'session timeout': '...' }`. */
  skip?: Record<string, string>;
}

async function fetchAll(
  backbone: Backbone,
  topic: string,
  partition: number,
  from?: number,
): Promise<ConsumedRecord[]> {
  const [offsets] = (await backbone.listOffsets(topic)).filter((o) => o.partition === partition);
  const out: ConsumedRecord[] = [];
  let offset = from ?? offsets.earliest;
  while (offset < offsets.latest) {
    const { records } = await backbone.fetch({ topic, partition, offset, maxRecords: 1000 });
    if (records.length === 0) break;
    out.push(...records);
    offset = records[records.length - 1].offset + 1;
  }
  return out;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
const sortTp = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}:${tp.partition}`).sort();

export function backboneConformance(
  name: string,
  open: () => Promise<Backbone>,
  options: ConformanceOptions = {},
): void {
  const cleanupTimeoutMs = options.cleanupTimeoutMs ?? 10_000;
  const rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 10_000;
  const wakeWithinMs = options.wakeWithinMs ?? 1000;
  const cleanupConfig = options.cleanupTopicConfig ?? {};

  /** Opens a backbone for one test and closes it afterwards, whatever happens. */
  async function withBackbone(body: (backbone: Backbone) => Promise<void>): Promise<void> {
    const backbone = await open();
    try {
      await body(backbone);
    } finally {
      await backbone.close();
    }
  }

  function it(title: string, body: (backbone: Backbone) => Promise<void>): void {
    const reason = Object.entries(options.skip ?? {}).find(([fragment]) => title.includes(fragment))?.[1];
    test(title, reason ? { skip: reason } : {}, () => withBackbone(body));
  }

  /** Waits until cleanup (retention/compaction) makes `check` pass. */
  async function afterCleanup(backbone: Backbone, check: () => Promise<void>): Promise<void> {
    await eventually(
      async () => {
        await options.runCleanup?.(backbone);
        await check();
      },
      cleanupTimeoutMs,
      200,
    );
  }

  /** Polls every member (to let a rebalance complete) until `check` holds. */
  async function settle(members: GroupConsumer[], check: () => void): Promise<void> {
    await eventually(
      async () => {
        for (const m of members) await m.poll({ maxWaitMs: 0 });
        check();
      },
      rebalanceTimeoutMs,
      100,
    );
  }

  describe(`Backbone conformance: ${name}`, () => {
    // ---- topics ---------------------------------------------------------------------------------

    it('topics: create, describe, list, delete', async (bb) => {
      const topic = uniqueName('topics');
      await bb.createTopic({ name: topic, partitions: 3, config: { 'retention.ms': 3_600_000 } });
      assert.ok((await bb.listTopics()).includes(topic));
      const description = await bb.describeTopic(topic);
      assert.equal(description.name, topic);
      assert.deepEqual(
        description.partitions.map((p) => [p.partition, p.earliestOffset, p.latestOffset]),
        [
          [0, 0, 0],
          [1, 0, 0],
          [2, 0, 0],
        ],
      );
      assert.equal(Number(description.config['retention.ms']), 3_600_000);
      await assert.rejects(bb.createTopic({ name: topic, partitions: 1 }), TopicExistsError);
      await bb.ensureTopic({ name: topic, partitions: 5 }); // exists: no error, no change
      assert.equal((await bb.describeTopic(topic)).partitions.length, 3);
      await bb.deleteTopic(topic);
      await eventually(async () => assert.ok(!(await bb.listTopics()).includes(topic)), rebalanceTimeoutMs);
      await assert.rejects(bb.describeTopic(topic), UnknownTopicError);
      await assert.rejects(bb.produce(topic, [{ value: 'x' }]), UnknownTopicError);
    });

    it('topics: createPartitions grows a topic, keeps its records, never shrinks it', async (bb) => {
      const topic = uniqueName('grow');
      await bb.createTopic({ name: topic, partitions: 1 });
      await bb.produce(topic, [{ value: 'a' }, { value: 'b' }]);
      await bb.createPartitions(topic, 3);
      assert.deepEqual(
        (await bb.describeTopic(topic)).partitions.map((p) => [p.partition, p.latestOffset]),
        [
          [0, 2],
          [1, 0],
          [2, 0],
        ],
      );
      const [written] = await bb.produce(topic, [{ value: 'c', partition: 2 }]);
      assert.equal(written.partition, 2);
      const { records } = await bb.fetch({ topic, partition: 2, offset: 0 });
      assert.deepEqual(
        records.map((r) => r.value?.toString()),
        ['c'],
      );
      await bb.createPartitions(topic, 3); // its own count: nothing changes
      await assert.rejects(bb.createPartitions(topic, 2), InvalidPartitionsError);
      await assert.rejects(bb.createPartitions(topic, 0), InvalidPartitionsError);
      await assert.rejects(bb.createPartitions(uniqueName('none'), 2), UnknownTopicError);
      assert.equal((await bb.listOffsets(topic)).length, 3);
    });

    it('topics: unknown topics and partitions are typed errors', async (bb) => {
      const topic = uniqueName('unknown');
      await assert.rejects(bb.fetch({ topic, partition: 0, offset: 0 }), UnknownTopicError);
      await assert.rejects(bb.listOffsets(topic), UnknownTopicError);
      await assert.rejects(bb.deleteTopic(topic), UnknownTopicError);
      await bb.createTopic({ name: topic, partitions: 2 });
      await assert.rejects(bb.fetch({ topic, partition: 2, offset: 0 }), UnknownPartitionError);
      await assert.rejects(bb.produce(topic, [{ value: 'x', partition: 2 }]), UnknownPartitionError);
      await assert.rejects(bb.produce(topic, [{ value: 'x', partition: -1 }]), UnknownPartitionError);
    });

    // ---- produce and fetch ----------------------------------------------------------------------

    it('produce/fetch: per-partition order and consecutive offsets', async (bb) => {
      const topic = uniqueName('order');
      await bb.createTopic({ name: topic, partitions: 1 });
      let expected = 0;
      for (let call = 0; call < 10; call++) {
        const batch = Array.from({ length: 37 }, (_, i) => ({ value: `v${call * 37 + i}` }));
        const meta = await bb.produce(topic, batch);
        assert.deepEqual(
          meta.map((m) => m.offset),
          batch.map(() => expected++),
        );
        assert.ok(meta.every((m) => m.topic === topic && m.partition === 0));
      }
      const records = await fetchAll(bb, topic, 0);
      assert.equal(records.length, 370);
      records.forEach((r, i) => {
        assert.equal(r.offset, i);
        assert.equal(text(r.value), `v${i}`);
        assert.equal(r.topic, topic);
        assert.equal(r.partition, 0);
      });
      const { highWatermark, logStartOffset } = await bb.fetch({ topic, partition: 0, offset: 370 });
      assert.equal(highWatermark, 370);
      assert.equal(logStartOffset, 0);
    });

    it('produce/fetch: maxRecords and maxBytes bound a fetch, at least one record comes back', async (bb) => {
      const topic = uniqueName('bounds');
      await bb.createTopic({ name: topic, partitions: 1 });
      await bb.produce(
        topic,
        Array.from({ length: 50 }, () => ({ value: Buffer.alloc(1000, 1) })),
      );
      const few = await bb.fetch({ topic, partition: 0, offset: 5, maxRecords: 7 });
      assert.deepEqual(
        few.records.map((r) => r.offset),
        [5, 6, 7, 8, 9, 10, 11],
      );
      const small = await bb.fetch({ topic, partition: 0, offset: 0, maxBytes: 10 });
      assert.ok(small.records.length >= 1, 'at least one record even when it exceeds maxBytes');
      assert.ok(small.records.length < 50);
      assert.equal(small.records[0].offset, 0);
    });

    it('produce: a batch to one partition is atomic: a bad record rejects the whole batch', async (bb) => {
      const topic = uniqueName('atomic');
      await bb.createTopic({ name: topic, partitions: 2, config: { 'max.message.bytes': 2000 } });
      await bb.produce(topic, [{ value: 'before', partition: 0 }]);
      const batch = [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 1 },
        { value: Buffer.alloc(5000), partition: 0 },
      ];
      await assert.rejects(bb.produce(topic, batch), RecordTooLargeError);
      assert.deepEqual(
        (await bb.listOffsets(topic)).map((o) => o.latest),
        [1, 0],
      );
      assert.deepEqual(
        (await fetchAll(bb, topic, 0)).map((r) => text(r.value)),
        ['before'],
      );
    });

    it('produce: readers never see part of a batch', async (bb) => {
      const topic = uniqueName('partial');
      await bb.createTopic({ name: topic, partitions: 1 });
      const batchSize = 100;
      let writing = true;
      const reader = (async () => {
        let checks = 0;
        while (writing || checks < 3) {
          const [{ latest }] = await bb.listOffsets(topic);
          assert.equal(latest % batchSize, 0, `high watermark ${latest} is inside a batch`);
          const { highWatermark } = await bb.fetch({ topic, partition: 0, offset: 0, maxRecords: 1 });
          assert.equal(highWatermark % batchSize, 0);
          checks++;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      for (let i = 0; i < 30; i++) {
        await bb.produce(
          topic,
          Array.from({ length: batchSize }, (_, j) => ({ value: `${i}-${j}` })),
        );
      }
      writing = false;
      await reader;
    });

    it('partitioner: keys land where Kafka puts them (murmur2), same key same partition', async (bb) => {
      const topic = uniqueName('murmur');
      await bb.createTopic({ name: topic, partitions: 7 });
      const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
      keys.push('foobar', 'a-little-bit-long-string', '21', 'ключ', '🔑');
      const meta = await bb.produce(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      meta.forEach((m, i) => assert.equal(m.partition, partitionForKey(Buffer.from(keys[i]), 7), keys[i]));
      // Fixed values from Kafka's UtilsTest hashes (toPositive(murmur2) % 7): the same on any backbone.
      assert.equal(meta[keys.indexOf('foobar')].partition, 0);
      assert.equal(meta[keys.indexOf('21')].partition, 3);
      for (let p = 0; p < 7; p++) {
        for (const r of await fetchAll(bb, topic, p)) assert.equal(p, partitionForKey(r.key as Buffer, 7));
      }
      const again = await bb.produce(topic, [{ key: 'key-5', value: 'again' }]);
      assert.equal(again[0].partition, meta[5].partition);
    });

    it('partitioner: round-robin spreads records evenly; records without a key too', async (bb) => {
      const topic = uniqueName('roundrobin');
      await bb.createTopic({ name: topic, partitions: 3 });
      const keyed = await bb.produce(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ key: 'same-key', value: `${i}` })),
        { partitioner: 'round-robin' },
      );
      const counts = [0, 0, 0];
      for (const m of keyed) counts[m.partition]++;
      assert.deepEqual(counts, [10, 10, 10]);
      const unkeyed = await bb.produce(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ value: `${i}` })),
      );
      const spread = new Set(unkeyed.map((m) => m.partition));
      assert.equal(spread.size, 3, 'records without a key use every partition');
    });

    it('partitioner: an explicit partition wins over the key', async (bb) => {
      const topic = uniqueName('explicit');
      await bb.createTopic({ name: topic, partitions: 4 });
      const meta = await bb.produce(topic, [
        { key: 'k', value: 'a', partition: 3 },
        { key: 'k', value: 'b', partition: 0 },
        { value: 'c', partition: 2 },
      ]);
      assert.deepEqual(
        meta.map((m) => m.partition),
        [3, 0, 2],
      );
      assert.equal(text((await fetchAll(bb, topic, 3))[0].value), 'a');
    });

    it('records: keys, values and headers round-trip byte for byte; null keys and values stay null', async (bb) => {
      const topic = uniqueName('bytes');
      await bb.createTopic({ name: topic, partitions: 1 });
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const sent = [
        {
          key: allBytes,
          value: allBytes,
          headers: { bin: allBytes, text: 'héllo ✓', empty: Buffer.alloc(0) },
        },
        { key: null, value: 'null key' },
        { key: 'tombstone', value: null },
        { key: Buffer.alloc(0), value: Buffer.alloc(0) },
        { key: 'unicode ключ 🔑', value: '値 🚀', timestamp: 1_600_000_000_123 },
      ];
      const meta = await bb.produce(topic, sent);
      assert.equal(meta[4].timestamp, 1_600_000_000_123);
      const got = await fetchAll(bb, topic, 0);
      assert.equal(got.length, sent.length);
      assert.ok(Buffer.isBuffer(got[0].key) && got[0].key.equals(allBytes));
      assert.ok(got[0].value?.equals(allBytes));
      assert.ok(got[0].headers.bin.equals(allBytes));
      assert.equal(got[0].headers.text.toString('utf8'), 'héllo ✓');
      assert.equal(got[0].headers.empty.length, 0);
      assert.equal(got[1].key, null);
      assert.equal(text(got[1].value), 'null key');
      assert.deepEqual(got[1].headers, {});
      assert.equal(got[2].value, null);
      assert.ok(got[3].key !== null && got[3].key.length === 0, 'an empty key is not null');
      assert.ok(got[3].value !== null && got[3].value.length === 0, 'an empty value is not null');
      assert.equal(text(got[4].key), 'unicode ключ 🔑');
      assert.equal(text(got[4].value), '値 🚀');
      assert.equal(got[4].timestamp, 1_600_000_000_123);
      assert.ok(got[0].timestamp > 0);
    });

    it('records: a record over max.message.bytes is refused with RecordTooLargeError', async (bb) => {
      const topic = uniqueName('toolarge');
      await bb.createTopic({ name: topic, partitions: 1, config: { 'max.message.bytes': 1024 } });
      await bb.produce(topic, [{ value: Buffer.alloc(900) }]);
      const error = await bb.produce(topic, [{ value: Buffer.alloc(4096) }]).catch((e: unknown) => e);
      assert.ok(error instanceof RecordTooLargeError, String(error));
      assert.match(error.message, new RegExp(topic));
      assert.equal((await bb.listOffsets(topic))[0].latest, 1);
    });

    it('produce: concurrent producers each get unique offsets, in their own order', async (bb) => {
      const topic = uniqueName('concurrent');
      await bb.createTopic({ name: topic, partitions: 2 });
      const producers = 8;
      const calls = 20;
      await Promise.all(
        Array.from({ length: producers }, async (_, p) => {
          for (let c = 0; c < calls; c++) {
            await bb.produce(
              topic,
              Array.from({ length: 5 }, (_, i) => ({ key: `producer-${p}`, value: `${p}:${c * 5 + i}` })),
            );
          }
        }),
      );
      const seen = new Map<number, number[]>();
      let total = 0;
      for (const partition of [0, 1]) {
        const records = await fetchAll(bb, topic, partition);
        records.forEach((r, i) => assert.equal(r.offset, i));
        total += records.length;
        for (const r of records) {
          const [p, n] = (text(r.value) as string).split(':').map(Number);
          const list = seen.get(p) ?? [];
          list.push(n);
          seen.set(p, list);
        }
      }
      assert.equal(total, producers * calls * 5);
      for (const [, list] of seen)
        assert.deepEqual(
          list,
          [...list].sort((a, b) => a - b),
        );
    });

    // ---- long poll ------------------------------------------------------------------------------

    it('long poll: wakes as soon as a record is appended', async (bb) => {
      const topic = uniqueName('longpoll');
      await bb.createTopic({ name: topic, partitions: 2 });
      const started = Date.now();
      const pending = bb.fetch({ topic, partition: 1, offset: 0, maxWaitMs: 20_000 });
      await sleep(100);
      await bb.produce(topic, [{ value: 'other partition', partition: 0 }]);
      await sleep(100);
      const appendedAt = Date.now();
      await bb.produce(topic, [{ value: 'wake up', partition: 1 }]);
      const { records } = await pending;
      const woke = Date.now();
      assert.equal(records.length, 1);
      assert.equal(text(records[0].value), 'wake up');
      assert.ok(woke - appendedAt < wakeWithinMs, `woke ${woke - appendedAt} ms after the append`);
      assert.ok(woke - started >= 150);
    });

    it('long poll: returns empty at the timeout when nothing comes', async (bb) => {
      const topic = uniqueName('timeout');
      await bb.createTopic({ name: topic, partitions: 1 });
      const started = Date.now();
      const { records, highWatermark } = await bb.fetch({ topic, partition: 0, offset: 0, maxWaitMs: 400 });
      const took = Date.now() - started;
      assert.equal(records.length, 0);
      assert.equal(highWatermark, 0);
      assert.ok(took >= 350, `returned after ${took} ms`);
      assert.ok(took < 400 + wakeWithinMs + 1000, `returned after ${took} ms`);
    });

    it('long poll: an AbortSignal ends the wait', async (bb) => {
      const topic = uniqueName('abort');
      await bb.createTopic({ name: topic, partitions: 1 });
      const controller = new AbortController();
      const started = Date.now();
      const pending = bb.fetch({
        topic,
        partition: 0,
        offset: 0,
        maxWaitMs: 20_000,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
      assert.ok(Date.now() - started < 100 + wakeWithinMs);
    });

    // ---- offsets --------------------------------------------------------------------------------

    it('offsets: earliest and latest per partition, fetch at the end is empty, beyond it is out of range', async (bb) => {
      const topic = uniqueName('offsets');
      await bb.createTopic({ name: topic, partitions: 2 });
      await bb.produce(topic, [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 1 },
      ]);
      assert.deepEqual(await bb.listOffsets(topic), [
        { partition: 0, earliest: 0, latest: 2 },
        { partition: 1, earliest: 0, latest: 1 },
      ]);
      const atEnd = await bb.fetch({ topic, partition: 0, offset: 2 });
      assert.equal(atEnd.records.length, 0);
      assert.equal(atEnd.highWatermark, 2);
      const error = await bb.fetch({ topic, partition: 0, offset: 3 }).catch((e: unknown) => e);
      assert.ok(error instanceof OffsetOutOfRangeError, String(error));
      assert.equal(error.offset, 3);
      assert.equal(error.earliest, 0);
      assert.equal(error.latest, 2);
    });

    it('offsets: offsetForTimestamp finds the first record at or after a time', async (bb) => {
      const topic = uniqueName('timestamps');
      await bb.createTopic({ name: topic, partitions: 1 });
      // recent times: a broker's time retention (seven days by default) deletes records dated
      // years back at its next check, which a loaded run can meet between these calls
      const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
      await bb.produce(topic, [
        { value: 'a', timestamp: base + 1000 },
        { value: 'b', timestamp: base + 2000 },
      ]);
      await bb.produce(topic, [{ value: 'c', timestamp: base + 3000 }]);
      assert.equal(await bb.offsetForTimestamp(topic, 0, base), 0);
      assert.equal(await bb.offsetForTimestamp(topic, 0, base + 1000), 0);
      assert.equal(await bb.offsetForTimestamp(topic, 0, base + 1500), 1);
      assert.equal(await bb.offsetForTimestamp(topic, 0, base + 3000), 2);
      assert.equal(
        await bb.offsetForTimestamp(topic, 0, base + 9000),
        3,
        'none that late: the latest offset',
      );
    });

    // ---- consumer groups ------------------------------------------------------------------------

    it('groups: members share the partitions; more members than partitions leaves some idle', async (bb) => {
      const topic = uniqueName('assign');
      const groupId = uniqueName('group');
      await bb.createTopic({ name: topic, partitions: 3 });
      const members: GroupConsumer[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          members.push(
            await bb.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest', clientId: `m${i}` }),
          );
        }
        const everything = [`${topic}:0`, `${topic}:1`, `${topic}:2`];
        await settle(members, () => {
          const all = members.flatMap((m) => sortTp(m.assignment()));
          assert.deepEqual(all.sort(), everything, 'each partition assigned exactly once');
          assert.equal(members.filter((m) => m.assignment().length === 0).length, 1, 'one member idle');
        });
        const description = await bb.describeGroup(groupId);
        assert.equal(description.members.length, 4);
        assert.deepEqual(description.members.flatMap((m) => sortTp(m.assignment)).sort(), everything);
        assert.ok((await bb.listGroups()).includes(groupId));
        // A member with partitions leaves: the others take its partitions over.
        const leaving = members.find((m) => m.assignment().length > 0) as GroupConsumer;
        await leaving.close();
        members.splice(members.indexOf(leaving), 1);
        await settle(members, () => {
          const all = members.flatMap((m) => sortTp(m.assignment()));
          assert.deepEqual(all.sort(), everything);
          assert.ok(members.every((m) => m.assignment().length === 1));
        });
      } finally {
        for (const m of members) await m.close();
      }
    });

    it('groups: onAssignment listeners hear every rebalance', async (bb) => {
      const topic = uniqueName('listen');
      const groupId = uniqueName('group');
      await bb.createTopic({ name: topic, partitions: 4 });
      const first = await bb.consumer({ groupId, topics: [topic] });
      const heard: TopicPartition[][] = [];
      first.onAssignment((assignment) => heard.push(assignment));
      assert.equal(first.assignment().length, 4);
      const second = await bb.consumer({ groupId, topics: [topic] });
      try {
        await settle([first, second], () => {
          assert.equal(first.assignment().length, 2);
          assert.equal(second.assignment().length, 2);
          assert.ok(heard.length >= 1);
          assert.deepEqual(sortTp(heard[heard.length - 1]), sortTp(first.assignment()));
        });
        await second.close();
        await settle([first], () => {
          assert.equal(first.assignment().length, 4);
          assert.equal(heard[heard.length - 1].length, 4);
        });
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('groups: a member reads, commits, and the next member resumes from the commit', async (bb) => {
      const topic = uniqueName('commit');
      const groupId = uniqueName('group');
      await bb.createTopic({ name: topic, partitions: 2 });
      await bb.produce(
        topic,
        Array.from({ length: 20 }, (_, i) => ({ value: `r${i}`, partition: i % 2 })),
      );
      const first = await bb.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
      const got: ConsumedRecord[] = [];
      await eventually(async () => {
        got.push(...(await first.poll({ maxWaitMs: 200 })));
        assert.equal(got.length, 20);
      }, rebalanceTimeoutMs);
      for (const partition of [0, 1]) {
        const offsets = got.filter((r) => r.partition === partition).map((r) => r.offset);
        assert.deepEqual(offsets, [...Array(10).keys()], 'in offset order within a partition');
      }
      await first.commit();
      assert.deepEqual(
        (await bb.committedOffsets(groupId, topic)).map((o) => [o.partition, o.offset]),
        [
          [0, 10],
          [1, 10],
        ],
      );
      await first.close();
      await bb.produce(topic, [{ value: 'new', partition: 1 }]);
      const second = await bb.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
      try {
        const next: ConsumedRecord[] = [];
        await eventually(async () => {
          next.push(...(await second.poll({ maxWaitMs: 200 })));
          assert.equal(next.length, 1);
        }, rebalanceTimeoutMs);
        assert.equal(text(next[0].value), 'new');
        assert.equal(next[0].offset, 10);
      } finally {
        await second.close();
      }
    });

    it('groups: autoOffsetReset latest starts at the end; poll long-polls for new records', async (bb) => {
      const topic = uniqueName('latest');
      const groupId = uniqueName('group');
      await bb.createTopic({ name: topic, partitions: 1 });
      await bb.produce(topic, [{ value: 'old' }]);
      const member = await bb.consumer({ groupId, topics: [topic], autoOffsetReset: 'latest' });
      try {
        await settle([member], () => assert.equal(member.assignment().length, 1));
        const pending = member.poll({ maxWaitMs: 20_000 });
        await sleep(100);
        const appendedAt = Date.now();
        await bb.produce(topic, [{ value: 'fresh' }]);
        const records = await pending;
        assert.ok(Date.now() - appendedAt < wakeWithinMs + 500);
        assert.deepEqual(
          records.map((r) => text(r.value)),
          ['fresh'],
        );
      } finally {
        await member.close();
      }
    });

    it('groups: seek moves the position; commitOffsets works from outside the group', async (bb) => {
      const topic = uniqueName('seek');
      const groupId = uniqueName('group');
      await bb.createTopic({ name: topic, partitions: 1 });
      await bb.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })),
      );
      await bb.commitOffsets(groupId, [{ topic, partition: 0, offset: 7, metadata: 'admin' }]);
      const committed = await bb.committedOffsets(groupId);
      assert.equal(committed.length, 1);
      assert.equal(committed[0].offset, 7);
      const member = await bb.consumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' });
      try {
        const first = await eventually(async () => {
          const records = await member.poll({ maxWaitMs: 200 });
          assert.ok(records.length > 0);
          return records;
        }, rebalanceTimeoutMs);
        assert.equal(first[0].offset, 7, 'starts at the committed offset');
        member.seek({ topic, partition: 0, offset: 2 });
        const again = await member.poll({ maxWaitMs: 1000 });
        assert.equal(again[0].offset, 2);
      } finally {
        await member.close();
      }
    });

    it('groups: a member that stops polling loses its partitions after its session timeout', async (bb) => {
      const topic = uniqueName('session');
      const groupId = uniqueName('group');
      const sessionTimeoutMs = options.sessionTimeoutMs ?? 500;
      await bb.createTopic({ name: topic, partitions: 2 });
      const idle = await bb.consumer({ groupId, topics: [topic], sessionTimeoutMs });
      const active = await bb.consumer({ groupId, topics: [topic], sessionTimeoutMs: 60_000 });
      try {
        await settle([idle, active], () => assert.equal(active.assignment().length, 1));
        // Only `active` polls from now on.
        await eventually(
          async () => {
            await active.poll({ maxWaitMs: 50 });
            assert.equal(active.assignment().length, 2);
          },
          sessionTimeoutMs + rebalanceTimeoutMs,
          50,
        );
      } finally {
        await idle.close();
        await active.close();
      }
    });

    // ---- durability -----------------------------------------------------------------------------

    test('durability: records and committed offsets survive close and reopen', async () => {
      const topic = uniqueName('reopen');
      const groupId = uniqueName('group');
      const values = Array.from({ length: 100 }, (_, i) => randomBytes(10 + i));
      let bb = await open();
      try {
        await bb.createTopic({ name: topic, partitions: 2 });
        await bb.produce(
          topic,
          values.map((value, i) => ({ key: `k${i}`, value, headers: { i: String(i) } })),
        );
        await bb.commitOffsets(groupId, [
          { topic, partition: 0, offset: 3 },
          { topic, partition: 1, offset: 5 },
        ]);
      } finally {
        await bb.close();
      }
      await assert.rejects(bb.listTopics(), BackboneClosedError);
      bb = await open();
      try {
        assert.ok((await bb.listTopics()).includes(topic));
        const got = [...(await fetchAll(bb, topic, 0)), ...(await fetchAll(bb, topic, 1))];
        assert.equal(got.length, values.length);
        for (const r of got) {
          const i = Number(r.headers.i.toString());
          assert.ok(r.value?.equals(values[i]));
          assert.equal(text(r.key), `k${i}`);
        }
        assert.deepEqual(
          (await bb.committedOffsets(groupId, topic)).map((o) => [o.partition, o.offset]),
          [
            [0, 3],
            [1, 5],
          ],
        );
      } finally {
        await bb.close();
      }
    });

    // ---- retention and compaction ---------------------------------------------------------------

    it('retention: records older than retention.ms are removed, offsets are not renumbered', async (bb) => {
      const topic = uniqueName('retention-time');
      await bb.createTopic({
        name: topic,
        partitions: 1,
        config: { ...cleanupConfig, 'retention.ms': 60_000 },
      });
      const old = Date.now() - 3_600_000;
      await bb.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ value: `old${i}`, timestamp: old + i })),
      );
      if (options.segmentRollWaitMs) await sleep(options.segmentRollWaitMs);
      await bb.produce(
        topic,
        Array.from({ length: 5 }, (_, i) => ({ value: `new${i}` })),
      );
      await afterCleanup(bb, async () => {
        const [offsets] = await bb.listOffsets(topic);
        assert.equal(offsets.earliest, 10);
        assert.equal(offsets.latest, 15);
      });
      const kept = await fetchAll(bb, topic, 0);
      assert.deepEqual(
        kept.map((r) => [r.offset, text(r.value)]),
        [10, 11, 12, 13, 14].map((o) => [o, `new${o - 10}`]),
      );
      const error = await bb.fetch({ topic, partition: 0, offset: 0 }).catch((e: unknown) => e);
      assert.ok(error instanceof OffsetOutOfRangeError, String(error));
      assert.equal(error.earliest, 10);
    });

    it('retention: a partition is trimmed from its oldest records to retention.bytes', async (bb) => {
      const topic = uniqueName('retention-size');
      const limit = 20_000;
      await bb.createTopic({
        name: topic,
        partitions: 1,
        config: { ...cleanupConfig, 'retention.bytes': limit },
      });
      for (let i = 0; i < 100; i++) await bb.produce(topic, [{ value: Buffer.alloc(1000, i) }]);
      await afterCleanup(bb, async () => {
        const [offsets] = await bb.listOffsets(topic);
        // wait for what is asserted below (at most 40 kept): a retention pass can run while the
        // records are still being written and trim only the part written so far
        assert.ok(offsets.earliest >= 60, `earliest is ${offsets.earliest}`);
        assert.equal(offsets.latest, 100);
      });
      const kept = await fetchAll(bb, topic, 0);
      assert.ok(kept.length >= 1 && kept.length <= 40, `${kept.length} records kept`);
      assert.equal(kept[kept.length - 1].offset, 99);
      assert.ok(kept[kept.length - 1].value?.equals(Buffer.alloc(1000, 99)));
    });

    it('compaction: the latest value per key is kept, at its original offset; tombstones stay for delete.retention.ms', async (bb) => {
      const topic = uniqueName('compact');
      await bb.createTopic({
        name: topic,
        partitions: 1,
        config: { ...cleanupConfig, 'cleanup.policy': 'compact', 'delete.retention.ms': 3_600_000 },
      });
      await bb.produce(topic, [
        { key: 'a', value: 'a1' },
        { key: 'b', value: 'b1' },
        { key: 'a', value: 'a2' },
        { key: 'c', value: 'c1' },
        { key: 'b', value: null },
        { key: 'a', value: 'a3' },
      ]);
      if (options.segmentRollWaitMs) await sleep(options.segmentRollWaitMs);
      await bb.produce(topic, [{ key: 'end', value: 'marker' }]);
      await afterCleanup(bb, async () => {
        const records = (await fetchAll(bb, topic, 0)).filter((r) => r.offset < 6);
        assert.deepEqual(
          records.map((r) => [r.offset, text(r.key), text(r.value)]),
          [
            [3, 'c', 'c1'],
            [4, 'b', null],
            [5, 'a', 'a3'],
          ],
        );
      });
      const [offsets] = await bb.listOffsets(topic);
      assert.equal(offsets.latest, 7, 'offsets are never renumbered');
    });

    it('compaction: tombstones are removed once delete.retention.ms has passed', async (bb) => {
      const topic = uniqueName('tombstone');
      await bb.createTopic({
        name: topic,
        partitions: 1,
        config: { ...cleanupConfig, 'cleanup.policy': 'compact', 'delete.retention.ms': 0 },
      });
      const old = Date.now() - 60_000;
      await bb.produce(topic, [
        { key: 'gone', value: 'v', timestamp: old },
        { key: 'stays', value: 'v', timestamp: old },
        { key: 'gone', value: null, timestamp: old },
      ]);
      if (options.segmentRollWaitMs) await sleep(options.segmentRollWaitMs);
      await bb.produce(topic, [{ key: 'end', value: 'marker' }]);
      await afterCleanup(bb, async () => {
        // Kafka removes a tombstone on a later cleaning pass than the one that compacts its key
        // (KIP-534), and its cleaner runs only on a dirty log: a fresh write makes the next pass.
        await bb.produce(topic, [{ key: 'end', value: 'marker' }]);
        const records = (await fetchAll(bb, topic, 0)).filter((r) => r.offset < 3);
        assert.deepEqual(
          records.map((r) => text(r.key)),
          ['stays'],
        );
      });
    });

    it('compaction: a record without a key is refused on a compacted topic', async (bb) => {
      const topic = uniqueName('compact-nokey');
      await bb.createTopic({ name: topic, partitions: 1, config: { 'cleanup.policy': 'compact' } });
      await assert.rejects(bb.produce(topic, [{ value: 'no key' }]), InvalidRecordError);
      assert.equal((await bb.listOffsets(topic))[0].latest, 0);
    });

    // ---- metadata store -------------------------------------------------------------------------

    test('metadata store: put, get, list by prefix, delete; survives reopen; shared between instances', async () => {
      const topic = uniqueName('__tml_metadata_test');
      let bb = await open();
      try {
        const store = await MetadataStore.open(bb, { topic });
        await store.put('producers/a', { id: 'a', n: 1 });
        await store.put('producers/b', { id: 'b', n: 2 });
        await store.put('tokens/x', 'secret');
        await store.put('producers/a', { id: 'a', n: 3 });
        assert.deepEqual(await store.get('producers/a'), { id: 'a', n: 3 });
        assert.equal(await store.get('missing'), undefined);
        assert.deepEqual(
          (await store.list('producers/')).map((e) => e.key),
          ['producers/a', 'producers/b'],
        );
        assert.equal((await store.list()).length, 3);
        assert.equal(await store.delete('producers/b'), true);
        assert.equal(await store.delete('producers/b'), false);
        assert.equal(await store.get('producers/b'), undefined);
        // A second store on the same topic sees the first one's writes, and the other way round.
        const other = await MetadataStore.open(bb, { topic });
        assert.deepEqual(await other.get('producers/a'), { id: 'a', n: 3 });
        await other.put('models/m1', { version: 1 });
        assert.deepEqual(await store.get('models/m1'), { version: 1 });
      } finally {
        await bb.close();
      }
      bb = await open();
      try {
        const store = await MetadataStore.open(bb, { topic });
        assert.deepEqual(
          (await store.list()).map((e) => [e.key, e.value]),
          [
            ['models/m1', { version: 1 }],
            ['producers/a', { id: 'a', n: 3 }],
            ['tokens/x', 'secret'],
          ],
        );
        // Compaction does not change what the store reads.
        await options.runCleanup?.(bb);
        const again = await MetadataStore.open(bb, { topic });
        assert.deepEqual(await again.get('producers/a'), { id: 'a', n: 3 });
        assert.equal(await again.get('producers/b'), undefined);
      } finally {
        await bb.close();
      }
    });

    // ---- transactions ---------------------------------------------------------------------------

    /** A topic with a committed record or offset shows it within this long (Kafka writes the markers after the commit). */
    const txVisibleMs = Math.max(rebalanceTimeoutMs, 2000);
    const values = async (bb: Backbone, topic: string): Promise<(string | null)[]> =>
      (await fetchAll(bb, topic, 0)).map((r) => text(r.value));

    it('transactions: a commit shows the records of two topics and the offsets together', async (bb) => {
      const [input, a, b] = [uniqueName('tx-in'), uniqueName('tx-a'), uniqueName('tx-b')];
      const groupId = uniqueName('tx-group');
      for (const name of [input, a, b]) await bb.createTopic({ name, partitions: 1 });
      await bb.produce(input, [{ value: 'i0' }, { value: 'i1' }, { value: 'i2' }]);
      const producer = await bb.transactionalProducer({ transactionalId: uniqueName('tx-id') });
      try {
        let waiting: Promise<FetchResult> | undefined;
        const result = await producer.transaction(async (tx) => {
          await tx.produce(a, [{ key: 'k', value: 'a1' }]);
          await tx.produce(b, [{ value: 'b1' }, { value: 'b2' }]);
          await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 3 }]);
          // nothing of an open transaction is visible
          assert.deepEqual((await bb.fetch({ topic: a, partition: 0, offset: 0 })).records, []);
          assert.deepEqual(await bb.committedOffsets(groupId), []);
          // a reader waiting on the output wakes on the commit (Kafka: a pending long poll holds the
          // reader's connection, so it starts after the other reads)
          waiting = bb.fetch({ topic: a, partition: 0, offset: 0, maxWaitMs: 10_000 });
          return 'done';
        });
        assert.equal(result, 'done');
        const waitStarted = Date.now();
        const woken = await waiting!;
        assert.deepEqual(
          woken.records.map((r) => text(r.value)),
          ['a1'],
        );
        assert.ok(Date.now() - waitStarted < 5_000, 'the long poll was not woken by the commit');
        await eventually(async () => {
          assert.deepEqual(await values(bb, a), ['a1']);
          assert.deepEqual(await values(bb, b), ['b1', 'b2']);
          assert.deepEqual(
            (await bb.committedOffsets(groupId)).map((o) => [o.topic, o.partition, o.offset]),
            [[input, 0, 3]],
          );
        }, txVisibleMs);
      } finally {
        await producer.close();
      }
    });

    it('transactions: an abort (the work throws, or a call is refused) leaves nothing and keeps the offsets', async (bb) => {
      const [input, out] = [uniqueName('tx-in'), uniqueName('tx-out')];
      const groupId = uniqueName('tx-group');
      await bb.createTopic({ name: input, partitions: 1 });
      await bb.createTopic({ name: out, partitions: 1 });
      await bb.produce(input, [{ value: 'i0' }, { value: 'i1' }]);
      await bb.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 1 }]);
      const producer = await bb.transactionalProducer({ transactionalId: uniqueName('tx-id') });
      try {
        const boom = new Error('the work failed');
        await assert.rejects(
          producer.transaction(async (tx) => {
            await tx.produce(out, [{ value: 'aborted-1' }]);
            await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 2 }]);
            throw boom;
          }),
          (error) => error === boom,
        );
        // a refused call aborts the whole transaction even when the work catches it
        await assert.rejects(
          producer.transaction(async (tx) => {
            await tx.produce(out, [{ value: 'aborted-2' }]);
            await tx.produce(uniqueName('tx-missing'), [{ value: 'x' }]).catch(() => undefined);
            await tx.commitOffsets(groupId, [{ topic: input, partition: 0, offset: 2 }]);
          }),
          UnknownTopicError,
        );
        // the producer carries on after an abort
        await producer.transaction((tx) => tx.produce(out, [{ value: 'committed' }]));
        await bb.produce(out, [{ value: 'plain' }]);
        await eventually(async () => {
          assert.deepEqual(await values(bb, out), ['committed', 'plain']);
        }, txVisibleMs);
        assert.deepEqual(
          (await bb.committedOffsets(groupId)).map((o) => o.offset),
          [1],
        );
      } finally {
        await producer.close();
      }
    });

    it('transactions: a second producer with the same id fences the first', async (bb) => {
      const out = uniqueName('tx-out');
      await bb.createTopic({ name: out, partitions: 1 });
      const transactionalId = uniqueName('tx-id');
      const zombie = await bb.transactionalProducer({ transactionalId });
      let successor: TransactionalProducer | undefined;
      try {
        await zombie.transaction((tx) => tx.produce(out, [{ value: 'before' }]));
        await assert.rejects(
          zombie.transaction(async (tx) => {
            await tx.produce(out, [{ value: 'zombie' }]);
            successor = await bb.transactionalProducer({ transactionalId });
          }),
          ProducerFencedError,
        );
        await assert.rejects(
          zombie.transaction((tx) => tx.produce(out, [{ value: 'zombie-again' }])),
          ProducerFencedError,
        );
        assert.ok(successor);
        await successor.transaction((tx) => tx.produce(out, [{ value: 'after' }]));
        await eventually(async () => {
          assert.deepEqual(await values(bb, out), ['before', 'after']);
        }, txVisibleMs);
      } finally {
        await zombie.close();
        await successor?.close();
      }
    });

    it('transactions: concurrent calls queue, one transaction at a time; close refuses later ones', async (bb) => {
      const out = uniqueName('tx-out');
      await bb.createTopic({ name: out, partitions: 1 });
      const producer = await bb.transactionalProducer({ transactionalId: uniqueName('tx-id') });
      let running = 0;
      let overlapped = false;
      const step = (value: string) =>
        producer.transaction(async (tx) => {
          if (running++ > 0) overlapped = true;
          await tx.produce(out, [{ value: `${value}-1` }]);
          await sleep(20);
          await tx.produce(out, [{ value: `${value}-2` }]);
          running--;
          return value;
        });
      assert.deepEqual(await Promise.all([step('x'), step('y'), step('z')]), ['x', 'y', 'z']);
      assert.equal(overlapped, false, 'two transactions of one producer overlapped');
      await eventually(async () => {
        assert.deepEqual(await values(bb, out), ['x-1', 'x-2', 'y-1', 'y-2', 'z-1', 'z-2']);
      }, txVisibleMs);
      await producer.close();
      await assert.rejects(
        producer.transaction((tx) => tx.produce(out, [{ value: 'late' }])),
        ProducerClosedError,
      );
    });

    // ---- lifecycle ------------------------------------------------------------------------------

    test('lifecycle: a closed backbone refuses calls with BackboneClosedError', async () => {
      const bb = await open();
      await bb.close();
      await assert.rejects(bb.listTopics(), BackboneClosedError);
      await assert.rejects(bb.produce('x', [{ value: 'x' }]), BackboneClosedError);
      await bb.close(); // closing twice is fine
    });
  });
}
