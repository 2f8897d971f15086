// The Backbone on a real Kafka cluster, over @platformatic/kafka (chosen by measurement:
// docs/benchmarks.md). Partitions are computed here with Kafka's own murmur2 (the client's default
// partitioner differs), so a key lands where the Java client and the embedded backbone put it.
import { randomUUID } from 'node:crypto';
import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  FindCoordinatorKeyTypes,
  ProduceAcks,
  Producer,
  type BaseOptions,
} from '@platformatic/kafka';
import {
  BackboneClosedError,
  InvalidRecordError,
  OffsetOutOfRangeError,
  RecordTooLargeError,
  UnknownGroupError,
  UnknownPartitionError,
  UnknownTopicError,
} from '../errors.js';
import { partitionForKey } from '../partitioner.js';
import { encodeRecord, type EncodedRecord } from '../records.js';
import { validatePartitionCount, validateTopicName } from '../topic-name.js';
import type {
  Backbone,
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
  TopicDescription,
  TopicPartitionOffset,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../types.js';
import { planSends, type OutgoingRecord } from './batches.js';
import { isTransient, protocolErrorIds, translateError, type ErrorContext } from './errors.js';
import { KafkaGroupConsumer } from './group-consumer.js';
import { KafkaTransactionalProducer } from './transactional-producer.js';
import { clientOptions, type KafkaBackboneOptions } from './options.js';
import { decodePartition, type FetchResponsePartition } from './records.js';
import { fromKafkaConfigs, toKafkaConfigs, TOPIC_CONFIG_NAMES } from './topic-configs.js';
import { abortable, groupState, sleep, withTimeout } from './util.js';

const EARLIEST = -2n;
const LATEST = -1n;
/** How long topic creation and deletion may take to show in the cluster's metadata. */
const PROPAGATION_MS = 15_000;
/** Attempts at an operation that failed with a transient Kafka error (a leader moved, ...). */
const TRANSIENT_ATTEMPTS = 6;
/** The longest wait of one Fetch request; longer long polls are several requests. */
export const MAX_FETCH_WAIT_MS = 10_000;
/** Kafka's default `max.message.bytes`. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** How long a topic's `max.message.bytes` is trusted before it is read again. */
const LIMIT_TTL_MS = 30_000;

export interface FetchPartitionRequest {
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

/** One record of a prepared produce call; `index` is its place in the call. */
export type PreparedRecord = OutgoingRecord & { topic: string; index: number };

export interface PreparedProduce {
  encoded: EncodedRecord[];
  outgoing: PreparedRecord[];
  /** The client sends to make, in order. */
  sends: PreparedRecord[][];
}

export class KafkaBackbone implements Backbone {
  readonly kind = 'kafka';
  readonly #options: KafkaBackboneOptions;
  readonly #base: BaseOptions;
  readonly #admin: Admin;
  readonly #producer: Producer;
  /** Fetches outside any group, and metadata; it never joins its (unused) group. */
  readonly #reader: Consumer;
  /**
   * Fetches that wait for data (long polls: group members' polls, `fetch` with `maxWaitMs`). A
   * broker answers one connection's requests in order, so a long poll on the reader's connection
   * held up every fetch behind it — measured in a solution worker: its group poll (500 ms) made the
   * runners' fetches take ~490 ms instead of 0.6 ms. Long polls still queue behind one another here.
   */
  readonly #longPoller: Consumer;
  readonly #consumers = new Set<KafkaGroupConsumer>();
  /** The open transactional producer of each transactional id in this process. */
  readonly #transactional = new Map<string, KafkaTransactionalProducer>();
  readonly #roundRobin = new Map<string, number>();
  readonly #limits = new Map<string, { bytes: number; at: number }>();
  /**
   * The client's idempotent producer advances a partition's sequence number only after a send
   * succeeds, so two sends in flight to one partition would share numbers: sends go one at a time.
   */
  #produceTail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: KafkaBackboneOptions) {
    this.#options = options;
    const clientId = options.clientId ?? 'tml';
    this.#base = clientOptions(options, clientId);
    this.#admin = new Admin(this.#base);
    this.#producer = new Producer({
      ...this.#base,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      repeatOnStaleMetadata: true,
    });
    const reader = (role: string): Consumer =>
      new Consumer({
        ...this.#base,
        // a long poll is answered after its wait: the request may take that much longer
        requestTimeout: (this.#base.requestTimeout ?? 30_000) + MAX_FETCH_WAIT_MS,
        groupId: `${clientId}-${role}-${randomUUID()}`,
        autocommit: false,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
    this.#reader = reader('reader');
    this.#longPoller = reader('long-poller');
  }

  /** Connection options for further clients of the same cluster (group consumers). */
  get clientOptions(): BaseOptions {
    return this.#base;
  }

  /** Asks the cluster for its metadata: a clear error now beats one at the first use. */
  async connect(): Promise<void> {
    this.#open();
    await this.#call({ operation: 'connecting' }, () => this.#admin.metadata({ topics: [] }));
  }

  // ---- topics ---------------------------------------------------------------------------------

  async createTopic(topic: NewTopic): Promise<void> {
    this.#open();
    const { name, partitions, replicationFactor, configs } = this.#newTopic(topic);
    await this.#call({ operation: 'creating a topic', topic: name }, () =>
      this.#admin.createTopics({ topics: [name], partitions, replicas: replicationFactor, configs }),
    );
    this.#limits.delete(name);
    await this.#waitForLeaders(name, partitions);
  }

  async ensureTopic(topic: NewTopic): Promise<void> {
    this.#open();
    const { name } = this.#newTopic(topic);
    try {
      await this.createTopic(topic);
    } catch (error) {
      if ((error as { code?: string }).code !== 'TOPIC_EXISTS') throw error;
      await this.#waitForLeaders(name, 1);
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#open();
    validateTopicName(name);
    const metadata = await this.#topicMetadata(name);
    const offsets = await this.listOffsets(name);
    const described = await this.#call({ operation: 'describing a topic', topic: name }, () =>
      this.#admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: name,
            configurationKeys: TOPIC_CONFIG_NAMES,
          },
        ],
      }),
    );
    // what was set on the topic itself (source 1 = DYNAMIC_TOPIC_CONFIG), not the broker defaults
    const set = described[0]?.configs.filter((c) => c.configSource === 1) ?? [];
    return {
      name,
      partitions: offsets.map((o) => ({
        partition: o.partition,
        earliestOffset: o.earliest,
        latestOffset: o.latest,
      })),
      replicationFactor: metadata.partitions[0]?.replicas.length ?? 0,
      config: fromKafkaConfigs(set),
    };
  }

  async listTopics(): Promise<string[]> {
    this.#open();
    // Kafka's own internal topics (__consumer_offsets, ...) are left out, as the client does
    return this.#call({ operation: 'listing topics' }, () => this.#admin.listTopics());
  }

  async deleteTopic(name: string): Promise<void> {
    this.#open();
    validateTopicName(name);
    await this.#call({ operation: 'deleting a topic', topic: name }, () =>
      this.#admin.deleteTopics({ topics: [name] }),
    );
    this.#roundRobin.delete(name);
    this.#limits.delete(name);
    // deletion is asynchronous in Kafka: wait until the name is free again
    const deadline = Date.now() + PROPAGATION_MS;
    while (Date.now() < deadline) {
      const topics = await this.#call({ operation: 'listing topics' }, () => this.#admin.listTopics());
      if (!topics.includes(name)) break;
      await sleep(100);
    }
    this.#clearMetadata();
  }

  // ---- produce and fetch ----------------------------------------------------------------------

  async produce(
    topic: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): Promise<RecordMetadata[]> {
    const { encoded, outgoing, sends } = await this.prepareProduce(topic, records, options);
    if (encoded.length === 0) return [];
    const offsets = new Map<number, number>();
    const run = this.#produceTail.then(async () => {
      for (const send of sends) {
        const result = await this.#call({ operation: 'producing', topic }, () =>
          this.#producer.send({ messages: clientMessages(send) }),
        );
        const base = new Map<number, number>();
        for (const o of result.offsets ?? []) base.set(o.partition, Number(o.offset));
        const next = new Map<number, number>();
        for (const record of send) {
          const n = next.get(record.partition) ?? 0;
          next.set(record.partition, n + 1);
          offsets.set(record.index, (base.get(record.partition) ?? 0) + n);
        }
      }
    });
    this.#produceTail = run.catch(() => undefined);
    try {
      await run;
    } catch (error) {
      throw await this.tooLarge(topic, encoded, error);
    }
    return outgoing.map((o, i) => ({
      topic,
      partition: o.partition,
      offset: offsets.get(i) as number,
      timestamp: encoded[i].timestamp,
    }));
  }

  /**
   * Checks a produce call and turns it into the client's sends: partitions chosen here (Kafka's
   * murmur2), cut so each batch fits the topic's `max.message.bytes`. Sends nothing.
   */
  async prepareProduce(
    topic: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): Promise<PreparedProduce> {
    this.#open();
    validateTopicName(topic);
    if (!Array.isArray(records)) {
      throw new InvalidRecordError(`produce takes an array of records, got ${typeof records}`);
    }
    const partitioner = options?.partitioner ?? 'murmur2';
    if (partitioner !== 'murmur2' && partitioner !== 'round-robin') {
      throw new InvalidRecordError(
        `unknown partitioner '${String(partitioner)}' (use murmur2 or round-robin)`,
      );
    }
    if (records.length === 0) return { encoded: [], outgoing: [], sends: [] };
    const now = Date.now();
    const encoded = records.map((r) => encodeRecord(r, now));
    const { partitionsCount } = await this.#topicMetadata(topic);
    const outgoing: PreparedRecord[] = encoded.map((e, i) => ({
      topic,
      index: i,
      partition: this.#partitionFor(topic, records[i], e, partitionsCount, partitioner),
      key: e.key ?? undefined,
      value: e.value,
      timestamp: BigInt(e.timestamp),
      headers: headersOf(records[i]),
    }));
    const sends = planSends(topic, outgoing, await this.#maxMessageBytes(topic));
    return { encoded, outgoing, sends };
  }

  /** A send's failure, as `RecordTooLargeError` when the broker refused the batch's size. */
  async tooLarge(topic: string, encoded: EncodedRecord[], error: unknown): Promise<unknown> {
    const ids = protocolErrorIds((error as { cause?: unknown }).cause);
    if (ids.has('MESSAGE_TOO_LARGE') || ids.has('RECORD_LIST_TOO_LARGE')) {
      this.#limits.delete(topic);
      const largest = Math.max(...encoded.map((e) => e.size));
      return new RecordTooLargeError(topic, largest, await this.#maxMessageBytes(topic));
    }
    return error;
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    this.#open();
    const { topic, partition, offset } = request;
    validateTopicName(topic);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) {
      throw new InvalidRecordError(`a fetch offset must be an integer, got ${String(offset)}`);
    }
    const maxRecords = request.maxRecords ?? 500;
    const maxBytes = request.maxBytes ?? 1024 * 1024;
    const metadata = await this.#topicMetadata(topic);
    this.#checkPartition(topic, partition, metadata.partitionsCount);
    if (offset < 0) throw await this.#outOfRange(topic, partition, offset);
    const leader = metadata.partitions[partition].leader;
    const deadline = Date.now() + (request.maxWaitMs ?? 0);
    for (;;) {
      let answers;
      try {
        answers = await this.fetchFrom(
          leader,
          [{ topic, topicId: metadata.id, partition, offset, maxBytes }],
          deadline - Date.now(),
          request.signal,
        );
      } catch (error) {
        if (protocolErrorIds((error as { cause?: unknown }).cause).has('OFFSET_OUT_OF_RANGE')) {
          throw await this.#outOfRange(topic, partition, offset);
        }
        throw error;
      }
      const answer = answers[0]?.answer;
      if (!answer) return { records: [], highWatermark: offset, logStartOffset: 0 };
      const { records } = decodePartition(topic, answer, offset, { maxRecords, maxBytes });
      if (records.length > 0 || Date.now() >= deadline) {
        return {
          records,
          highWatermark: Number(answer.highWatermark),
          logStartOffset: Number(answer.logStartOffset),
        };
      }
    }
  }

  /**
   * One Fetch request to a broker for several partitions, waiting at most `waitMs` (capped at
   * MAX_FETCH_WAIT_MS) for a first byte. An abort rejects with the signal's reason.
   */
  async fetchFrom(
    node: number,
    partitions: FetchPartitionRequest[],
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ request: FetchPartitionRequest; answer: FetchResponsePartition }[]> {
    signal?.throwIfAborted();
    const byTopic = new Map<string, FetchPartitionRequest[]>();
    for (const p of partitions) byTopic.set(p.topicId, [...(byTopic.get(p.topicId) ?? []), p]);
    const response = await abortable(
      this.#call({ operation: 'fetching', topic: partitions[0]?.topic }, () =>
        (waitMs > 0 ? this.#longPoller : this.#reader).fetch({
          node,
          maxWaitTime: Math.max(0, Math.min(waitMs, MAX_FETCH_WAIT_MS)),
          minBytes: 1,
          maxBytes: partitions.reduce((sum, p) => sum + p.maxBytes, 0),
          topics: [...byTopic].map(([topicId, parts]) => ({
            topicId,
            partitions: parts.map((p) => ({
              partition: p.partition,
              fetchOffset: BigInt(p.offset),
              partitionMaxBytes: p.maxBytes,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            })),
          })),
        }),
      ),
      signal,
    );
    const out = [];
    for (const t of response.responses) {
      for (const answer of t.partitions) {
        const request = partitions.find(
          (p) => p.topicId === t.topicId && p.partition === answer.partitionIndex,
        );
        if (request) out.push({ request, answer });
      }
    }
    return out;
  }

  // ---- offsets --------------------------------------------------------------------------------

  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    this.#open();
    validateTopicName(topic);
    const { partitionsCount } = await this.#topicMetadata(topic);
    const all = Array.from({ length: partitionsCount }, (_, p) => p);
    const [earliest, latest] = await Promise.all([
      this.offsetsAt(topic, all, EARLIEST),
      this.offsetsAt(topic, all, LATEST),
    ]);
    return all.map((partition) => ({
      partition,
      earliest: earliest.get(partition) ?? 0,
      latest: latest.get(partition) ?? 0,
    }));
  }

  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    this.#open();
    validateTopicName(topic);
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new InvalidRecordError(
        `a timestamp must be a non-negative integer (ms since the epoch), got ${String(timestamp)}`,
      );
    }
    const { partitionsCount } = await this.#topicMetadata(topic);
    this.#checkPartition(topic, partition, partitionsCount);
    const found = (await this.offsetsAt(topic, [partition], BigInt(timestamp))).get(partition);
    if (found === undefined || found < 0) {
      return (await this.offsetsAt(topic, [partition], LATEST)).get(partition) ?? 0;
    }
    return found;
  }

  /** Offsets of partitions at a time, or at -2 (earliest) / -1 (latest), as Kafka's ListOffsets. */
  async offsetsAt(topic: string, partitions: number[], at: bigint): Promise<Map<number, number>> {
    const listed = await this.#call({ operation: 'listing offsets', topic }, () =>
      this.#admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp: at })),
          },
        ],
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      }),
    );
    const out = new Map<number, number>();
    for (const t of listed) for (const p of t.partitions) out.set(p.partitionIndex, Number(p.offset));
    return out;
  }

  // ---- consumer groups ------------------------------------------------------------------------

  async consumer(options: ConsumerOptions): Promise<GroupConsumer> {
    this.#open();
    const consumer = new KafkaGroupConsumer(this, options);
    this.#consumers.add(consumer);
    consumer.onClose(() => this.#consumers.delete(consumer));
    try {
      await consumer.join();
    } catch (error) {
      await consumer.close().catch(() => undefined);
      throw error;
    }
    return consumer;
  }

  async committedOffsets(groupId: string, topic?: string): Promise<TopicPartitionOffset[]> {
    this.#open();
    checkGroupId(groupId);
    const groups = await this.#call({ operation: 'reading committed offsets', groupId }, () =>
      this.#admin.listConsumerGroupOffsets({ groups: [groupId] }),
    );
    const out: TopicPartitionOffset[] = [];
    for (const t of groups[0]?.topics ?? []) {
      if (topic !== undefined && t.name !== topic) continue;
      for (const p of t.partitions) {
        if (p.committedOffset < 0n) continue;
        out.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: Number(p.committedOffset),
          ...(p.metadata ? { metadata: p.metadata } : {}),
        });
      }
    }
    return out.sort(byTopicPartition);
  }

  async commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    this.#open();
    checkGroupId(groupId);
    await this.checkOffsets(offsets);
    const topics = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) {
      topics.set(o.topic, [
        ...(topics.get(o.topic) ?? []),
        { partition: o.partition, offset: BigInt(o.offset) },
      ]);
    }
    // Kafka's AlterConsumerGroupOffsets keeps no commit metadata: `metadata` is dropped here
    await this.#call({ operation: 'committing offsets', groupId }, () =>
      this.#admin.alterConsumerGroupOffsets({
        groupId,
        topics: [...topics].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
      }),
    );
  }

  /** Throws unless every offset names an existing partition and is a valid offset to commit. */
  async checkOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    if (!Array.isArray(offsets)) throw new InvalidRecordError('commitOffsets takes an array of offsets');
    for (const o of offsets) {
      validateTopicName(o?.topic);
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new InvalidRecordError(
          `a committed offset must be a non-negative integer, got ${String(o.offset)}`,
        );
      }
      const { partitionsCount } = await this.#topicMetadata(o.topic);
      this.#checkPartition(o.topic, o.partition, partitionsCount);
    }
  }

  /** The node id of a consumer group's coordinator (where its offsets are committed). */
  async groupCoordinator(groupId: string): Promise<number> {
    checkGroupId(groupId);
    const found = await this.#call({ operation: 'finding the group coordinator', groupId }, () =>
      this.#admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }),
    );
    const coordinator = found.find((c) => c.key === groupId);
    if (!coordinator) {
      throw translateError(new Error(`no coordinator for group '${groupId}'`), {
        operation: 'finding the group coordinator',
        groupId,
        brokers: this.#options.brokers,
      });
    }
    return coordinator.nodeId;
  }

  // ---- transactions ---------------------------------------------------------------------------

  async transactionalProducer(options: TransactionalProducerOptions): Promise<TransactionalProducer> {
    this.#open();
    const id = options?.transactionalId;
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidRecordError('a transactional producer needs a non-empty transactionalId');
    }
    // the broker fences an older producer of another process; one of this process is told at once
    this.#transactional.get(id)?.fence();
    const producer = new KafkaTransactionalProducer(this, id, () => {
      if (this.#transactional.get(id) === producer) this.#transactional.delete(id);
    });
    this.#transactional.set(id, producer);
    try {
      await producer.init();
    } catch (error) {
      await producer.close();
      throw error;
    }
    return producer;
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.#open();
    checkGroupId(groupId);
    const groups = await this.#call({ operation: 'describing a group', groupId }, () =>
      this.#admin.describeGroups({ groups: [groupId] }),
    );
    const group = groups.get(groupId);
    const state = groupState(group?.state ?? 'DEAD');
    if (!group || state === 'Dead') throw new UnknownGroupError(groupId);
    return {
      groupId,
      state,
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        assignment: [...(m.assignments?.values() ?? [])]
          .flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
          .sort(byTopicPartition),
      })),
    };
  }

  async listGroups(): Promise<string[]> {
    this.#open();
    const groups = await this.#call({ operation: 'listing groups' }, () => this.#admin.listGroups());
    return [...groups.keys()].sort();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers].map((c) => c.close()));
    await Promise.allSettled([...this.#transactional.values()].map((p) => p.close()));
    await this.#produceTail;
    await Promise.allSettled([
      new Promise<void>((resolve) => this.#producer.close(true, () => resolve())),
      new Promise<void>((resolve) => this.#reader.close(true, () => resolve())),
      new Promise<void>((resolve) => this.#longPoller.close(true, () => resolve())),
      this.#admin.close(),
    ]);
  }

  // ---- shared with the group consumer ---------------------------------------------------------

  /**
   * Runs a client call, bounded in time, and turns its failure into a typed backbone error. A
   * leader or coordinator that moved or restarted is retried after reading the metadata again.
   */
  async call<T>(context: Omit<ErrorContext, 'brokers'>, run: () => Promise<T>): Promise<T> {
    return this.#call(context, run);
  }

  /**
   * As `call`, but never repeated: a step of a transaction must not be sent twice blindly (the
   * client's own retries, which know the protocol, still apply).
   */
  async callOnce<T>(context: Omit<ErrorContext, 'brokers'>, run: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        run(),
        this.#deadlineMs(),
        () => new Error(`no answer within ${this.#deadlineMs()} ms`),
      );
    } catch (error) {
      throw translateError(error, { ...context, brokers: this.#options.brokers });
    }
  }

  async topicMetadata(topic: string) {
    return this.#topicMetadata(topic);
  }

  // ---- internals ------------------------------------------------------------------------------

  #open(): void {
    if (this.#closed) throw new BackboneClosedError();
  }

  async #call<T>(context: Omit<ErrorContext, 'brokers'>, run: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#deadlineMs();
    for (let attempt = 1; ; attempt++) {
      try {
        // the client's own retries are bounded; this also bounds a request that never answers
        const left = Math.max(1, deadline - Date.now());
        return await withTimeout(run(), left, () => new Error(`no answer within ${this.#deadlineMs()} ms`));
      } catch (error) {
        if (isTransient(error) && attempt < TRANSIENT_ATTEMPTS && Date.now() < deadline) {
          this.#clearMetadata();
          await sleep(Math.min(1_000, 100 * 2 ** attempt));
          continue;
        }
        throw translateError(error, { ...context, brokers: this.#options.brokers });
      }
    }
  }

  #deadlineMs(): number {
    const connect = this.#options.connectTimeoutMs ?? 5_000;
    const request = (this.#options.requestTimeoutMs ?? 30_000) + MAX_FETCH_WAIT_MS;
    const attempts = (this.#options.retries ?? 2) + 1;
    return attempts * (connect + request + (this.#options.retryDelayMs ?? 300)) + 1_000;
  }

  #clearMetadata(): void {
    for (const client of [this.#admin, this.#producer, this.#reader, this.#longPoller])
      client.clearMetadata();
    for (const consumer of this.#consumers) consumer.clearMetadata();
  }

  #newTopic(topic: NewTopic) {
    if (topic === null || typeof topic !== 'object') {
      throw new InvalidRecordError(`a new topic must be an object with a 'name', got ${String(topic)}`);
    }
    validateTopicName(topic.name);
    const defaults = this.#options.topicDefaults ?? { partitions: 1, replicationFactor: 1 };
    const partitions = topic.partitions ?? defaults.partitions;
    validatePartitionCount(partitions);
    const replicationFactor = topic.replicationFactor ?? defaults.replicationFactor;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new InvalidRecordError(
        `the replication factor must be a positive integer, got ${String(replicationFactor)}`,
      );
    }
    return { name: topic.name, partitions, replicationFactor, configs: toKafkaConfigs(topic.config) };
  }

  async #topicMetadata(topic: string) {
    const metadata = await this.#call({ operation: 'reading topic metadata', topic }, () =>
      this.#reader.metadata({ topics: [topic] }),
    );
    const found = metadata.topics.get(topic);
    if (!found) throw new UnknownTopicError(topic);
    return found;
  }

  async #waitForLeaders(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + PROPAGATION_MS;
    for (;;) {
      try {
        const metadata = await this.#reader.metadata({ topics: [topic], forceUpdate: true });
        const found = metadata.topics.get(topic);
        if (found && found.partitionsCount >= partitions && found.partitions.every((p) => p.leader >= 0)) {
          this.#clearMetadata();
          return;
        }
      } catch (error) {
        if (Date.now() > deadline) {
          throw translateError(error, {
            operation: 'creating a topic',
            topic,
            brokers: this.#options.brokers,
          });
        }
      }
      if (Date.now() > deadline) return;
      await sleep(50);
    }
  }

  async #outOfRange(topic: string, partition: number, offset: number): Promise<OffsetOutOfRangeError> {
    const [o] = (await this.listOffsets(topic)).filter((p) => p.partition === partition);
    return new OffsetOutOfRangeError(topic, partition, offset, o.earliest, o.latest);
  }

  #checkPartition(topic: string, partition: number, count: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new UnknownPartitionError(topic, partition, count);
    }
  }

  #partitionFor(
    topic: string,
    record: ProducerRecord,
    encoded: EncodedRecord,
    count: number,
    partitioner: 'murmur2' | 'round-robin',
  ): number {
    if (record.partition !== undefined && record.partition !== null) {
      this.#checkPartition(topic, record.partition, count);
      return record.partition;
    }
    if (partitioner === 'murmur2' && encoded.key !== null) return partitionForKey(encoded.key, count);
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, next + 1);
    return next % count;
  }

  /** The topic's `max.message.bytes` (what Kafka checks each record batch against). */
  async #maxMessageBytes(topic: string): Promise<number> {
    const cached = this.#limits.get(topic);
    if (cached && Date.now() - cached.at < LIMIT_TTL_MS) return cached.bytes;
    const described = await this.#call({ operation: 'reading topic configs', topic }, () =>
      this.#admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configurationKeys: ['max.message.bytes'],
          },
        ],
      }),
    );
    const bytes = Number(described[0]?.configs[0]?.value ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.#limits.set(topic, { bytes, at: Date.now() });
    return bytes;
  }
}

/** The client's messages for one send (its type wants a Buffer value; null is written as Kafka's null). */
export function clientMessages(
  send: PreparedRecord[],
): (OutgoingRecord & { topic: string; value: Buffer })[] {
  return send.map(
    ({ index: _index, ...message }) => message as OutgoingRecord & { topic: string; value: Buffer },
  );
}

function headersOf(record: ProducerRecord): Map<Buffer, Buffer> | undefined {
  if (!record.headers) return undefined;
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(record.headers)) {
    headers.set(Buffer.from(name, 'utf8'), typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }
  return headers;
}

function checkGroupId(groupId: unknown): asserts groupId is string {
  if (typeof groupId !== 'string' || groupId.length === 0) {
    throw new InvalidRecordError(`a consumer group id must be a non-empty string, got ${String(groupId)}`);
  }
}

function byTopicPartition(
  a: { topic: string; partition: number },
  b: { topic: string; partition: number },
): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
}
