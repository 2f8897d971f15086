// The embedded backbone's storage: one SQLite database (better-sqlite3) in the data directory, in
// WAL mode, for one process at a time (store/open-store.ts). Every append is one transaction, so
// a batch is all there or not there at all, and a committed append survives a kill -9 of the
// process (see docs/backbone.md for why `synchronous=NORMAL` is enough for that).
//
// This class is the store's one face: each concern sits in its own module under store/ (schema,
// opening, topics, append, read, retention, compaction, group offsets), and every call here maps
// SQLite's failures to the backbone's typed errors and tells the checkpointer what it wrote.
import type Database from 'better-sqlite3';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsumedRecord } from '../types.js';
import { Checkpointer, type CheckpointTuning } from './checkpointer.js';
import { appender, type Appender, type PartitionAppend } from './store/append.js';
import { compactor, type CompactionJob, type Compactor } from './store/compaction.js';
import {
  groupOffsetRows,
  type CommittedOffsetRow,
  type GroupOffsetRows,
  type GroupOffsets,
  type OffsetToCommit,
} from './store/group-offsets.js';
import { openStore, releaseStore, type OpenStoreOptions } from './store/open-store.js';
import { reader, type Reader } from './store/read.js';
import { retention, type Retention } from './store/retention.js';
import { PID_FILE, type StoredPartition, type StoredTopic } from './store/schema.js';
import { mapStorageError } from './store/storage-errors.js';
import { topicRows, type TopicRows } from './store/topics.js';

// what the embedded backbone and its tests use of the store's parts
export { DATABASE_FILE } from './store/schema.js';
export type { PartitionAppend } from './store/append.js';

export interface LogStoreOptions extends OpenStoreOptions {
  /** When WAL checkpoints run (checkpointer.ts); the defaults suit production, tests shrink them. */
  checkpoint?: CheckpointTuning;
}

export class LogStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly lock: Database.Database;
  private readonly checkpointer: Checkpointer;
  private readonly pageSize: number;
  private readonly pidPath: string;
  private readonly topics: TopicRows;
  private readonly appender: Appender;
  private readonly reader: Reader;
  private readonly retention: Retention;
  private readonly compactor: Compactor;
  private readonly groupOffsets: GroupOffsetRows;

  /**
   * Opens (creating when absent) the store in `dataDir`. Throws `StoreLockedError` when another
   * process (or this one) has it open, `CorruptStoreError` when the file is damaged or not tml's.
   */
  static open(options: LogStoreOptions): LogStore {
    return new LogStore(options);
  }

  private constructor(options: LogStoreOptions) {
    const { db, lock, dataDir, path, synchronous } = openStore(options);
    this.db = db;
    this.lock = lock;
    this.path = path;
    this.pidPath = join(dataDir, PID_FILE);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    try {
      this.topics = topicRows(db);
      this.groupOffsets = groupOffsetRows(db);
      this.appender = appender(db, this.groupOffsets);
      this.reader = reader(db, path);
      this.retention = retention(db);
      this.compactor = compactor(db);
    } catch (error) {
      this.closeConnections();
      throw mapStorageError(error, 'preparing the store', path);
    }
    // last: the worker thread starts only for a store that opened
    this.checkpointer = new Checkpointer({
      path,
      pageSize: this.pageSize,
      synchronous,
      checkpointHere: () => db.pragma('wal_checkpoint(PASSIVE)'),
      ...options.checkpoint,
    });
  }

  // ---- topics and partitions ------------------------------------------------------------------

  loadTopics(): { topics: StoredTopic[]; partitions: StoredPartition[] } {
    return this.guard('reading the topics', () => this.topics.load());
  }

  /** Creates a topic and its partitions; returns the partitions' ids in partition order. */
  createTopic(topic: StoredTopic, now: number): number[] {
    return this.guard(`creating topic '${topic.name}'`, () => this.topics.create(topic, now));
  }

  /** Adds partitions `from`..`count - 1`; returns their ids in partition order. */
  addPartitions(name: string, from: number, count: number): number[] {
    return this.guard(`adding partitions to topic '${name}'`, () =>
      this.topics.addPartitions(name, from, count),
    );
  }

  deleteTopic(name: string, partitionIds: number[]): void {
    this.guard(`deleting topic '${name}'`, () => this.topics.delete(name, partitionIds));
  }

  // ---- records --------------------------------------------------------------------------------

  /** Appends every partition's batch in one transaction: all of them are stored, or none. */
  append(appends: PartitionAppend[], what: string): void {
    this.guard(what, () => this.appender.append(appends));
    this.written(appends);
  }

  /**
   * A transaction's writes: record batches of any partitions and group offsets, in one SQLite
   * transaction, so a crash leaves all of them or none.
   */
  appendAndCommit(appends: PartitionAppend[], commits: GroupOffsets[], what: string): void {
    this.guard(what, () => this.appender.appendAndCommit(appends, commits));
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
    return this.guard(`reading ${topic}-${partition} from offset ${offset}`, () =>
      this.reader.read(partitionId, topic, partition, offset, maxRecords, maxBytes),
    );
  }

  /** The first offset at or after `from` whose timestamp is >= `timestamp`, if any. */
  offsetForTimestamp(partitionId: number, from: number, timestamp: number): number | undefined {
    return this.guard('looking up a timestamp', () =>
      this.reader.offsetForTimestamp(partitionId, from, timestamp),
    );
  }

  // ---- retention and compaction ---------------------------------------------------------------

  /**
   * Moves the log start to `newStart`, deleting the batches wholly below it (records below it in a
   * batch that straddles it stay stored but are never returned). Returns the bytes that remain.
   */
  truncateBefore(partitionId: number, newStart: number, bytesBefore: number): number {
    return this.guard('applying retention', () =>
      this.retention.truncateBefore(partitionId, newStart, bytesBefore),
    );
  }

  /**
   * Size retention: the log start that drops the oldest batches while the partition holds more than
   * `limit` bytes. The newest batch always stays (as Kafka keeps its active segment).
   */
  sizeRetentionStart(partitionId: number, from: number, bytes: number, limit: number): number {
    return this.guard('applying retention', () =>
      this.retention.sizeRetentionStart(partitionId, from, bytes, limit),
    );
  }

  /**
   * Compaction: removes every record below `upTo` that a later record with the same key
   * supersedes, and the tombstones below `upTo` older than `tombstoneCutoff`, a chunk of batches
   * per `step` (store/compaction.ts): the caller may give the event loop back between steps.
   */
  compaction(partitionId: number, logStart: number, upTo: number, tombstoneCutoff: number): CompactionJob {
    const job = this.compactor(partitionId, logStart, upTo, tombstoneCutoff);
    return {
      step: (maxBatches?: number) => this.guard('compacting', () => job.step(maxBatches)),
      get removed() {
        return job.removed;
      },
      get bytesDelta() {
        return job.bytesDelta;
      },
    };
  }

  // ---- consumer group offsets ----------------------------------------------------------------

  commitOffsets(groupId: string, offsets: OffsetToCommit[]): void {
    const now = Date.now();
    this.guard(`committing offsets for group '${groupId}'`, () =>
      this.groupOffsets.commit(groupId, offsets, now),
    );
    this.written();
  }

  committedOffsets(groupId: string, topic?: string): CommittedOffsetRow[] {
    return this.guard('reading committed offsets', () => this.groupOffsets.committed(groupId, topic));
  }

  groupsWithOffsets(): string[] {
    return this.guard('listing groups', () => this.groupOffsets.groups());
  }

  // ---- diagnostics and close ------------------------------------------------------------------

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
    this.closeConnections();
    try {
      const pid = readFileSync(this.pidPath, 'utf8').trim();
      if (pid === String(process.pid)) rmSync(this.pidPath, { force: true });
    } catch {
      // already gone
    }
  }

  private closeConnections(): void {
    this.db.close();
    this.lock.close();
    releaseStore(this.path);
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
