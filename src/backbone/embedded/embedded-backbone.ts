// The embedded backbone: Kafka's model (topics, partitions, offsets, consumer groups) on one SQLite
// database in a local data directory, for one process. Storage is in log-store.ts, groups in
// group-coordinator.ts, produce planning in produce-plan.ts, retention and compaction in
// maintenance.ts; this class keeps the partitions' state in memory (partition-state.ts), checks
// every request and wakes long polls the moment a record is appended.
import {
  BackboneClosedError,
  InvalidConfigError,
  OffsetOutOfRangeError,
  TopicExistsError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../errors.js';
import { validatePartitionGrowth, validateTopicName } from '../topic-name.js';
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
  PartitionReader,
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
import { GroupCoordinator } from './group-coordinator.js';
import { LogStore } from './log-store.js';
import { BackgroundMaintenance, runMaintenance, type MaintenanceReport } from './maintenance.js';
import {
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_MAINTENANCE_INTERVAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  validateEmbeddedOptions,
  type EmbeddedOptions,
} from './options.js';
import {
  newTopicState,
  waitForAppend,
  wakeAll,
  type PartitionState,
  type TopicState,
} from './partition-state.js';
import { buildAppends, planProduce, publishAppends, type PlannedProduce } from './produce-plan.js';
import { checkFetchRequest, checkNewTopic, checkOffsetToCommit } from './request-checks.js';
import { effectiveTopicConfig } from './topic-config.js';
import {
  EmbeddedTransactionalProducer,
  type GroupCommit,
  type TransactionHost,
} from './transactional-producer.js';
import { WriteGroup, type GroupedWrite } from './write-group.js';

export type { EmbeddedOptions } from './options.js';
export type { MaintenanceReport } from './maintenance.js';

export class EmbeddedBackbone implements Backbone {
  readonly kind = 'embedded';
  readonly dataDir: string;
  private readonly store: LogStore;
  private readonly topics = new Map<string, TopicState>();
  private readonly groups: GroupCoordinator;
  private readonly maxMessageBytes: number;
  private readonly defaultPartitions: number;
  private readonly defaultReplicationFactor: number;
  private readonly maintenance: BackgroundMaintenance;
  /** The open transactional producer of each transactional id (the newest: older ones are fenced). */
  private readonly producers = new Map<string, EmbeddedTransactionalProducer<PlannedProduce>>();
  /** Produce calls and transaction commits of one event-loop turn, stored in one transaction. */
  private readonly writes: WriteGroup;
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
    this.writes = new WriteGroup({
      check: (write) => this.checkWrite(write),
      store: (plans, commits, what) => {
        const built = buildAppends(plans, this.topics);
        if (commits.length === 0) this.store.append(built.appends, what);
        else this.store.appendAndCommit(built.appends, commits, what);
        publishAppends(built);
        return built.results;
      },
    });
    this.maintenance = new BackgroundMaintenance(
      {
        store,
        topics: () => [...this.topics.values()],
        maxMessageBytes: this.maxMessageBytes,
        live: (topic) => !this.closed && this.topics.get(topic.name) === topic,
      },
      options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS,
    );
  }

  /** Opens the store in `options.dataDir`, creating it when absent. */
  static async open(options: EmbeddedOptions): Promise<EmbeddedBackbone> {
    validateEmbeddedOptions(options);
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
    const { name, partitions, replicationFactor, config } = checkNewTopic(
      topic,
      { partitions: this.defaultPartitions, replicationFactor: this.defaultReplicationFactor },
      this.topics,
    );
    const ids = this.store.createTopic({ name, partitions, replicationFactor, config }, Date.now());
    const state = this.topicState(name, partitions, replicationFactor, config);
    ids.forEach((id, p) => (state.partitions[p].id = id));
    this.topics.set(name, state);
    this.groups.topicChanged(name);
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

  async createPartitions(name: string, count: number): Promise<void> {
    const topic = this.topic(name);
    const current = topic.partitions.length;
    validatePartitionGrowth(name, current, count);
    if (count === current) return;
    const ids = this.store.addPartitions(name, current, count);
    const added = newTopicState(
      name,
      count,
      topic.replicationFactor,
      topic.config,
      this.maxMessageBytes,
    ).partitions.slice(current);
    added.forEach((p, i) => (p.id = ids[i]));
    topic.partitions.push(...added);
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
    const [results] = await this.writes.submit({
      plans: [planned],
      commits: [],
      what: `appending ${records.length} record(s) to topic '${topicName}'`,
    });
    return results;
  }

  /** What a queued write would fail on by itself: a topic deleted, or an offset gone, since it was checked. */
  private checkWrite({ plans, commits }: GroupedWrite): void {
    this.assertOpen();
    for (const { topic } of plans) {
      if (this.topics.get(topic.name) !== topic) throw new UnknownTopicError(topic.name);
    }
    for (const c of commits) this.checkOffsets(c.offsets);
  }

  /** Storage transactions the produce calls and commits took, and the calls they carried. */
  writeStats(): { transactions: number; calls: number } {
    return this.writes.stats();
  }

  /** Checks one produce call and picks each record's partition, writing nothing (produce-plan.ts). */
  private planProduce(
    topicName: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): PlannedProduce {
    return planProduce(this.topic(topicName), records, options);
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    const { maxRecords, maxBytes, maxWaitMs } = checkFetchRequest(request);
    const { topic: topicName, partition, offset } = request;
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
      await waitForAppend([p], left, request.signal);
    }
  }

  /** In one process a long poll holds up nothing else: the reader only adds its own close. */
  partitionReader(): PartitionReader {
    this.assertOpen();
    const closing = new AbortController();
    return {
      fetch: (request) => {
        if (closing.signal.aborted) return Promise.reject(new BackboneClosedError());
        const signal = request.signal ? AbortSignal.any([request.signal, closing.signal]) : closing.signal;
        return this.fetch({ ...request, signal });
      },
      close: async () => closing.abort(new BackboneClosedError()),
    };
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
      checkOffsetToCommit(o.offset, o.metadata);
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
        return waitForAppend(states, ms, signal, wakers);
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
      commit: async (plans: PlannedProduce[], commits: GroupCommit[]) => {
        // topics deleted since the calls were checked fail the commit (UnknownTopicError, checkWrite)
        const records = plans.reduce((n, p) => n + p.encoded.length, 0);
        await this.writes.submit({
          plans,
          commits,
          what: `committing a transaction of ${records} record(s) and ${commits.length} group commit(s)`,
        });
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
    return runMaintenance(
      this.store,
      this.topics.values(),
      this.maxMessageBytes,
      now,
      options.onlyDirty ?? false,
    );
  }

  /**
   * The background timer's pass, run now: retention and compaction of the dirty partitions, giving
   * the event loop back every few ms (maintenance.ts), so a large compacted partition does not
   * stall the process (`sliceMs`: how long it may hold the loop at a time). Answers undefined
   * when a pass is already running.
   */
  async runMaintenanceInBackground(
    options: { now?: number; sliceMs?: number } = {},
  ): Promise<MaintenanceReport | undefined> {
    this.assertOpen();
    return this.maintenance.run(options);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.writes.flush(); // what was accepted is stored, as a Kafka producer flushes at close
    this.closed = true;
    this.maintenance.stop();
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
    return newTopicState(name, partitions, replicationFactor, config, this.maxMessageBytes);
  }
}
