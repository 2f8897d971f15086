// The measurement behind the embedded backbone's store (docs/backbone.md, "Why SQLite"):
// better-sqlite3 against lmdb on the backbone's workload. lmdb is not a dependency any more; to
// rerun: `npm install --no-save lmdb@3 && node bench/backbone-store-choice.mjs`.
//
// Appends: batches of 1, 100 and 1,000 records of 100 B and 1 KB, each batch one transaction.
// Two layouts: a row per record keyed by (partition, offset) (the default), and a row per batch
// (LAYOUT=batch, what the backbone does). Fetches: 1,000 records at a time in offset order.
// PAGE_SIZES=4096,16384 compares SQLite page sizes.
// Two durability levels each: survives a process kill (SQLite WAL synchronous=NORMAL; LMDB
// noSync, the data is in the OS page cache at commit) and survives power loss (SQLite FULL;
// LMDB's default fsync at commit).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lmdb = await import('lmdb').catch(() => null);
const TOTAL = Number(process.env.RECORDS ?? 100_000);
const BATCHES = [1, 100, 1000];
const SIZES = [100, 1024];
const PID = 7;

function sqliteStore(dir, synchronous, pageSize = 4096) {
  const db = new Database(join(dir, 'store.sqlite'));
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(
    'CREATE TABLE records (id INTEGER PRIMARY KEY, timestamp INTEGER, size INTEGER, key BLOB, value BLOB, headers BLOB)',
  );
  const insert = db.prepare('INSERT INTO records VALUES ((? << 43) + ?, ?, ?, ?, ?, NULL)');
  const read = db
    .prepare(
      'SELECT id & 8796093022207, timestamp, size, key, value, headers FROM records WHERE id >= (? << 43) + ? AND id < ((? + 1) << 43) ORDER BY id LIMIT ?',
    )
    .raw(true);
  const append = db.transaction((first, values) => {
    for (let i = 0; i < values.length; i++)
      insert.run(PID, first + i, Date.now(), values[i].length, null, values[i]);
  });
  return {
    append,
    fetch: (offset, limit) => read.all(PID, offset, PID, limit).length,
    close: () => db.close(),
  };
}

function lmdbStore(dir, noSync) {
  const db = lmdb.open({
    path: join(dir, 'store.lmdb'),
    keyEncoding: 'binary',
    encoding: 'binary',
    noSync,
    mapSize: 2 ** 32,
  });
  const key = (offset) => {
    const k = Buffer.allocUnsafe(12);
    k.writeUInt32BE(PID, 0);
    k.writeBigUInt64BE(BigInt(offset), 4);
    return k;
  };
  return {
    append: (first, values) =>
      db.transactionSync(() => {
        for (let i = 0; i < values.length; i++) {
          // timestamp + size + value in one value, as the backbone would have to encode it by hand
          const v = Buffer.allocUnsafe(12 + values[i].length);
          v.writeDoubleBE(Date.now(), 0);
          v.writeUInt32BE(values[i].length, 8);
          values[i].copy(v, 12);
          db.putSync(key(first + i), v);
        }
      }),
    fetch: (offset, limit) => {
      let n = 0;
      for (const { value } of db.getRange({ start: key(offset), end: key(2 ** 40), limit })) {
        // decode as the backbone must: timestamp, size, value
        value.readDoubleBE(0);
        value.subarray(12);
        n++;
      }
      return n;
    },
    close: () => db.close(),
  };
}

// The layout the backbone uses: one row per batch (a produce call's records for one partition).
function sqliteBatchStore(dir, synchronous) {
  const db = new Database(join(dir, 'store.sqlite'));
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE batches (id INTEGER PRIMARY KEY, last_offset INTEGER, payload BLOB)');
  const insert = db.prepare('INSERT INTO batches VALUES ((? << 43) + ?, ?, ?)');
  const read = db
    .prepare(
      'SELECT id, payload FROM batches WHERE id >= (? << 43) + ? AND id < ((? + 1) << 43) ORDER BY id LIMIT 1',
    )
    .raw(true);
  return {
    append: (first, values) => insert.run(PID, first, first + values.length - 1, Buffer.concat(values)),
    fetch: (offset, limit) => {
      const [, payload] = read.get(PID, offset, PID);
      let n = 0;
      for (let at = 0; at < payload.length && n < limit; at += payload.length / limit) {
        payload.subarray(at, at + 100);
        n++;
      }
      return n;
    },
    close: () => db.close(),
  };
}

function lmdbBatchStore(dir, noSync) {
  const db = lmdb.open({
    path: join(dir, 'store.lmdb'),
    keyEncoding: 'binary',
    encoding: 'binary',
    noSync,
    mapSize: 2 ** 32,
  });
  const key = (offset) => {
    const k = Buffer.allocUnsafe(12);
    k.writeUInt32BE(PID, 0);
    k.writeBigUInt64BE(BigInt(offset), 4);
    return k;
  };
  return {
    append: (first, values) => db.transactionSync(() => db.putSync(key(first), Buffer.concat(values))),
    fetch: (offset, limit) => {
      let n = 0;
      for (const { value } of db.getRange({ start: key(offset), end: key(2 ** 40), limit: 1 })) {
        for (let at = 0; at < value.length && n < limit; at += value.length / limit) {
          value.subarray(at, at + 100);
          n++;
        }
      }
      return n;
    },
    close: () => db.close(),
  };
}

const stores = [
  ['sqlite NORMAL (process-crash safe)', (dir) => sqliteStore(dir, 'NORMAL')],
  ['sqlite FULL (power-loss safe)', (dir) => sqliteStore(dir, 'FULL')],
];
if (process.env.LAYOUT === 'batch') {
  stores.length = 0;
  stores.push(['sqlite NORMAL, row per batch', (dir) => sqliteBatchStore(dir, 'NORMAL')]);
  stores.push(['sqlite FULL, row per batch', (dir) => sqliteBatchStore(dir, 'FULL')]);
  if (lmdb) {
    stores.push(['lmdb noSync, row per batch', (dir) => lmdbBatchStore(dir, true)]);
    stores.push(['lmdb sync, row per batch', (dir) => lmdbBatchStore(dir, false)]);
  }
}
if (process.env.PAGE_SIZES) {
  stores.length = 0;
  for (const size of process.env.PAGE_SIZES.split(',').map(Number)) {
    stores.push([`sqlite NORMAL page_size=${size}`, (dir) => sqliteStore(dir, 'NORMAL', size)]);
  }
}
if (lmdb && !process.env.PAGE_SIZES && !process.env.LAYOUT) {
  stores.push(['lmdb noSync (process-crash safe)', (dir) => lmdbStore(dir, true)]);
  stores.push(['lmdb sync (power-loss safe)', (dir) => lmdbStore(dir, false)]);
}
if (!lmdb) console.log('(lmdb not installed: only SQLite is measured)');

const rows = [];
for (const [name, make] of stores) {
  for (const size of SIZES) {
    for (const batch of BATCHES) {
      const dir = mkdtempSync(join(tmpdir(), 'store-choice-'));
      const store = make(dir);
      const values = Array.from({ length: batch }, () => Buffer.alloc(size, 7));
      // Batches of 1 with an fsync each are slow: measure fewer of them.
      const total = batch === 1 && /FULL|lmdb sync/.test(name) ? Math.min(TOTAL, 2000) : TOTAL;
      let start = performance.now();
      for (let offset = 0; offset < total; offset += batch) store.append(offset, values);
      const appendSeconds = (performance.now() - start) / 1000;
      let fetched = 0;
      start = performance.now();
      for (let round = 0; round < 3; round++) {
        for (let offset = 0; offset < total; offset += 1000) fetched += store.fetch(offset, 1000);
      }
      const fetchSeconds = (performance.now() - start) / 1000;
      store.close();
      rmSync(dir, { recursive: true, force: true });
      rows.push({
        store: name,
        recordBytes: size,
        batch,
        appendRecordsPerSecond: Math.round(total / appendSeconds),
        appendMBPerSecond: +((total * size) / appendSeconds / 1e6).toFixed(1),
        fetchRecordsPerSecond: Math.round(fetched / fetchSeconds),
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
  }
}
console.table(rows);
