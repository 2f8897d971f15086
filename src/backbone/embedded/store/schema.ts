// The store's tables, and how a record batch's row id addresses it.
//
// Records are stored in batches (record-batch.ts), one row per produce call and partition, as Kafka
// stores record batches. A batch's row id packs the partition and the batch's first offset:
// (partition id << 43) + base offset, so a fetch is a range scan of the table's own B-tree and an
// append writes no secondary index. The arithmetic runs inside SQLite (64-bit integers), so
// JavaScript never handles a packed id.
import type { TopicConfig } from '../../types.js';

export const DATABASE_FILE = 'backbone.sqlite';
export const PID_FILE = 'backbone.pid';
export const LOCK_FILE = 'backbone.lock';
/** 'tmlb': marks the SQLite file as a tml backbone store (PRAGMA application_id). */
export const APPLICATION_ID = 0x746d6c62;
export const SCHEMA_VERSION = 1;
/** Offsets get 43 bits (8.8 × 10^12 records per partition); partition ids the remaining 20. */
export const OFFSET_BITS = 43;
export const MAX_PARTITION_ID = 2 ** 20 - 1;
/** A row id's offset part: `id & OFFSET_MASK` (2^43 - 1). */
export const OFFSET_MASK = '8796093022207';

/** The first row id of the partition bound to `:partition`. */
export const PARTITION_START = `(:partition << ${OFFSET_BITS})`;
/** The first row id of the next partition. */
export const PARTITION_END = `((:partition + 1) << ${OFFSET_BITS})`;
/**
 * The row id of the batch at the offset bound to `:<name>` in the partition bound to `:partition`.
 * better-sqlite3 binds JS numbers as REAL, so without the cast `start + :offset` is a REAL: past 2^53
 * (partition ids from 1024 on) neighbouring offsets round to one row id. The cast keeps row-id
 * arithmetic in 64-bit integers.
 */
export const rowId = (name: string): string => `${PARTITION_START} + CAST(:${name} AS INTEGER)`;

export const TABLES = ['meta', 'topics', 'partitions', 'batches', 'time_index', 'group_offsets'];

export const SCHEMA = `
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
