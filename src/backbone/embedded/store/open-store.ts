// Opening the store: one process per data directory (a lock file), the file's identity checked
// before anything is written, then WAL mode and the schema.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CorruptStoreError, StoreLockedError } from '../../errors.js';
import { mapOpenError } from './storage-errors.js';
import {
  APPLICATION_ID,
  DATABASE_FILE,
  LOCK_FILE,
  PID_FILE,
  SCHEMA,
  SCHEMA_VERSION,
  TABLES,
} from './schema.js';

/** SQLite page size of new stores (bytes). */
const PAGE_SIZE = 16384;
/**
 * The WAL file is cut back to this size when it starts over. It grows to about 128 MiB between
 * restarts (checkpointer.ts): cutting it shorter would only make the file grow again each time.
 */
const WAL_SIZE_LIMIT = 160 * 1024 * 1024;
/** Below this size the whole file is checked at open (PRAGMA quick_check); above, errors surface on read. */
export const DEFAULT_INTEGRITY_CHECK_BYTES = 64 * 1024 * 1024;

export interface OpenStoreOptions {
  dataDir: string;
  /** 'normal' (default): survives a process crash; 'full': also survives power loss, slower. */
  synchronous?: 'normal' | 'full';
  /** Simulated disk size: the database file may not grow beyond this many bytes. */
  maxStorageBytes?: number;
  /** Stores up to this size are checked whole at open (default 64 MiB; 0 turns the check off). */
  integrityCheckMaxBytes?: number;
}

/** An open store's connections: the database, and the lock file's (held until close). */
export interface OpenedStore {
  db: Database.Database;
  lock: Database.Database;
  dataDir: string;
  path: string;
  synchronous: 'NORMAL' | 'FULL';
}

/** Data directories opened by this process, so a second open names this process. */
const openHere = new Set<string>();

/** Forgets a store `openStore` opened (called on close). */
export function releaseStore(path: string): void {
  openHere.delete(path);
}

/**
 * Opens (creating when absent) the store in `dataDir`. Throws `StoreLockedError` when another
 * process (or this one) has it open, `CorruptStoreError` when the file is damaged or not tml's.
 */
export function openStore(options: OpenStoreOptions): OpenedStore {
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
  const lock = lockDataDir(dataDir);
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
    const isNew = inspect(db, path);
    if (!isNew && statSync(path).size <= (options.integrityCheckMaxBytes ?? DEFAULT_INTEGRITY_CHECK_BYTES)) {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') throw new CorruptStoreError(`${path} is damaged: ${String(result)}`);
    }
    // 16 KiB pages for new stores (set before WAL mode, which fixes it): a batch of 1 KB records
    // then spans a quarter of the pages it would at SQLite's 4 KiB default, so batched appends write
    // less page overhead; single-record appends pay for the larger page (figures: docs/benchmarks.md).
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
          `INSERT INTO meta (key, value) VALUES ('format', 'tml-backbone'), ('created_at', :now)`,
        ).run({ now: new Date().toISOString() });
      }
      db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_by_pid', :pid)`).run({
        pid: String(process.pid),
      });
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
  return { db, lock, dataDir, path, synchronous };
}

/**
 * One process per data directory. The database itself cannot hold the lock any more (SQLite's
 * exclusive locking mode would keep the checkpointing worker's connection out), so a small
 * SQLite file next to it does: in exclusive locking mode its first write takes an OS lock
 * (fcntl) held until close, which the OS releases when the process dies however it dies: no
 * stale lock to detect, no PID to trust. A second process fails at once with `StoreLockedError`.
 */
function lockDataDir(dataDir: string): Database.Database {
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
    lock.prepare('INSERT INTO holder (pid) VALUES (:pid)').run({ pid: process.pid });
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
function inspect(db: Database.Database, path: string): boolean {
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
  for (const table of TABLES) {
    if (!tables.includes(table)) {
      throw new CorruptStoreError(`${path} is damaged: the table '${table}' is missing`);
    }
  }
  return false;
}
