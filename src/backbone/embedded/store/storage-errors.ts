// SQLite's failures, as the backbone's typed errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackboneError, CorruptStoreError, StorageFullError, StoreLockedError } from '../../errors.js';
import { PID_FILE } from './schema.js';

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

/** SQLite's failures while opening a store, as typed backbone errors. */
export function mapOpenError(error: unknown, dataDir: string, path: string): unknown {
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
