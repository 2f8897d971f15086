// The embedded backbone: Kafka's model (topics, partitions, offsets, consumer groups) on one SQLite
// database in a local data directory, for one process. Storage is in log-store.ts, groups in
// group-coordinator.ts; this file keeps the partitions' state in memory, checks every request
// and wakes long polls the moment a record is appended.
import {
  BackboneClosedError,
  InvalidConfigError,
  InvalidRecordError,
  InvalidTopicNameError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  TopicExistsError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../errors.js';
import { partitionForKey } from '../partitioner.js';
import { encodeRecord, type EncodedRecord } from '../records.js';
import { validatePartitionCount, validateTopicName } from '../topic-name.js';
import type {
  Backbone,
  ConsumedRecord,
  ConsumerOptions,
  FetchRequest,
  FetchResult,
  GroupConsumer,
  GroupDescription,
  NewTopic,
  PartitionOffsets,
  ProduceOptions,
  ProducerRecord,
  RecordMetadata,
  TopicConfig,
  TopicDescription,
  TopicPartition,
  TopicPartitionOffset,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../types.js';
import type { AssignmentStrategy } from './assignors.js';
import type { CheckpointTuning } from './checkpointer.js';
import { GroupCoordinator } from './group-coordinator.js';
import { LogStore, type PartitionAppend } from './log-store.js';
import { encodeBatch, recordBytes, type BatchRecord } from './record-batch.js';
import { effectiveTopicConfig, hasDeletePolicy, isCompacted, validateTopicConfig } from './topic-config.js';
import {
  EmbeddedTransactionalProducer,
  type GroupCommit,
  type TransactionHost,
} from './transactional-producer.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const DEFAULT_FETCH_MAX_RECORDS = 500;
const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAINTENANCE_INTERVAL_MS = 30_000;

export interface EmbeddedOptions {
  /** The data directory (created when missing). */
  dataDir: string;
  /** The largest record a topic accepts unless its `max.message.bytes` says otherwise (default 1 MiB). */
  maxMessageBytes?: number;
  /** Simulated disk size: appends that would grow the store beyond it fail with `StorageFullError`. */
  maxStorageBytes?: number;
  defaultPartitions?: number;
  defaultReplicationFactor?: number;
  /**
   * `normal` (default): an acknowledged append survives a crash of the process; `full`: it also
   * survives power loss, at the cost of an fsync per append. See docs/backbone.md.
   */
  synchronous?: 'normal' | 'full';
  /** How often retention and compaction run in the background (default 30 s; 0 turns the timer off). */
  maintenanceIntervalMs?: number;
  /** Kafka's partition assignment strategy for consumer groups (default `range`). */
  assignmentStrategy?: AssignmentStrategy;
  /**
   * A store up to this size is checked whole at open (SQLite's quick_check, about 1 s per GB);
   * damage elsewhere surfaces as `CorruptStoreError` when it is read. Default 64 MiB; 0 = never.
   */
  integrityCheckMaxBytes?: number;
  /**
   * When WAL checkpoints run (a worker thread copies the WAL into the database file; see
   * docs/backbone.md). The defaults suit production; tests shrink them to see every path.
   */
  walCheckpoint?: CheckpointTuning;
}

interface PartitionState {
  id: number;
  partition: number;
  logStart: number;
  next: number;
  bytes: number;
  maxTimestamp: number;
  /** Records appended since the last compaction: compaction skips clean partitions. */
  dirty: number;
  waiters: Set<() => void>;
}

interface TopicState {
  name: string;
  partitions: PartitionState[];
  replicationFactor: number;
  config: TopicConfig;
  maxMessageBytes: number;
  compacted: boolean;
  roundRobin: number;
}

/** One produce call, checked and spread over partitions; offsets are given when it is written. */
interface PlannedProduce {
  topic: TopicState;
  encoded: EncodedRecord[];
  /** The partition of each record. */
  targets: Int32Array;
}

export interface MaintenanceReport {
  /** Records removed by retention (time or size). */
  retained: number;
  /** Records removed by compaction (superseded values and expired tombstones). */
  compacted: number;
}

export class EmbeddedBackbone implements Backbone {
  readonly kind = 'embedded';
  readonly dataDir: string;
  private readonly store: LogStore;
  private readonly topics = new Map<string, TopicState>();
  private readonly groups: GroupCoordinator;
  private readonly maxMessageBytes: number;
  private readonly defaultPartitions: number;
  private readonly defaultReplicationFactor: number;
  private readonly maintenanceTimer: NodeJS.Timeout | undefined;
  /** The open transactional producer of each transactional id (the newest: older ones are fenced). */
  private readonly producers = new Map<string, EmbeddedTransactionalProducer<PlannedProduce>>();
  private closed = false;

  private constructor(store: LogStore, options: EmbeddedOptions) {
    this.store = store;
    this.dataDir = options.dataDir;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.defaultReplicationFactor = options.defaultReplicationFactor ?? 1;
    const { topics, partitions } = store.loadTopics();
    for (const t of topics) {
      this.topics.set(t.name, this.topicState(t.name, t.partitions, t.replicationFactor, t.config));
    }
    for (const p of partitions) {
      const topic = this.topics.get(p.topic);
      if (!topic || !topic.partitions[p.partition]) continue;
      Object.assign(topic.partitions[p.partition], {
        id: p.id,
        logStart: p.logStartOffset,
        next: p.nextOffset,
        bytes: p.bytes,
        maxTimestamp: p.maxTimestamp,
        dirty: p.nextOffset - p.logStartOffset,
      });
    }
    this.groups = new GroupCoordinator(this.groupHost(), options.assignmentStrategy ?? 'range');
    const interval = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    if (interval > 0) {
      this.maintenanceTimer = setInterval(() => {
        try {
          this.runMaintenance(Date.now(), { onlyDirty: true });
        } catch {
          // retried at the next tick; a full disk or a closed store must not crash the process
        }
      }, interval);
      this.maintenanceTimer.unref();
    }
  }

  /** Opens the store in `options.dataDir`, creating it when absent. */
  static async open(options: EmbeddedOptions): Promise<EmbeddedBackbone> {
    if (!options || typeof options.dataDir !== 'string' || options.dataDir.length === 0) {
      throw new InvalidConfigError('the embedded backbone needs a dataDir');
    }
    positiveInteger('maxMessageBytes', options.maxMessageBytes);
    positiveInteger('maxStorageBytes', options.maxStorageBytes);
    positiveInteger('defaultPartitions', options.defaultPartitions);
    positiveInteger('defaultReplicationFactor', options.defaultReplicationFactor);
    if (
      options.synchronous !== undefined &&
      options.synchronous !== 'normal' &&
      options.synchronous !== 'full'
    ) {
      throw new InvalidConfigError(
        `synchronous must be 'normal' or 'full', got ${String(options.synchronous)}`,
      );
    }
    const store = LogStore.open({
      dataDir: options.dataDir,
      synchronous: options.synchronous,
      maxStorageBytes: options.maxStorageBytes,
      integrityCheckMaxBytes: options.integrityCheckMaxBytes,
      checkpoint: options.walCheckpoint,
    });
    try {
      return new EmbeddedBackbone(store, options);
    } catch (error) {
      store.close();
      throw error;
    }
  }

  // ---- topics ---------------------------------------------------------------------------------

  async createTopic(topic: NewTopic): Promise<void> {
    this.assertOpen();
    if (topic === null || typeof topic !== 'object')
      throw new InvalidConfigError('createTopic needs { name, partitions? }');
    validateTopicName(topic.name);
    const partitions = topic.partitions ?? this.defaultPartitions;
    validatePartitionCount(partitions);
    const replicationFactor = topic.replicationFactor ?? this.defaultReplicationFactor;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new InvalidConfigError(
        `the replication factor must be a positive integer, got ${String(replicationFactor)}`,
      );
    }
    const config = validateTopicConfig(topic.config);
    if (this.topics.has(topic.name)) throw new TopicExistsError(topic.name);
    // Kafka refuses names that differ only in '.' versus '_' (they collide in its metric names).
    const normal = topic.name.replace(/\./g, '_');
    for (const existing of this.topics.keys()) {
      if (existing.replace(/\./g, '_') === normal) {
        throw new InvalidTopicNameError(
          topic.name,
          `it collides with the existing topic '${existing}' ('.' and '_' collide)`,
        );
      }
    }
    const ids = this.store.createTopic(
      { name: topic.name, partitions, replicationFactor, config },
      Date.now(),
    );
    const state = this.topicState(topic.name, partitions, replicationFactor, config);
    ids.forEach((id, p) => (state.partitions[p].id = id));
    this.topics.set(topic.name, state);
    this.groups.topicChanged(topic.name);
  }

  async ensureTopic(topic: NewTopic): Promise<void> {
    this.assertOpen();
    if (topic && typeof topic.name === 'string' && this.topics.has(topic.name)) return;
    try {
      await this.createTopic(topic);
    } catch (error) {
      if (!(error instanceof TopicExistsError)) throw error;
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const topic = this.topic(name);
    return {
      name,
      partitions: topic.partitions.map((p) => ({
        partition: p.partition,
        earliestOffset: p.logStart,
        latestOffset: p.next,
      })),
      replicationFactor: topic.replicationFactor,
      config: effectiveTopicConfig(topic.config, this.maxMessageBytes),
    };
  }

  async listTopics(): Promise<string[]> {
    this.assertOpen();
    return [...this.topics.keys()].sort();
  }

  async deleteTopic(name: string): Promise<void> {
    const topic = this.topic(name);
    this.store.deleteTopic(
      name,
      topic.partitions.map((p) => p.id),
    );
    this.topics.delete(name);
    for (const p of topic.partitions) wakeAll(p);
    this.groups.topicChanged(name);
  }

  // ---- produce and fetch ----------------------------------------------------------------------

  async produce(
    topicName: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): Promise<RecordMetadata[]> {
    const planned = this.planProduce(topicName, records, options);
    if (planned.encoded.length === 0) return [];
    const { appends, touched, results } = this.buildAppends([planned]);
    this.store.append(appends, `appending ${records.length} record(s) to topic '${topicName}'`);
    this.publishAppends(appends, touched);
    return results[0];
  }

  /**
   * Checks one produce call and picks each record's partition, writing nothing: a bad record rejects
   * the whole call. Offsets are given later (`buildAppends`), so a transaction can plan now and take
   * its offsets at commit.
   */
  private planProduce(
    topicName: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): PlannedProduce {
    const topic = this.topic(topicName);
    if (!Array.isArray(records)) throw new InvalidRecordError('produce takes an array of records');
    const partitioner = options?.partitioner ?? 'murmur2';
    if (partitioner !== 'murmur2' && partitioner !== 'round-robin') {
      throw new InvalidConfigError(`unknown partitioner '${String(partitioner)}' (murmur2 or round-robin)`);
    }
    const now = Date.now();
    const count = topic.partitions.length;
    const encoded: EncodedRecord[] = new Array(records.length);
    const targets = new Int32Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const e = encodeRecord(record, now);
      if (e.size > topic.maxMessageBytes)
        throw new RecordTooLargeError(topicName, e.size, topic.maxMessageBytes);
      if (topic.compacted && e.key === null) {
        throw new InvalidRecordError(`topic '${topicName}' is compacted: every record needs a key`);
      }
      encoded[i] = e;
      let partition: number;
      if (record.partition !== undefined && record.partition !== null) {
        partition = record.partition;
        if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
          throw new UnknownPartitionError(topicName, partition, count);
        }
      } else if (e.key !== null && partitioner === 'murmur2') {
        partition = partitionForKey(e.key, count);
      } else {
        partition = topic.roundRobin % count;
        topic.roundRobin = (topic.roundRobin + 1) % count;
      }
      targets[i] = partition;
    }
    return { topic, encoded, targets };
  }

  /**
   * One record batch per partition for the planned calls (in call order within each partition),
   * with offsets from the partitions' current ends. Throws `UnknownTopicError` when a planned topic
   * was deleted since. Nothing is written and no state changes.
   */
  private buildAppends(plans: PlannedProduce[]): {
    appends: PartitionAppend[];
    touched: PartitionState[];
    results: RecordMetadata[][];
  } {
    const byPartition = new Map<PartitionState, BatchRecord[]>();
    const results: RecordMetadata[][] = [];
    for (const { topic, encoded, targets } of plans) {
      if (this.topics.get(topic.name) !== topic) throw new UnknownTopicError(topic.name);
      const out: RecordMetadata[] = new Array(encoded.length);
      for (let i = 0; i < encoded.length; i++) {
        const p = topic.partitions[targets[i]];
        let batch = byPartition.get(p);
        if (!batch) {
          batch = [];
          byPartition.set(p, batch);
        }
        const e = encoded[i];
        const offset = p.next + batch.length;
        batch.push({ offset, timestamp: e.timestamp, key: e.key, value: e.value, headers: e.headers });
        out[i] = { topic: topic.name, partition: p.partition, offset, timestamp: e.timestamp };
      }
      results.push(out);
    }
    const appends: PartitionAppend[] = [];
    const touched: PartitionState[] = [];
    for (const [p, batch] of byPartition) {
      let bytes = 0;
      let maxTimestamp = -1;
      let raisedAt = -1;
      for (const r of batch) {
        bytes += recordBytes(r);
        if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
        if (raisedAt < 0 && r.timestamp > p.maxTimestamp) raisedAt = r.offset;
      }
      touched.push(p);
      appends.push({
        partitionId: p.id,
        baseOffset: p.next,
        lastOffset: p.next + batch.length - 1,
        count: batch.length,
        maxTimestamp,
        bytes,
        payload: encodeBatch(p.next, batch),
        ...(raisedAt >= 0 ? { timeIndex: { maxTimestamp, offset: raisedAt } } : {}),
      });
    }
    return { appends, touched, results };
  }

  /** After the store committed `appends`: publishes the partitions' new ends and wakes the long polls. */
  private publishAppends(appends: PartitionAppend[], touched: PartitionState[]): void {
    for (let i = 0; i < appends.length; i++) {
      const a = appends[i];
      const p = touched[i];
      p.next = a.lastOffset + 1;
      p.bytes += a.bytes;
      p.dirty += a.count;
      if (a.maxTimestamp > p.maxTimestamp) p.maxTimestamp = a.maxTimestamp;
      wakeAll(p);
    }
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    if (request === null || typeof request !== 'object')
      throw new InvalidConfigError('fetch needs a request object');
    const { topic: topicName, partition, offset } = request;
    const maxRecords = request.maxRecords ?? DEFAULT_FETCH_MAX_RECORDS;
    const maxBytes = request.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
    const maxWaitMs = request.maxWaitMs ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new InvalidConfigError(`the fetch offset must be a non-negative integer, got ${String(offset)}`);
    }
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new InvalidConfigError(`maxRecords must be a positive integer, got ${String(maxRecords)}`);
    }
    if (typeof maxWaitMs !== 'number' || !(maxWaitMs >= 0)) {
      throw new InvalidConfigError(`maxWaitMs must be a number >= 0, got ${String(maxWaitMs)}`);
    }
    request.signal?.throwIfAborted();
    const deadline = maxWaitMs > 0 ? Date.now() + maxWaitMs : 0;
    for (;;) {
      const topic = this.topic(topicName);
      const p = this.partition(topic, partition);
      if (offset < p.logStart || offset > p.next) {
        throw new OffsetOutOfRangeError(topicName, partition, offset, p.logStart, p.next);
      }
      const records = offset < p.next ? this.read(topicName, p, offset, maxRecords, maxBytes) : [];
      const left = deadline - Date.now();
      if (records.length > 0 || left <= 0) {
        return { records, highWatermark: p.next, logStartOffset: p.logStart };
      }
      await this.waitForAppend([p], left, request.signal);
    }
  }

  private read(
    topic: string,
    p: PartitionState,
    offset: number,
    maxRecords: number,
    maxBytes: number,
  ): ConsumedRecord[] {
    return this.store.read(p.id, topic, p.partition, offset, maxRecords, maxBytes);
  }

  /** Resolves on the next append to one of `partitions`, a call of a waker, the timeout or close. */
  private waitForAppend(
    partitions: PartitionState[],
    ms: number,
    signal?: AbortSignal,
    wakers?: Set<() => void>,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = (): void => {
        clearTimeout(timer);
        for (const p of partitions) p.waiters.delete(done);
        wakers?.delete(done);
        signal?.removeEventListener('abort', aborted);
      };
      const woken = (): void => {
        done();
        resolve();
      };
      const aborted = (): void => {
        done();
        reject(signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
      };
      for (const p of partitions) p.waiters.add(woken);
      wakers?.add(woken);
      signal?.addEventListener('abort', aborted, { once: true });
      timer = setTimeout(woken, ms);
    });
  }

  // ---- offsets --------------------------------------------------------------------------------

  async listOffsets(topicName: string): Promise<PartitionOffsets[]> {
    const topic = this.topic(topicName);
    return topic.partitions.map((p) => ({ partition: p.partition, earliest: p.logStart, latest: p.next }));
  }

  async offsetForTimestamp(topicName: string, partition: number, timestamp: number): Promise<number> {
    const topic = this.topic(topicName);
    const p = this.partition(topic, partition);
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new InvalidConfigError(
        `the timestamp must be a number of ms since the epoch, got ${String(timestamp)}`,
      );
    }
    if (p.next === p.logStart) return p.next;
    return this.store.offsetForTimestamp(p.id, p.logStart, timestamp) ?? p.next;
  }

  // ---- consumer groups ------------------------------------------------------------------------

  async consumer(options: ConsumerOptions): Promise<GroupConsumer> {
    this.assertOpen();
    return this.groups.join(options);
  }

  async committedOffsets(groupId: string, topic?: string): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    return this.committed(groupId, topic);
  }

  async commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    this.assertOpen();
    if (typeof groupId !== 'string' || groupId.length === 0)
      throw new InvalidConfigError('a non-empty groupId is needed');
    this.commit(groupId, offsets);
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.assertOpen();
    return this.groups.describe(groupId);
  }

  async listGroups(): Promise<string[]> {
    this.assertOpen();
    return [...new Set([...this.groups.activeGroups(), ...this.store.groupsWithOffsets()])].sort();
  }

  private committed(groupId: string, topic?: string): TopicPartitionOffset[] {
    return this.store.committedOffsets(groupId, topic).map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      ...(r.metadata !== null ? { metadata: r.metadata } : {}),
    }));
  }

  private commit(groupId: string, offsets: TopicPartitionOffset[]): void {
    this.checkOffsets(offsets);
    this.store.commitOffsets(groupId, offsets);
  }

  /** Throws unless every offset names an existing partition and is a valid offset to commit. */
  private checkOffsets(offsets: TopicPartitionOffset[]): void {
    if (!Array.isArray(offsets))
      throw new InvalidConfigError('offsets must be an array of { topic, partition, offset }');
    for (const o of offsets) {
      const topic = this.topic(o?.topic);
      this.partition(topic, o.partition);
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new InvalidConfigError(
          `a committed offset must be a non-negative integer, got ${String(o.offset)}`,
        );
      }
      if (o.metadata !== undefined && typeof o.metadata !== 'string') {
        throw new InvalidConfigError('commit metadata must be a string');
      }
    }
  }

  private groupHost() {
    return {
      partitionCount: (topic: string) => this.topics.get(topic)?.partitions.length ?? 0,
      offsetRange: (topic: string, partition: number): [number, number] => {
        const p = this.partition(this.topic(topic), partition);
        return [p.logStart, p.next];
      },
      readSync: (topic: string, partition: number, offset: number, maxRecords: number) => {
        const t = this.topics.get(topic);
        const p = t?.partitions[partition];
        if (!p || offset >= p.next) return [];
        return this.read(topic, p, offset, maxRecords, DEFAULT_FETCH_MAX_BYTES);
      },
      waitForAppend: (
        partitions: TopicPartition[],
        ms: number,
        signal: AbortSignal | undefined,
        wakers: Set<() => void>,
      ) => {
        const states = partitions
          .map((tp) => this.topics.get(tp.topic)?.partitions[tp.partition])
          .filter((p): p is PartitionState => p !== undefined);
        return this.waitForAppend(states, ms, signal, wakers);
      },
      committed: (groupId: string) => this.committed(groupId),
      commit: (groupId: string, offsets: TopicPartitionOffset[]) => this.commit(groupId, offsets),
      assertOpen: () => this.assertOpen(),
    };
  }

  // ---- transactions ---------------------------------------------------------------------------

  async transactionalProducer(options: TransactionalProducerOptions): Promise<TransactionalProducer> {
    this.assertOpen();
    const id = options?.transactionalId;
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidConfigError('a transactional producer needs a non-empty transactionalId');
    }
    // zombie fencing, as Kafka's InitProducerId: the older producer's open transaction is discarded
    this.producers.get(id)?.fence();
    const producer = new EmbeddedTransactionalProducer(id, this.transactionHost(), () => {
      if (this.producers.get(id) === producer) this.producers.delete(id);
    });
    this.producers.set(id, producer);
    return producer;
  }

  private transactionHost(): TransactionHost<PlannedProduce> {
    return {
      plan: (topic, records, options) => this.planProduce(topic, records, options),
      checkOffsets: (offsets) => this.checkOffsets(offsets),
      commit: (plans: PlannedProduce[], commits: GroupCommit[]) => {
        // topics deleted since the calls were checked fail the commit here (UnknownTopicError)
        const { appends, touched } = this.buildAppends(plans);
        for (const c of commits) this.checkOffsets(c.offsets);
        const records = plans.reduce((n, p) => n + p.encoded.length, 0);
        this.store.appendAndCommit(
          appends,
          commits,
          `committing a transaction of ${records} record(s) and ${commits.length} group commit(s)`,
        );
        this.publishAppends(appends, touched);
      },
      assertOpen: () => this.assertOpen(),
    };
  }

  // ---- retention and compaction ---------------------------------------------------------------

  /**
   * Applies retention (time and size) and compaction to every topic now, as the background timer
   * does. Offsets are never renumbered: retention moves the log start, compaction leaves gaps.
   */
  runMaintenance(now = Date.now(), options: { onlyDirty?: boolean } = {}): MaintenanceReport {
    this.assertOpen();
    const report: MaintenanceReport = { retained: 0, compacted: 0 };
    for (const topic of this.topics.values()) {
      const config = effectiveTopicConfig(topic.config, this.maxMessageBytes);
      for (const p of topic.partitions) {
        if (hasDeletePolicy(config)) report.retained += this.applyRetention(p, config, now);
        if (topic.compacted && (!options.onlyDirty || p.dirty > 0))
          report.compacted += this.compactPartition(p, config, now);
      }
    }
    return report;
  }

  private applyRetention(p: PartitionState, config: TopicConfig, now: number): number {
    let newStart = p.logStart;
    const retentionMs = config['retention.ms'] ?? -1;
    if (retentionMs >= 0 && p.next > p.logStart) {
      newStart = Math.max(
        newStart,
        this.store.offsetForTimestamp(p.id, p.logStart, now - retentionMs) ?? p.next,
      );
    }
    const retentionBytes = config['retention.bytes'] ?? -1;
    if (retentionBytes >= 0 && p.bytes > retentionBytes) {
      newStart = Math.max(newStart, this.store.sizeRetentionStart(p.id, p.logStart, p.bytes, retentionBytes));
    }
    if (newStart <= p.logStart) return 0;
    const removed = newStart - p.logStart;
    p.bytes = this.store.truncateBefore(p.id, newStart, p.bytes);
    p.logStart = newStart;
    return removed;
  }

  private compactPartition(p: PartitionState, config: TopicConfig, now: number): number {
    if (p.next === p.logStart) return 0;
    const lag = config['min.compaction.lag.ms'] ?? 0;
    const upTo = lag > 0 ? (this.store.offsetForTimestamp(p.id, p.logStart, now - lag) ?? p.next) : p.next;
    const tombstoneCutoff = now - (config['delete.retention.ms'] ?? 0);
    const [removed, bytes] = this.store.compact(p.id, p.logStart, upTo, tombstoneCutoff);
    p.bytes = bytes;
    p.dirty = 0;
    return removed;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.maintenanceTimer);
    for (const producer of [...this.producers.values()]) producer.closeNow();
    this.groups.closeAll();
    for (const topic of this.topics.values()) for (const p of topic.partitions) wakeAll(p);
    this.store.close();
  }

  /** Bytes used by the database file (diagnostics and tests). */
  storageBytes(): number {
    this.assertOpen();
    return this.store.fileBytes();
  }

  /** WAL checkpoints so far: by the checkpointing worker thread, and on the event loop (fallback). */
  checkpoints(): { byWorker: number; onEventLoop: number } {
    this.assertOpen();
    return this.store.checkpoints();
  }

  private assertOpen(): void {
    if (this.closed) throw new BackboneClosedError();
  }

  private topic(name: string): TopicState {
    this.assertOpen();
    const topic = typeof name === 'string' ? this.topics.get(name) : undefined;
    if (!topic) {
      if (typeof name === 'string') validateTopicName(name);
      throw new UnknownTopicError(String(name));
    }
    return topic;
  }

  private partition(topic: TopicState, partition: number): PartitionState {
    const p = Number.isInteger(partition) ? topic.partitions[partition] : undefined;
    if (!p) throw new UnknownPartitionError(topic.name, partition, topic.partitions.length);
    return p;
  }

  private topicState(
    name: string,
    partitions: number,
    replicationFactor: number,
    config: TopicConfig,
  ): TopicState {
    return {
      name,
      replicationFactor,
      config,
      maxMessageBytes: config['max.message.bytes'] ?? this.maxMessageBytes,
      compacted: isCompacted(config),
      roundRobin: 0,
      partitions: Array.from({ length: partitions }, (_, partition) => ({
        id: 0,
        partition,
        logStart: 0,
        next: 0,
        bytes: 0,
        maxTimestamp: -1,
        dirty: 0,
        waiters: new Set<() => void>(),
      })),
    };
  }
}

function wakeAll(p: PartitionState): void {
  if (p.waiters.size === 0) return;
  for (const w of [...p.waiters]) w();
}

function positiveInteger(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
