// The embedded backbone's storage: one SQLite database (better-sqlite3) in the data directory, in
// WAL mode, for one process at a time (a lock file, below). Every append is one transaction, so
// a batch is all there or not there at all, and a committed append survives a kill -9 of the
// process (see docs/backbone.md for why `synchronous=NORMAL` is enough for that).
//
// Records are stored in batches (record-batch.ts), one row per produce call and partition, as Kafka
// stores record batches. A batch's row id packs the partition and the batch's first offset:
// (partition id << 43) + base offset, so a fetch is a range scan of the table's own B-tree and an
// append writes no secondary index. The arithmetic runs inside SQLite (64-bit integers), so
// JavaScript never handles a packed id.
import Database from 'better-sqlite3';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { BackboneError, CorruptStoreError, StorageFullError, StoreLockedError } from '../errors.js';
import type { ConsumedRecord, TopicConfig } from '../types.js';
import { Checkpointer, type CheckpointTuning } from './checkpointer.js';
import { decodeBatch, encodeBatch, readBatchInto, recordBytes } from './record-batch.js';

export const DATABASE_FILE = 'backbone.sqlite';
export const PID_FILE = 'backbone.pid';
export const LOCK_FILE = 'backbone.lock';
/** SQLite page size of new stores (bytes). */
const PAGE_SIZE = 16384;
/** 'tmlb': marks the SQLite file as a tml backbone store (PRAGMA application_id). */
const APPLICATION_ID = 0x746d6c62;
const SCHEMA_VERSION = 1;
/** Offsets get 43 bits (8.8 × 10^12 records per partition); partition ids the remaining 20. */
export const OFFSET_BITS = 43;
export const MAX_PARTITION_ID = 2 ** 20 - 1;
const OFFSET_MASK = '8796093022207'; // 2^43 - 1
/**
 * The WAL file is cut back to this size when it starts over. It grows to about 128 MiB between
 * restarts (checkpointer.ts): cutting it shorter would only make the file grow again each time.
 */
const WAL_SIZE_LIMIT = 160 * 1024 * 1024;
/** Below this size the whole file is checked at open (PRAGMA quick_check); above, errors surface on read. */
export const DEFAULT_INTEGRITY_CHECK_BYTES = 64 * 1024 * 1024;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE topics (
  name TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL,
  replication_factor INTEGER NOT NULL,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE partitions (
  id INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  log_start_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  max_timestamp INTEGER NOT NULL,
  UNIQUE (topic, partition)
);
CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  last_offset INTEGER NOT NULL,
  count INTEGER NOT NULL,
  max_timestamp INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  payload BLOB NOT NULL
);
CREATE TABLE time_index (
  partition_id INTEGER NOT NULL,
  max_timestamp INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (partition_id, max_timestamp)
) WITHOUT ROWID;
CREATE TABLE group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  metadata TEXT,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
`;

export interface StoredTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: TopicConfig;
}

export interface StoredPartition {
  id: number;
  topic: string;
  partition: number;
  logStartOffset: number;
  nextOffset: number;
  bytes: number;
  maxTimestamp: number;
}

/** One partition's part of an append: one record batch and the partition state after it. */
export interface PartitionAppend {
  partitionId: number;
  baseOffset: number;
  lastOffset: number;
  count: number;
  maxTimestamp: number;
  /** key + value + headers bytes of the batch's records. */
  bytes: number;
  payload: Buffer;
  /** Set when the batch raised the partition's largest timestamp: a time-index entry. */
  timeIndex?: { maxTimestamp: number; offset: number };
}

/** One group's offsets to commit. */
export interface GroupOffsets {
  groupId: string;
  offsets: { topic: string; partition: number; offset: number; metadata?: string }[];
}

export interface CommittedOffsetRow {
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

export interface LogStoreOptions {
  dataDir: string;
  /** 'normal' (default): survives a process crash; 'full': also survives power loss, slower. */
  synchronous?: 'normal' | 'full';
  /** Simulated disk size: the database file may not grow beyond this many bytes. */
  maxStorageBytes?: number;
  /** Stores up to this size are checked whole at open (default 64 MiB; 0 turns the check off). */
  integrityCheckMaxBytes?: number;
  /** When WAL checkpoints run (checkpointer.ts); the defaults suit production, tests shrink them. */
  checkpoint?: CheckpointTuning;
}

/** Data directories opened by this process, so a second open names this process. */
const openHere = new Set<string>();

type Statement = Database.Statement<unknown[], unknown>;

export class LogStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly lock: Database.Database;
  private readonly checkpointer: Checkpointer;
  private readonly pageSize: number;
  private readonly pidPath: string;
  private readonly key: string;
  private readonly stmt: Record<string, Statement>;
  private readonly appendTx: (appends: PartitionAppend[]) => void;
  private readonly appendAndCommitTx: (appends: PartitionAppend[], commits: GroupOffsets[]) => void;

  private constructor(
    db: Database.Database,
    lock: Database.Database,
    dataDir: string,
    key: string,
    synchronous: 'NORMAL' | 'FULL',
    tuning: CheckpointTuning = {},
  ) {
    this.db = db;
    this.lock = lock;
    this.path = join(dataDir, DATABASE_FILE);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.pidPath = join(dataDir, PID_FILE);
    this.key = key;
    const prepare = (sql: string, raw = false): Statement => {
      // better-sqlite3 binds only anonymous or named parameters, so numbered ones (?1, ?2, reused
      // where SQL needs a value twice) become anonymous ones fed from a reordered argument list.
      const order: number[] = [];
      const anonymous = sql.replace(/\?(\d+)/g, (_, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      const s = db.prepare(anonymous);
      if (raw) s.raw(true);
      if (order.every((n, i) => n === i)) return s;
      const reorder = (args: unknown[]): unknown[] => order.map((i) => args[i]);
      return {
        run: (...args: unknown[]) => s.run(...reorder(args)),
        get: (...args: unknown[]) => s.get(...reorder(args)),
        all: (...args: unknown[]) => s.all(...reorder(args)),
        iterate: (...args: unknown[]) => s.iterate(...reorder(args)),
      } as unknown as Statement;
    };
    const lo = `(?1 << ${OFFSET_BITS})`; // the partition's first row id
    const hi = `((?1 + 1) << ${OFFSET_BITS})`; // the next partition's first row id
    // better-sqlite3 binds JS numbers as REAL, so `lo + ?n` was a REAL: past 2^53 (partition ids
    // from 1024 on) neighbouring offsets rounded to one row id ("UNIQUE constraint failed:
    // batches.id", reads of the wrong batch). The cast keeps row-id arithmetic in 64-bit integers.
    const offset = (n: number): string => `CAST(?${n} AS INTEGER)`;
    this.stmt = {
      insertBatch: prepare(
        `INSERT INTO batches (id, last_offset, count, max_timestamp, bytes, payload)
         VALUES (${lo} + ${offset(2)}, ?3, ?4, ?5, ?6, ?7)`,
      ),
      updatePartition: prepare(`UPDATE partitions SET next_offset = ?2, bytes = bytes + ?3,
        max_timestamp = max(max_timestamp, ?4) WHERE id = ?1`),
      insertTimeIndex: prepare(`INSERT OR REPLACE INTO time_index (partition_id, max_timestamp, offset)
        VALUES (?1, ?2, ?3)`),
      // The batches from the one holding ?2 on.
      batchesFrom: prepare(
        `SELECT id & ${OFFSET_MASK}, payload FROM batches
         WHERE id >= coalesce((SELECT id FROM batches WHERE id >= ${lo} AND id <= ${lo} + ${offset(2)}
                               ORDER BY id DESC LIMIT 1), ${lo})
           AND id < ${hi}
         ORDER BY id`,
        true,
      ),
      timeIndexLookup: prepare(
        `SELECT offset FROM time_index WHERE partition_id = ?1 AND max_timestamp >= ?2
         ORDER BY max_timestamp LIMIT 1`,
        true,
      ),
      batchSizes: prepare(
        `SELECT last_offset, bytes FROM batches WHERE id >= ${lo} AND id < ${hi} ORDER BY id`,
        true,
      ),
      bytesBelow: prepare(
        `SELECT total(bytes) FROM batches WHERE id >= ${lo} AND id < ${lo} + ${offset(2)} AND last_offset < ?2`,
        true,
      ),
      deleteBelow: prepare(
        `DELETE FROM batches WHERE id >= ${lo} AND id < ${lo} + ${offset(2)} AND last_offset < ?2`,
      ),
      trimTimeIndex: prepare(`DELETE FROM time_index WHERE partition_id = ?1 AND offset <
        (SELECT max(offset) FROM time_index WHERE partition_id = ?1 AND offset <= ?2)`),
      setLogStart: prepare(`UPDATE partitions SET log_start_offset = ?2, bytes = ?3 WHERE id = ?1`),
      batchChunk: prepare(
        `SELECT id & ${OFFSET_MASK}, payload FROM batches WHERE id >= ${lo} + ${offset(2)} AND id < ${lo} + ${offset(3)}
         ORDER BY id LIMIT ?4`,
        true,
      ),
      rewriteBatch: prepare(`UPDATE batches SET last_offset = ?3, count = ?4, max_timestamp = ?5, bytes = ?6,
        payload = ?7 WHERE id = ${lo} + ${offset(2)}`),
      deleteBatch: prepare(`DELETE FROM batches WHERE id = ${lo} + ${offset(2)}`),
      partitionBytes: prepare(`SELECT total(bytes) FROM batches WHERE id >= ${lo} AND id < ${hi}`, true),
      setBytes: prepare(`UPDATE partitions SET bytes = ?2 WHERE id = ?1`),
      deletePartitionBatches: prepare(`DELETE FROM batches WHERE id >= ${lo} AND id < ${hi}`),
      deletePartitionTimeIndex: prepare(`DELETE FROM time_index WHERE partition_id = ?1`),
      insertTopic: prepare(`INSERT INTO topics (name, partitions, replication_factor, config, created_at)
        VALUES (?, ?, ?, ?, ?)`),
      maxPartitionId: prepare(`SELECT coalesce(max(id), 0) FROM partitions`, true),
      freePartitionId: prepare(
        `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM partitions WHERE id = 1)
         UNION ALL
         SELECT a.id + 1 FROM partitions a WHERE NOT EXISTS (SELECT 1 FROM partitions b WHERE b.id = a.id + 1)
         LIMIT 1`,
        true,
      ),
      insertPartition: prepare(`INSERT INTO partitions
        (id, topic, partition, log_start_offset, next_offset, bytes, max_timestamp) VALUES (?, ?, ?, 0, 0, 0, -1)`),
      deleteTopicRow: prepare(`DELETE FROM topics WHERE name = ?`),
      deleteTopicPartitions: prepare(`DELETE FROM partitions WHERE topic = ?`),
      deleteTopicOffsets: prepare(`DELETE FROM group_offsets WHERE topic = ?`),
      commitOffset: prepare(`INSERT OR REPLACE INTO group_offsets
        (group_id, topic, partition, offset, metadata, committed_at) VALUES (?, ?, ?, ?, ?, ?)`),
      committedAll: prepare(
        `SELECT group_id, topic, partition, offset, metadata FROM group_offsets WHERE group_id = ?
         ORDER BY topic, partition`,
        true,
      ),
      committedTopic: prepare(
        `SELECT group_id, topic, partition, offset, metadata FROM group_offsets
         WHERE group_id = ? AND topic = ? ORDER BY partition`,
        true,
      ),
      groupsWithOffsets: prepare(`SELECT DISTINCT group_id FROM group_offsets ORDER BY group_id`, true),
    };
    const insertAppends = (appends: PartitionAppend[]): void => {
      for (const a of appends) {
        const id = a.partitionId;
        this.stmt.insertBatch.run(
          id,
          a.baseOffset,
          a.lastOffset,
          a.count,
          a.maxTimestamp,
          a.bytes,
          a.payload,
        );
        this.stmt.updatePartition.run(id, a.lastOffset + 1, a.bytes, a.maxTimestamp);
        if (a.timeIndex) this.stmt.insertTimeIndex.run(id, a.timeIndex.maxTimestamp, a.timeIndex.offset);
      }
    };
    this.appendTx = db.transaction(insertAppends);
    this.appendAndCommitTx = db.transaction((appends: PartitionAppend[], commits: GroupOffsets[]) => {
      insertAppends(appends);
      const now = Date.now();
      for (const { groupId, offsets } of commits) {
        for (const o of offsets) {
          this.stmt.commitOffset.run(groupId, o.topic, o.partition, o.offset, o.metadata ?? null, now);
        }
      }
    });
    // last: the worker thread starts only for a store that opened
    this.checkpointer = new Checkpointer({
      path: this.path,
      pageSize: this.pageSize,
      synchronous,
      checkpointHere: () => db.pragma('wal_checkpoint(PASSIVE)'),
      ...tuning,
    });
  }

  /**
   * Opens (creating when absent) the store in `dataDir`. Throws `StoreLockedError` when another
   * process (or this one) has it open, `CorruptStoreError` when the file is damaged or not tml's.
   */
  static open(options: LogStoreOptions): LogStore {
    const dataDir = resolve(options.dataDir);
    if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
      throw new CorruptStoreError(`the data directory ${dataDir} is a file, not a directory`);
    }
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, DATABASE_FILE);
    if (openHere.has(path)) {
      throw new StoreLockedError(
        `the data directory ${dataDir} is already open in this process (pid ${process.pid}); ` +
          `close the other backbone first`,
      );
    }
    if (existsSync(path) && !statSync(path).isFile()) {
      throw new CorruptStoreError(`${path} is not a file: this is not a tml data directory`);
    }
    // The store holds producer ids and token hashes: the directory and its files are the owner's
    // alone. The files exist before SQLite opens them, and SQLite gives -wal and -shm their mode.
    chmodSync(dataDir, 0o700);
    for (const name of [DATABASE_FILE, LOCK_FILE, PID_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) {
      const file = join(dataDir, name);
      if (!name.includes('-')) closeSync(openSync(file, 'a', 0o600));
      if (existsSync(file)) chmodSync(file, 0o600);
    }
    const lock = LogStore.lockDataDir(dataDir);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (error) {
      lock.close();
      throw mapOpenError(error, dataDir, path);
    }
    const synchronous = options.synchronous === 'full' ? 'FULL' : 'NORMAL';
    try {
      // Look before writing anything: a foreign or damaged file must be left exactly as it was.
      const isNew = LogStore.inspect(db, path);
      if (
        !isNew &&
        statSync(path).size <= (options.integrityCheckMaxBytes ?? DEFAULT_INTEGRITY_CHECK_BYTES)
      ) {
        const result = db.pragma('quick_check', { simple: true });
        if (result !== 'ok') throw new CorruptStoreError(`${path} is damaged: ${String(result)}`);
      }
      // 16 KiB pages for new stores (set before WAL mode, which fixes it): record batches of 1 KB
      // records append 35-45 % faster than with SQLite's 4 KiB default (measured A/B, 1,000-record
      // batches); single-record appends, each a commit of one page, lose about a third.
      if (isNew) db.pragma(`page_size = ${PAGE_SIZE}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new CorruptStoreError(`${path}: could not switch to WAL mode (got ${mode})`);
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -65536'); // 64 MiB
      // Checkpoints run on a worker thread (checkpointer.ts), not on this connection's commits.
      db.pragma('wal_autocheckpoint = 0');
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
      db.exec('BEGIN IMMEDIATE');
      try {
        if (isNew) {
          db.exec(SCHEMA);
          db.pragma(`application_id = ${APPLICATION_ID}`);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
          db.prepare(
            `INSERT INTO meta (key, value) VALUES ('format', 'tml-backbone'), ('created_at', ?)`,
          ).run(new Date().toISOString());
        }
        db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by_pid', ?)`).run(
          String(process.pid),
        );
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
      if (options.maxStorageBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxStorageBytes / pageSize))}`);
      }
    } catch (error) {
      db.close();
      lock.close();
      throw mapOpenError(error, dataDir, path);
    }
    try {
      writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
    } catch {
      // The pid file only improves the message another process gets; the lock is the lock file's.
    }
    openHere.add(path);
    return new LogStore(db, lock, dataDir, path, synchronous, options.checkpoint);
  }

  /**
   * One process per data directory. The database itself cannot hold the lock any more (SQLite's
   * exclusive locking mode would keep the checkpointing worker's connection out), so a small
   * SQLite file next to it does: in exclusive locking mode its first write takes an OS lock
   * (fcntl) held until close, which the OS releases when the process dies however it dies: no
   * stale lock to detect, no PID to trust. A second process fails at once with `StoreLockedError`.
   */
  private static lockDataDir(dataDir: string): Database.Database {
    const lockPath = join(dataDir, LOCK_FILE);
    let lock: Database.Database;
    try {
      lock = new Database(lockPath, { timeout: 0 });
    } catch (error) {
      throw mapOpenError(error, dataDir, lockPath);
    }
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('BEGIN IMMEDIATE');
      lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
      lock.exec('DELETE FROM holder');
      lock.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
      lock.exec('COMMIT');
    } catch (error) {
      lock.close();
      throw mapOpenError(error, dataDir, lockPath);
    }
    return lock;
  }

  /**
   * Reads (never writes) the file's identity: true for an empty database that becomes a new store,
   * false for a tml store; throws `CorruptStoreError` for anything else.
   */
  private static inspect(db: Database.Database, path: string): boolean {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
    ).map((t) => t.name);
    if (applicationId === 0 && tables.length === 0) return true;
    if (applicationId !== APPLICATION_ID) {
      throw new CorruptStoreError(
        `${path} is a SQLite database that tml did not create (application_id ${applicationId}, ` +
          `tables: ${tables.slice(0, 5).join(', ') || 'none'}); refusing to use it as a data directory`,
      );
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new CorruptStoreError(
        `${path} was written by a newer tml (store format ${version}, this one reads up to ${SCHEMA_VERSION})`,
      );
    }
    for (const table of ['meta', 'topics', 'partitions', 'batches', 'time_index', 'group_offsets']) {
      if (!tables.includes(table)) {
        throw new CorruptStoreError(`${path} is damaged: the table '${table}' is missing`);
      }
    }
    return false;
  }

  // ---- topics and partitions ------------------------------------------------------------------

  loadTopics(): { topics: StoredTopic[]; partitions: StoredPartition[] } {
    return this.guard('reading the topics', () => {
      const topics = (
        this.db
          .prepare(`SELECT name, partitions, replication_factor, config FROM topics ORDER BY name`)
          .all() as {
          name: string;
          partitions: number;
          replication_factor: number;
          config: string;
        }[]
      ).map((t) => ({
        name: t.name,
        partitions: t.partitions,
        replicationFactor: t.replication_factor,
        config: JSON.parse(t.config) as TopicConfig,
      }));
      const partitions = (
        this.db
          .prepare(
            `SELECT id, topic, partition, log_start_offset, next_offset, bytes, max_timestamp FROM partitions
             ORDER BY topic, partition`,
          )
          .all() as {
          id: number;
          topic: string;
          partition: number;
          log_start_offset: number;
          next_offset: number;
          bytes: number;
          max_timestamp: number;
        }[]
      ).map((p) => ({
        id: p.id,
        topic: p.topic,
        partition: p.partition,
        logStartOffset: p.log_start_offset,
        nextOffset: p.next_offset,
        bytes: p.bytes,
        maxTimestamp: p.max_timestamp,
      }));
      return { topics, partitions };
    });
  }

  /** Creates a topic and its partitions; returns the partitions' ids in partition order. */
  createTopic(topic: StoredTopic, now: number): number[] {
    return this.guard(`creating topic '${topic.name}'`, () =>
      this.db.transaction(() => {
        this.stmt.insertTopic.run(
          topic.name,
          topic.partitions,
          topic.replicationFactor,
          JSON.stringify(topic.config),
          now,
        );
        const ids: number[] = [];
        for (let p = 0; p < topic.partitions; p++) {
          const id = this.allocatePartitionId();
          this.stmt.insertPartition.run(id, topic.name, p);
          ids.push(id);
        }
        return ids;
      })(),
    );
  }

  private allocatePartitionId(): number {
    const next = ((this.stmt.maxPartitionId.get() as [number])[0] ?? 0) + 1;
    if (next <= MAX_PARTITION_ID) return next;
    const free = this.stmt.freePartitionId.get() as [number] | undefined;
    if (!free || free[0] > MAX_PARTITION_ID) {
      throw new BackboneError(
        'TOO_MANY_PARTITIONS',
        `the embedded backbone holds at most ${MAX_PARTITION_ID} partitions`,
      );
    }
    return free[0];
  }

  deleteTopic(name: string, partitionIds: number[]): void {
    this.guard(`deleting topic '${name}'`, () =>
      this.db.transaction(() => {
        for (const id of partitionIds) {
          this.stmt.deletePartitionBatches.run(id);
          this.stmt.deletePartitionTimeIndex.run(id);
        }
        this.stmt.deleteTopicPartitions.run(name);
        this.stmt.deleteTopicOffsets.run(name);
        this.stmt.deleteTopicRow.run(name);
      })(),
    );
  }

  // ---- records --------------------------------------------------------------------------------

  /** Appends every partition's batch in one transaction: all of them are stored, or none. */
  append(appends: PartitionAppend[], what: string): void {
    this.guard(what, () => this.appendTx(appends));
    this.written(appends);
  }

  /**
   * A transaction's writes: record batches of any partitions and group offsets, in one SQLite
   * transaction, so a crash leaves all of them or none.
   */
  appendAndCommit(appends: PartitionAppend[], commits: GroupOffsets[], what: string): void {
    this.guard(what, () => this.appendAndCommitTx(appends, commits));
    this.written(appends);
  }

  /**
   * Tells the checkpointer about a committed write: about one page per partition touched plus the
   * batches' bytes, and a page for the rest (partition rows, offsets, index), the pages the WAL got.
   */
  private written(appends: PartitionAppend[] = []): void {
    let bytes = this.pageSize;
    for (const a of appends) bytes += a.payload.length + this.pageSize;
    this.checkpointer.written(bytes);
  }

  /** Consumer records from `offset` on, at most `maxRecords` and about `maxBytes` (at least one). */
  read(
    partitionId: number,
    topic: string,
    partition: number,
    offset: number,
    maxRecords: number,
    maxBytes: number,
  ): ConsumedRecord[] {
    return this.guard(`reading ${topic}-${partition} from offset ${offset}`, () => {
      const out: ConsumedRecord[] = [];
      let bytes = 0;
      try {
        for (const [base, payload] of this.stmt.batchesFrom.iterate(partitionId, offset) as Iterable<
          [number, Buffer]
        >) {
          bytes = readBatchInto(out, topic, partition, base, payload, offset, maxRecords, maxBytes, bytes);
          if (out.length >= maxRecords || (bytes >= maxBytes && out.length > 0)) break;
        }
      } catch (error) {
        if (error instanceof CorruptStoreError) {
          throw new CorruptStoreError(`${this.path}, ${topic}-${partition}: ${error.message}`, {
            cause: error,
          });
        }
        throw error;
      }
      return out;
    });
  }

  /** The first offset at or after `from` whose timestamp is >= `timestamp`, if any. */
  offsetForTimestamp(partitionId: number, from: number, timestamp: number): number | undefined {
    return this.guard('looking up a timestamp', () => {
      const indexed = this.stmt.timeIndexLookup.get(partitionId, timestamp) as [number] | undefined;
      if (!indexed) return undefined; // no record that late
      const start = Math.max(from, indexed[0]);
      for (const [base, payload] of this.stmt.batchesFrom.iterate(partitionId, start) as Iterable<
        [number, Buffer]
      >) {
        for (const r of decodeBatch(base, payload)) {
          if (r.offset >= start && r.timestamp >= timestamp) return r.offset;
        }
      }
      return undefined;
    });
  }

  /**
   * Moves the log start to `newStart`, deleting the batches wholly below it (records below it in a
   * batch that straddles it stay stored but are never returned). Returns the bytes that remain.
   */
  truncateBefore(partitionId: number, newStart: number, bytesBefore: number): number {
    return this.guard('applying retention', () =>
      this.db.transaction(() => {
        const removed = (this.stmt.bytesBelow.get(partitionId, newStart) as [number])[0];
        this.stmt.deleteBelow.run(partitionId, newStart);
        this.stmt.trimTimeIndex.run(partitionId, newStart);
        const bytes = Math.max(0, bytesBefore - removed);
        this.stmt.setLogStart.run(partitionId, newStart, bytes);
        return bytes;
      })(),
    );
  }

  /**
   * Size retention: the log start that drops the oldest batches while the partition holds more than
   * `limit` bytes. The newest batch always stays (as Kafka keeps its active segment).
   */
  sizeRetentionStart(partitionId: number, from: number, bytes: number, limit: number): number {
    return this.guard('applying retention', () => {
      const sizes = this.stmt.batchSizes.all(partitionId) as [number, number][];
      let remaining = bytes;
      let start = from;
      for (let i = 0; i < sizes.length - 1 && remaining > limit; i++) {
        remaining -= sizes[i][1];
        start = Math.max(start, sizes[i][0] + 1);
      }
      return start;
    });
  }

  /**
   * Compaction: removes every record below `upTo` that a later record with the same key
   * supersedes, and the tombstones below `upTo` older than `tombstoneCutoff`. Batches are rewritten
   * in place (offsets never change) or deleted when nothing is left. Returns [records removed,
   * bytes left].
   */
  compact(partitionId: number, logStart: number, upTo: number, tombstoneCutoff: number): [number, number] {
    return this.guard('compacting', () =>
      this.db.transaction(() => {
        // Pass 1: the latest offset of every key.
        const latest = new Map<string, number>();
        for (const [base, payload] of this.stmt.batchesFrom.iterate(partitionId, logStart) as Iterable<
          [number, Buffer]
        >) {
          for (const r of decodeBatch(base, payload)) {
            if (r.key !== null && r.offset >= logStart) latest.set(r.key.toString('latin1'), r.offset);
          }
        }
        // Pass 2: rewrite the batches below `upTo`, a chunk at a time.
        let removed = 0;
        let from = 0;
        for (;;) {
          const chunk = this.stmt.batchChunk.all(partitionId, from, upTo, 256) as [number, Buffer][];
          if (chunk.length === 0) break;
          for (const [base, payload] of chunk) {
            const records = decodeBatch(base, payload);
            const kept = records.filter(
              (r) =>
                r.offset >= logStart &&
                (r.offset >= upTo ||
                  (latest.get(r.key === null ? '' : r.key.toString('latin1')) === r.offset &&
                    !(r.value === null && r.timestamp < tombstoneCutoff))),
            );
            if (kept.length === records.length) continue;
            removed += records.length - kept.length;
            if (kept.length === 0) {
              this.stmt.deleteBatch.run(partitionId, base);
              continue;
            }
            let bytes = 0;
            let maxTimestamp = -1;
            for (const r of kept) {
              bytes += recordBytes(r);
              if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
            }
            this.stmt.rewriteBatch.run(
              partitionId,
              base,
              kept[kept.length - 1].offset,
              kept.length,
              maxTimestamp,
              bytes,
              encodeBatch(base, kept),
            );
          }
          from = chunk[chunk.length - 1][0] + 1;
        }
        const bytes = (this.stmt.partitionBytes.get(partitionId) as [number])[0];
        this.stmt.setBytes.run(partitionId, bytes);
        return [removed, bytes] as [number, number];
      })(),
    );
  }

  // ---- consumer group offsets ----------------------------------------------------------------

  commitOffsets(
    groupId: string,
    offsets: { topic: string; partition: number; offset: number; metadata?: string }[],
  ): void {
    const now = Date.now();
    this.guard(`committing offsets for group '${groupId}'`, () =>
      this.db.transaction(() => {
        for (const o of offsets) {
          this.stmt.commitOffset.run(groupId, o.topic, o.partition, o.offset, o.metadata ?? null, now);
        }
      })(),
    );
    this.written();
  }

  committedOffsets(groupId: string, topic?: string): CommittedOffsetRow[] {
    return this.guard('reading committed offsets', () => {
      const rows = (
        topic === undefined
          ? this.stmt.committedAll.all(groupId)
          : this.stmt.committedTopic.all(groupId, topic)
      ) as [string, string, number, number, string | null][];
      return rows.map(([g, t, p, o, m]) => ({ groupId: g, topic: t, partition: p, offset: o, metadata: m }));
    });
  }

  groupsWithOffsets(): string[] {
    return this.guard('listing groups', () =>
      (this.stmt.groupsWithOffsets.all() as [string][]).map((r) => r[0]),
    );
  }

  /** WAL checkpoints so far: by the worker thread, and on this connection (the fallback). */
  checkpoints(): { byWorker: number; onEventLoop: number } {
    return { byWorker: this.checkpointer.completed, onEventLoop: this.checkpointer.checkpointsHere };
  }

  /** Bytes the database file takes (pages in use × page size), for diagnostics. */
  fileBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    if (!this.db.open) return;
    this.checkpointer.close();
    this.db.close();
    this.lock.close();
    openHere.delete(this.key);
    try {
      const pid = readFileSync(this.pidPath, 'utf8').trim();
      if (pid === String(process.pid)) rmSync(this.pidPath, { force: true });
    } catch {
      // already gone
    }
  }

  /** Runs a storage operation, turning SQLite's failures into the backbone's typed errors. */
  private guard<T>(what: string, operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw mapStorageError(error, what, this.path);
    }
  }
}

function sqliteCode(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : '';
}

/** SQLite's failures during normal operation, as typed backbone errors. */
export function mapStorageError(error: unknown, what: string, path: string): unknown {
  if (error instanceof BackboneError) return error;
  const code = sqliteCode(error);
  const message = (error as Error)?.message ?? String(error);
  if (code === 'SQLITE_FULL' || (code === 'SQLITE_IOERR_WRITE' && /space/i.test(message))) {
    return new StorageFullError(
      `storage full while ${what}: the data directory (${path}) reached its size limit or the disk is full; ` +
        `nothing of this operation was stored and everything stored before is intact`,
      { cause: error },
    );
  }
  if (code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS') {
    // a record batch whose lengths point outside it: the stored bytes are damaged
    return new CorruptStoreError(
      `the store ${path} holds a damaged record batch (${message}) while ${what}`,
      {
        cause: error,
      },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new CorruptStoreError(`the store ${path} is damaged (${message}) while ${what}`, { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreLockedError(`the store ${path} is locked by another process while ${what}`);
  }
  return error;
}

function mapOpenError(error: unknown, dataDir: string, path: string): unknown {
  if (error instanceof BackboneError) return error;
  const code = sqliteCode(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreLockedError(lockedMessage(dataDir));
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new CorruptStoreError(
      `${path} is not a tml backbone store or is damaged (${(error as Error).message}); ` +
        `move it away or choose another data directory`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL') return mapStorageError(error, 'opening the store', path);
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new BackboneError('STORE_UNAVAILABLE', `cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

function lockedMessage(dataDir: string): string {
  let holder = 'another process';
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) holder = `process ${pid}`;
  } catch {
    // no pid file: another program holds the database
  }
  return (
    `the data directory ${dataDir} is in use by ${holder}; the embedded backbone allows one process per ` +
    `data directory: stop that process or choose another data directory (TML_DATA_DIR)`
  );
}
