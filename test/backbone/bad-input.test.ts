// Bad input: each case gets a typed error that names the problem, the backbone stays usable, and
// nothing already stored changes (every test compares a snapshot taken before with one after).
// The first part runs on every backbone; the second covers what only the embedded store has: its
// data directory (corrupted, foreign, locked) and its disk (full).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  BackboneError,
  CorruptStoreError,
  InvalidConfigError,
  InvalidPartitionsError,
  InvalidRecordError,
  InvalidTopicNameError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  StorageFullError,
  StoreLockedError,
  UnknownTopicError,
} from '../../src/backbone/errors.js';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { DATABASE_FILE } from '../../src/backbone/embedded/log-store.js';
import type { Backbone, ProducerRecord } from '../../src/backbone/types.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import { startWriter } from './child.js';

/** Everything a topic holds, as comparable text: offsets, timestamps, keys, values, headers. */
async function snapshot(backbone: Backbone, topics: string[]): Promise<string> {
  const out: unknown[] = [];
  for (const topic of topics) {
    const offsets = await backbone.listOffsets(topic);
    out.push({ topic, offsets });
    for (const { partition, earliest, latest } of offsets) {
      for (let offset = earliest; offset < latest;) {
        const { records } = await backbone.fetch({ topic, partition, offset, maxRecords: 1000 });
        if (records.length === 0) break;
        for (const r of records) {
          out.push([
            r.partition,
            r.offset,
            r.timestamp,
            r.key?.toString('hex') ?? null,
            r.value?.toString('hex') ?? null,
            Object.entries(r.headers).map(([k, v]) => [k, v.toString('hex')]),
          ]);
        }
        offset = records[records.length - 1].offset + 1;
      }
    }
  }
  return JSON.stringify(out);
}

/** Asserts that `promise` rejects with an instance of `type` whose message matches `mentions`. */
async function rejectsWith(
  promise: Promise<unknown>,
  type: new (...args: never[]) => Error,
  mentions: RegExp,
): Promise<Error> {
  const error = await promise.then(
    () => assert.fail(`expected ${type.name}, but the call succeeded`),
    (e: unknown) => e as Error,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.match(error.message, mentions);
  return error;
}

function seedRecords(n: number): ProducerRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    value: Buffer.from(`value ${i} `.repeat(1 + (i % 5))),
    headers: { i: String(i) },
  }));
}

// ---- every backbone -------------------------------------------------------------------------------

await forEachBackbone((env) => {
  let backbone: Backbone;
  let good: string;
  let probe: string;
  let before_: string;

  before(async () => {
    backbone = await env.open();
    good = uniqueName('good');
    probe = uniqueName('probe');
    await backbone.createTopic({ name: good, partitions: 2 });
    await backbone.createTopic({ name: probe, partitions: 1 });
    await backbone.produce(good, seedRecords(40));
    before_ = await snapshot(backbone, [good]);
  });
  after(() => backbone?.close());

  /** Nothing stored changed and the backbone still appends and fetches. */
  async function unchangedAndUsable(): Promise<void> {
    assert.equal(await snapshot(backbone, [good]), before_, 'stored records changed');
    const [meta] = await backbone.produce(probe, [{ value: 'still works' }]);
    const { records } = await backbone.fetch({ topic: probe, partition: 0, offset: meta.offset });
    assert.equal(records[0].value?.toString(), 'still works');
  }

  test('bad input: topic names outside Kafka rules are refused with InvalidTopicNameError', async () => {
    const topicsBefore = await backbone.listTopics();
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['.', /not allowed/],
      ['..', /not allowed/],
      ['x'.repeat(250), /250 characters, the maximum is 249/],
      ['has space', /only ASCII letters/],
      ['slash/name', /only ASCII letters/],
      ['ünicode', /only ASCII letters/],
      ['tab\there', /only ASCII letters/],
      ['semi;colon', /only ASCII letters/],
    ];
    for (const [name, reason] of cases) {
      const error = await rejectsWith(
        backbone.createTopic({ name, partitions: 1 }),
        InvalidTopicNameError,
        reason,
      );
      assert.equal((error as BackboneError).code, 'INVALID_TOPIC_NAME');
    }
    assert.deepEqual(await backbone.listTopics(), topicsBefore);
    // The longest legal name works.
    const longest = `${uniqueName('l')}-`.padEnd(249, 'x');
    await backbone.createTopic({ name: longest, partitions: 1 });
    await backbone.deleteTopic(longest);
    await unchangedAndUsable();
  });

  test('bad input: zero, negative or fractional partition counts are refused with InvalidPartitionsError', async () => {
    const topicsBefore = await backbone.listTopics();
    for (const partitions of [0, -1, -100, 1.5, Number.NaN]) {
      const name = uniqueName('parts');
      await rejectsWith(
        backbone.createTopic({ name, partitions }),
        InvalidPartitionsError,
        /partitions must be a positive integer/,
      );
    }
    assert.deepEqual(await backbone.listTopics(), topicsBefore);
    await unchangedAndUsable();
  });

  test('bad input: fetching past the end is OffsetOutOfRangeError naming the stored range', async () => {
    const offsets = await backbone.listOffsets(good);
    const latest = offsets[0].latest;
    for (const offset of [latest + 1, latest + 1000]) {
      const error = (await rejectsWith(
        backbone.fetch({ topic: good, partition: 0, offset }),
        OffsetOutOfRangeError,
        new RegExp(`offset ${offset} is out of range for ${good}-0`),
      )) as OffsetOutOfRangeError;
      assert.equal(error.latest, latest);
      assert.equal(error.earliest, 0);
    }
    // At the end is not an error: there is just nothing yet.
    assert.equal((await backbone.fetch({ topic: good, partition: 0, offset: latest })).records.length, 0);
    await unchangedAndUsable();
  });

  test('bad input: records over the size limit are refused with RecordTooLargeError, the whole batch with them', async () => {
    const small = uniqueName('small');
    await backbone.createTopic({ name: small, partitions: 1, config: { 'max.message.bytes': 2048 } });
    const error = (await rejectsWith(
      backbone.produce(small, [{ value: 'fine' }, { value: Buffer.alloc(4096) }]),
      RecordTooLargeError,
      // the size counted may include the backbone's framing (Kafka counts its record batch)
      new RegExp(`\\d+ bytes exceeds the limit of 2048 bytes for topic '${small}'`),
    )) as RecordTooLargeError;
    assert.equal(error.limit, 2048);
    assert.equal(
      (await backbone.listOffsets(small))[0].latest,
      0,
      'the good record of the batch was not stored',
    );
    // The backbone's default limit (1 MiB) applies to topics without their own.
    await rejectsWith(
      backbone.produce(good, [{ value: Buffer.alloc(1024 * 1024 + 1024) }]),
      RecordTooLargeError,
      /exceeds the limit/,
    );
    await unchangedAndUsable();
  });

  test('bad input: unknown topics are UnknownTopicError', async () => {
    const missing = uniqueName('missing');
    await rejectsWith(backbone.produce(missing, [{ value: 'x' }]), UnknownTopicError, new RegExp(missing));
    await rejectsWith(
      backbone.fetch({ topic: missing, partition: 0, offset: 0 }),
      UnknownTopicError,
      /does not exist/,
    );
    await unchangedAndUsable();
  });
});

// ---- the embedded backbone's own ------------------------------------------------------------------

describe('embedded bad input', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tml-bad-input-'));
  });
  after(() => rm(root, { recursive: true, force: true }));
  let n = 0;
  const freshDir = (): string => join(root, `d${++n}`);

  /** A store with one topic of 30 records; returns its snapshot. */
  async function seededStore(dataDir: string): Promise<string> {
    const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    await backbone.createTopic({ name: 'kept', partitions: 3 });
    await backbone.produce('kept', seedRecords(30));
    const shot = await snapshot(backbone, ['kept']);
    await backbone.close();
    return shot;
  }

  test('records: malformed records and requests are InvalidRecordError / InvalidConfigError naming the field', async () => {
    const dataDir = freshDir();
    const expected = await seededStore(dataDir);
    const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const bad: Array<[unknown, RegExp]> = [
        [{ value: 42 }, /value must be a Buffer, a string or null, got number/],
        [{ key: { a: 1 }, value: 'x' }, /key must be a Buffer, a string or null, got an object/],
        [{ value: 'x', headers: { h: 7 } }, /header 'h' must be a Buffer or a string, got number/],
        [{ value: 'x', timestamp: -5 }, /timestamp must be a non-negative integer/],
        [{ key: 'k' }, /needs a 'value'/],
        [null, /must be an object/],
      ];
      for (const [record, message] of bad) {
        await rejectsWith(
          backbone.produce('kept', [{ value: 'ok' }, record as ProducerRecord]),
          InvalidRecordError,
          message,
        );
      }
      await rejectsWith(
        backbone.produce('kept', 'not an array' as unknown as ProducerRecord[]),
        InvalidRecordError,
        /array/,
      );
      await rejectsWith(
        backbone.fetch({ topic: 'kept', partition: 0, offset: -1 }),
        InvalidConfigError,
        /non-negative/,
      );
      await rejectsWith(
        backbone.createTopic({ name: 'cfg', config: { 'retention.ms': 'soon' as unknown as number } }),
        InvalidConfigError,
        /retention.ms must be an integer/,
      );
      await rejectsWith(
        backbone.createTopic({ name: 'cfg', config: { 'no.such.config': 1 } as never }),
        InvalidConfigError,
        /unknown topic config 'no.such.config'/,
      );
      await rejectsWith(
        backbone.createTopic({ name: 'cfg', config: { 'cleanup.policy': 'shred' as never } }),
        InvalidConfigError,
        /cleanup.policy/,
      );
      // As Kafka: names that differ only in '.' versus '_' collide.
      await backbone.createTopic({ name: 'a.b', partitions: 1 });
      await rejectsWith(
        backbone.createTopic({ name: 'a_b', partitions: 1 }),
        InvalidTopicNameError,
        /collides with .*'a.b'/,
      );
      assert.deepEqual(await backbone.listTopics(), ['a.b', 'kept']);
      assert.equal(await snapshot(backbone, ['kept']), expected);
    } finally {
      await backbone.close();
    }
  });

  test('records: the backbone-wide maxMessageBytes applies, and a topic may lower or raise it', async () => {
    const backbone = await EmbeddedBackbone.open({ dataDir: freshDir(), maxMessageBytes: 1000 });
    try {
      await backbone.createTopic({ name: 't', partitions: 1 });
      await backbone.createTopic({ name: 'big', partitions: 1, config: { 'max.message.bytes': 5000 } });
      await backbone.produce('t', [{ value: Buffer.alloc(1000) }]);
      await rejectsWith(
        backbone.produce('t', [{ value: Buffer.alloc(1001) }]),
        RecordTooLargeError,
        /limit of 1000/,
      );
      // Key and headers count too.
      await rejectsWith(
        backbone.produce('t', [{ key: Buffer.alloc(10), value: Buffer.alloc(995) }]),
        RecordTooLargeError,
        /1005 bytes/,
      );
      await backbone.produce('big', [{ value: Buffer.alloc(5000) }]);
      assert.equal((await backbone.listOffsets('t'))[0].latest, 1);
    } finally {
      await backbone.close();
    }
  });

  test('fetch before the earliest offset (after retention) is OffsetOutOfRangeError', async () => {
    const backbone = await EmbeddedBackbone.open({ dataDir: freshDir(), maintenanceIntervalMs: 0 });
    try {
      await backbone.createTopic({ name: 'r', partitions: 1, config: { 'retention.ms': 1000 } });
      await backbone.produce('r', [{ value: 'old', timestamp: Date.now() - 60_000 }]);
      await backbone.produce('r', [{ value: 'new' }]);
      backbone.runMaintenance();
      const error = (await rejectsWith(
        backbone.fetch({ topic: 'r', partition: 0, offset: 0 }),
        OffsetOutOfRangeError,
        /stored offsets: 1\.\.2/,
      )) as OffsetOutOfRangeError;
      assert.equal(error.earliest, 1);
      const { records } = await backbone.fetch({ topic: 'r', partition: 0, offset: 1 });
      assert.equal(records[0].value?.toString(), 'new');
    } finally {
      await backbone.close();
    }
  });

  test('data directory: a file that is not a database is CorruptStoreError, and is left untouched', async () => {
    const dataDir = freshDir();
    await mkdir(dataDir, { recursive: true });
    const garbage = Buffer.from('this is not a SQLite database, it is a shopping list\n'.repeat(200));
    await writeFile(join(dataDir, DATABASE_FILE), garbage);
    await rejectsWith(
      EmbeddedBackbone.open({ dataDir }),
      CorruptStoreError,
      /not a tml backbone store or is damaged/,
    );
    assert.ok((await readFile(join(dataDir, DATABASE_FILE))).equals(garbage));
  });

  test("data directory: another program's SQLite database is CorruptStoreError, and is left untouched", async () => {
    const dataDir = freshDir();
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, DATABASE_FILE);
    const foreign = new Database(path);
    foreign.exec(`CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada'), ('grace');`);
    foreign.close();
    const bytes = await readFile(path);
    await rejectsWith(EmbeddedBackbone.open({ dataDir }), CorruptStoreError, /tml did not create .*users/);
    assert.ok((await readFile(path)).equals(bytes), 'the foreign database was modified');
  });

  test('data directory: a path that is a file is CorruptStoreError', async () => {
    const path = join(root, 'plain-file');
    await writeFile(path, 'hello');
    await rejectsWith(
      EmbeddedBackbone.open({ dataDir: path }),
      CorruptStoreError,
      /is a file, not a directory/,
    );
    assert.equal(await readFile(path, 'utf8'), 'hello');
  });

  test('data directory: a damaged store is CorruptStoreError at open, or at the read that meets the damage', async () => {
    const dataDir = freshDir();
    await seededStore(dataDir);
    const backbone0 = await EmbeddedBackbone.open({ dataDir });
    await backbone0.createTopic({ name: 'bulk', partitions: 1 });
    for (let i = 0; i < 20; i++) await backbone0.produce('bulk', [{ value: Buffer.alloc(8000, i) }]);
    await backbone0.close();
    const path = join(dataDir, DATABASE_FILE);
    const bytes = await readFile(path);
    // Scribble over a page in the middle of the file.
    const damaged = Buffer.from(bytes);
    const page = Math.floor(bytes.length / 4096 / 2);
    for (let i = 0; i < 4096; i++) damaged[page * 4096 + i] = (i * 7 + 13) & 0xff;
    await writeFile(path, damaged);
    await rejectsWith(EmbeddedBackbone.open({ dataDir }), CorruptStoreError, /damaged/);
    assert.ok((await readFile(path)).equals(damaged), 'a failed open must not write');
    // With the open-time check off, the damage surfaces where it is read, as the same typed error.
    const backbone = await EmbeddedBackbone.open({ dataDir, integrityCheckMaxBytes: 0 }).catch(
      (e: unknown) => e,
    );
    if (backbone instanceof EmbeddedBackbone) {
      try {
        const failures: unknown[] = [];
        for (const topic of await backbone.listTopics()) {
          for (const { partition, latest } of await backbone.listOffsets(topic)) {
            for (let offset = 0; offset < latest; offset++) {
              const read = await backbone
                .fetch({ topic, partition, offset, maxRecords: 1 })
                .catch((e: unknown) => failures.push(e));
              // What reads without an error is right: damage never comes back as wrong bytes.
              if (topic === 'bulk' && typeof read === 'object') {
                assert.ok(
                  read.records[0].value?.equals(Buffer.alloc(8000, offset)),
                  `bulk ${offset} differs`,
                );
              }
            }
          }
        }
        assert.ok(failures.length > 0, 'some read met the damaged page');
        for (const e of failures) assert.ok(e instanceof CorruptStoreError, String(e));
      } finally {
        await backbone.close();
      }
    } else {
      assert.ok(backbone instanceof CorruptStoreError, String(backbone));
    }
  });

  test('data directory: a second process gets StoreLockedError naming the PID that holds it', async () => {
    const dataDir = freshDir();
    await seededStore(dataDir);
    const holder = startWriter([dataDir, 'hold']);
    try {
      await holder.ready;
      const error = await rejectsWith(
        EmbeddedBackbone.open({ dataDir }),
        StoreLockedError,
        new RegExp(`in use by process ${holder.child.pid}`),
      );
      assert.match(error.message, /one process per data directory/);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    // Once the holder is gone the store opens, intact.
    const backbone = await EmbeddedBackbone.open({ dataDir });
    assert.deepEqual(await backbone.listTopics(), ['crash-test', 'kept']);
    await backbone.close();
  });

  test('data directory: a second open in the same process gets StoreLockedError', async () => {
    const dataDir = freshDir();
    const first = await EmbeddedBackbone.open({ dataDir });
    try {
      await rejectsWith(EmbeddedBackbone.open({ dataDir }), StoreLockedError, /already open in this process/);
      await first.createTopic({ name: 'still-works' });
    } finally {
      await first.close();
    }
    const again = await EmbeddedBackbone.open({ dataDir });
    assert.deepEqual(await again.listTopics(), ['still-works']);
    await again.close();
  });

  test('full disk: StorageFullError, nothing half-written, everything stored intact, usable again once space is freed', async () => {
    const dataDir = freshDir();
    const limit = 400 * 1024;
    const backbone = await EmbeddedBackbone.open({
      dataDir,
      maxStorageBytes: limit,
      maintenanceIntervalMs: 0,
    });
    let expected: string;
    try {
      await backbone.createTopic({ name: 'data', partitions: 3 });
      await backbone.createTopic({ name: 'filler', partitions: 1 });
      await backbone.produce('filler', [
        { value: Buffer.alloc(60_000, 1) },
        { value: Buffer.alloc(60_000, 2) },
      ]);
      let full: unknown;
      for (let i = 0; i < 1000 && !full; i++) {
        const shot = await snapshot(backbone, ['data', 'filler']);
        // Batches over all 3 partitions: a failure in the middle of one must leave none of it.
        const batch = Array.from({ length: 9 }, (_, j) => ({
          key: `k${i}-${j}`,
          value: Buffer.alloc(1500, i & 0xff),
        }));
        full = await backbone.produce('data', batch).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (full)
          assert.equal(await snapshot(backbone, ['data', 'filler']), shot, 'the failed batch left records');
      }
      assert.ok(full instanceof StorageFullError, `expected StorageFullError, got ${String(full)}`);
      assert.match(full.message, /storage full while appending 9 record\(s\) to topic 'data'/);
      assert.match(full.message, /nothing of this operation was stored/);
      expected = await snapshot(backbone, ['data']);
      // Still full: other appends fail the same way; reads work.
      await assert.rejects(
        backbone.produce('data', [{ key: 'x', value: Buffer.alloc(20_000) }]),
        StorageFullError,
      );
      assert.equal(await snapshot(backbone, ['data']), expected);
      // Freeing space (deleting a topic) makes appends possible again.
      await backbone.deleteTopic('filler');
      await backbone.produce('data', [{ key: 'after', value: 'freed', partition: 0 }]);
      expected = await snapshot(backbone, ['data']);
    } finally {
      await backbone.close();
    }
    const reopened = await EmbeddedBackbone.open({ dataDir, maxStorageBytes: limit });
    try {
      assert.equal(await snapshot(reopened, ['data']), expected);
    } finally {
      await reopened.close();
    }
  });
});
