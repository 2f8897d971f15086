// The embedded backbone's storage: one SQLite database (better-sqlite3) in the data directory, in
// WAL mode, held with an exclusive lock for the life of the process. Every append is one
// transaction, so a batch is all there or not there at all, and a committed append survives a
// kill -9 of the process (see docs/backbone.md for why `synchronous=NORMAL` is enough for that).
//
// A record's row id packs the partition and the offset: (partition id << 43) + offset. A fetch is
// then a range scan of the table's own B-tree, and an append writes no secondary index. The
// arithmetic runs inside SQLite (64-bit integers), so JavaScript never handles the packed id.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BackboneError, CorruptStoreError, StorageFullError, StoreLockedError } from '../errors.js';
import type { TopicConfig } from '../types.js';

export const DATABASE_FILE = 'backbone.sqlite';
export const PID_FILE = 'backbone.pid';
/** 'tmlb': marks the SQLite file as a tml backbone store (PRAGMA application_id). */
const APPLICATION_ID = 0x746d6c62;
const SCHEMA_VERSION = 1;
/** Offsets get 43 bits (8.8 × 10^12 records per partition); partition ids the remaining 20. */
export const OFFSET_BITS = 43;
export const MAX_PARTITION_ID = 2 ** 20 - 1;
const OFFSET_MASK = '8796093022207'; // 2^43 - 1
/** Below this size the whole file is checked at open (PRAGMA quick_check); above, errors surface on read. */
const QUICK_CHECK_LIMIT = 64 * 1024 * 1024;

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
CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  size INTEGER NOT NULL,
  key BLOB,
  value BLOB,
  headers BLOB
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

/** A record ready to be written: offsets are assigned by the caller. */
export interface RowToAppend {
  offset: number;
  timestamp: number;
  size: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Buffer | null;
}

/** One partition's part of an append: its rows and the partition state after them. */
export interface PartitionAppend {
  partitionId: number;
  rows: RowToAppend[];
  nextOffset: number;
  bytes: number;
  /** Set when the batch raised the partition's largest timestamp: a time-index entry. */
  timeIndex?: { maxTimestamp: number; offset: number };
}

/** [offset, timestamp, size, key, value, headers] */
export type StoredRow = [number, number, number, Buffer | null, Buffer | null, Buffer | null];

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
}

/** Data directories opened by this process, so a second open names this process. */
const openHere = new Set<string>();

type Statement = Database.Statement<unknown[], unknown>;

export class LogStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly pidPath: string;
  private readonly key: string;
  private readonly stmt: Record<string, Statement>;
  private readonly appendTx: (appends: PartitionAppend[]) => void;

  private constructor(db: Database.Database, dataDir: string, key: string) {
    this.db = db;
    this.path = join(dataDir, DATABASE_FILE);
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
    this.stmt = {
      insertRecord: prepare(
        `INSERT INTO records (id, timestamp, size, key, value, headers)
         VALUES ((?1 << ${OFFSET_BITS}) + ?2, ?3, ?4, ?5, ?6, ?7)`,
      ),
      updatePartition: prepare(`UPDATE partitions SET next_offset = ?2, bytes = ?3,
        max_timestamp = max(max_timestamp, ?4) WHERE id = ?1`),
      insertTimeIndex: prepare(`INSERT OR REPLACE INTO time_index (partition_id, max_timestamp, offset)
        VALUES (?1, ?2, ?3)`),
      read: prepare(
        `SELECT id & ${OFFSET_MASK}, timestamp, size, key, value, headers FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) + ?2 AND id < ((?1 + 1) << ${OFFSET_BITS})
         ORDER BY id LIMIT ?3`,
        true,
      ),
      firstAtOrAfter: prepare(
        `SELECT id & ${OFFSET_MASK} FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) + ?2 AND id < ((?1 + 1) << ${OFFSET_BITS}) AND timestamp >= ?3
         ORDER BY id LIMIT 1`,
        true,
      ),
      timeIndexLookup: prepare(
        `SELECT offset FROM time_index WHERE partition_id = ?1 AND max_timestamp >= ?2
         ORDER BY max_timestamp LIMIT 1`,
        true,
      ),
      sizesFrom: prepare(
        `SELECT id & ${OFFSET_MASK}, size FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) + ?2 AND id < ((?1 + 1) << ${OFFSET_BITS}) ORDER BY id`,
        true,
      ),
      bytesBelow: prepare(
        `SELECT total(size) FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) AND id < (?1 << ${OFFSET_BITS}) + ?2`,
        true,
      ),
      deleteBelow: prepare(
        `DELETE FROM records WHERE id >= (?1 << ${OFFSET_BITS}) AND id < (?1 << ${OFFSET_BITS}) + ?2`,
      ),
      trimTimeIndex: prepare(`DELETE FROM time_index WHERE partition_id = ?1 AND offset <
        (SELECT max(offset) FROM time_index WHERE partition_id = ?1 AND offset <= ?2)`),
      setLogStart: prepare(`UPDATE partitions SET log_start_offset = ?2, bytes = ?3 WHERE id = ?1`),
      compactSuperseded: prepare(
        `DELETE FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) AND id < (?1 << ${OFFSET_BITS}) + ?2
           AND id NOT IN (SELECT max(id) FROM records
                          WHERE id >= (?1 << ${OFFSET_BITS}) AND id < ((?1 + 1) << ${OFFSET_BITS})
                          GROUP BY key)`,
      ),
      dropTombstones: prepare(
        `DELETE FROM records
         WHERE id >= (?1 << ${OFFSET_BITS}) AND id < (?1 << ${OFFSET_BITS}) + ?2
           AND value IS NULL AND timestamp < ?3`,
      ),
      partitionBytes: prepare(
        `SELECT total(size) FROM records WHERE id >= (?1 << ${OFFSET_BITS}) AND id < ((?1 + 1) << ${OFFSET_BITS})`,
        true,
      ),
      setBytes: prepare(`UPDATE partitions SET bytes = ?2 WHERE id = ?1`),
      deletePartitionRecords: prepare(
        `DELETE FROM records WHERE id >= (?1 << ${OFFSET_BITS}) AND id < ((?1 + 1) << ${OFFSET_BITS})`,
      ),
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
    this.appendTx = db.transaction((appends: PartitionAppend[]) => {
      const insert = this.stmt.insertRecord;
      for (const a of appends) {
        const id = a.partitionId;
        let maxTs = -1;
        for (const r of a.rows) {
          insert.run(id, r.offset, r.timestamp, r.size, r.key, r.value, r.headers);
          if (r.timestamp > maxTs) maxTs = r.timestamp;
        }
        this.stmt.updatePartition.run(id, a.nextOffset, a.bytes, maxTs);
        if (a.timeIndex) this.stmt.insertTimeIndex.run(id, a.timeIndex.maxTimestamp, a.timeIndex.offset);
      }
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
    const existed = existsSync(path) && statSync(path).size > 0;
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (error) {
      throw mapOpenError(error, dataDir, path);
    }
    try {
      // EXCLUSIVE: the first write takes an OS lock that is held until close, so a second process
      // fails fast instead of sharing the file; in WAL mode it also spares the shared-memory index.
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new CorruptStoreError(`${path}: could not switch to WAL mode (got ${mode})`);
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -65536'); // 64 MiB
      db.exec('BEGIN IMMEDIATE'); // takes the exclusive lock now
      try {
        LogStore.prepareSchema(db, path, existed);
        db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by_pid', ?)`).run(
          String(process.pid),
        );
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
      if (existed && statSync(path).size <= QUICK_CHECK_LIMIT) {
        const result = db.pragma('quick_check', { simple: true });
        if (result !== 'ok') throw new CorruptStoreError(`${path} is damaged: ${String(result)}`);
      }
      if (options.maxStorageBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxStorageBytes / pageSize))}`);
      }
    } catch (error) {
      db.close();
      throw mapOpenError(error, dataDir, path);
    }
    try {
      writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
    } catch {
      // The pid file only improves the message another process gets; the lock is SQLite's.
    }
    openHere.add(path);
    return new LogStore(db, dataDir, path);
  }

  private static prepareSchema(db: Database.Database, path: string, existed: boolean): void {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const tables = (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
    ).map((t) => t.name);
    if (applicationId === 0 && tables.length === 0) {
      db.exec(SCHEMA);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.prepare(`INSERT INTO meta (key, value) VALUES ('format', 'tml-backbone'), ('created_at', ?)`).run(
        new Date().toISOString(),
      );
      return;
    }
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
    for (const table of ['meta', 'topics', 'partitions', 'records', 'time_index', 'group_offsets']) {
      if (!tables.includes(table)) {
        throw new CorruptStoreError(`${path} is damaged: the table '${table}' is missing`);
      }
    }
    void existed;
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
          this.stmt.deletePartitionRecords.run(id);
          this.stmt.deletePartitionTimeIndex.run(id);
        }
        this.stmt.deleteTopicPartitions.run(name);
        this.stmt.deleteTopicOffsets.run(name);
        this.stmt.deleteTopicRow.run(name);
      })(),
    );
  }

  // ---- records --------------------------------------------------------------------------------

  /** Appends every partition's rows in one transaction: all of them are stored, or none. */
  append(appends: PartitionAppend[], what: string): void {
    this.guard(what, () => this.appendTx(appends));
  }

  read(partitionId: number, offset: number, limit: number): StoredRow[] {
    return this.guard('reading records', () => this.stmt.read.all(partitionId, offset, limit) as StoredRow[]);
  }

  /** The first offset at or after `from` whose timestamp is >= `timestamp`, if any. */
  offsetForTimestamp(partitionId: number, from: number, timestamp: number): number | undefined {
    return this.guard('looking up a timestamp', () => {
      const indexed = this.stmt.timeIndexLookup.get(partitionId, timestamp) as [number] | undefined;
      if (!indexed) return undefined; // no record that late
      const row = this.stmt.firstAtOrAfter.get(partitionId, Math.max(from, indexed[0]), timestamp) as
        [number] | undefined;
      return row?.[0];
    });
  }

  /**
   * Moves the log start to `newStart`, deleting every record below it. Returns the number of bytes
   * that remain in the partition.
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

  /** The smallest offset such that the records from it on hold at most `limit` bytes. */
  sizeRetentionStart(partitionId: number, from: number, bytes: number, limit: number): number {
    return this.guard('applying retention', () => {
      let remaining = bytes;
      let start = from;
      for (const [offset, size] of this.stmt.sizesFrom.iterate(partitionId, from) as Iterable<
        [number, number]
      >) {
        if (remaining <= limit) return offset;
        remaining -= size;
        start = offset + 1;
      }
      return start;
    });
  }

  /**
   * Compaction: removes every record below `upTo` that a later record with the same key supersedes,
   * and the tombstones below `upTo` older than `tombstoneCutoff`. Returns [records removed, bytes left].
   */
  compact(partitionId: number, upTo: number, tombstoneCutoff: number): [number, number] {
    return this.guard('compacting', () =>
      this.db.transaction(() => {
        const superseded = this.stmt.compactSuperseded.run(partitionId, upTo).changes;
        const tombstones = this.stmt.dropTombstones.run(partitionId, upTo, tombstoneCutoff).changes;
        const bytes = (this.stmt.partitionBytes.get(partitionId) as [number])[0];
        this.stmt.setBytes.run(partitionId, bytes);
        return [superseded + tombstones, bytes] as [number, number];
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

  /** Bytes the database file takes (pages in use × page size), for diagnostics. */
  fileBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  close(): void {
    if (!this.db.open) return;
    this.db.close();
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
