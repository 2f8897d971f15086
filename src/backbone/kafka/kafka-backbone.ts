// The Backbone on a real Kafka cluster, over @platformatic/kafka (chosen by measurement:
// docs/benchmarks.md). This class checks that the backbone is open and composes the concerns, one
// module each: the connections and the way calls are made (cluster.ts), topics (topic-admin.ts),
// produce (produce.ts), fetch (fetch.ts), offsets (offsets.ts), groups seen from outside
// (groups.ts); a group's member is group-consumer.ts, transactions transactional-producer.ts.
import type { BaseOptions } from '@platformatic/kafka';
import { BackboneClosedError, InvalidRecordError } from '../errors.js';
import { validateTopicName } from '../topic-name.js';
import type {
  Backbone,
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
  TopicDescription,
  TopicPartitionOffset,
  TransactionalProducer,
  TransactionalProducerOptions,
} from '../types.js';
import type { EncodedRecord } from '../records.js';
import { KafkaCluster, type CallContext } from './cluster.js';
import { fetch, fetchFrom, type FetchPartitionRequest } from './fetch.js';
import { FetchBatcher } from './fetch-batcher.js';
import { LruCache } from '../lru.js';
import * as groups from './groups.js';
import { KafkaGroupConsumer } from './group-consumer.js';
import * as offsets from './offsets.js';
import { KafkaPartitionReader } from './partition-reader.js';
import type { KafkaBackboneOptions } from './options.js';
import { KafkaProducing, type PreparedProduce } from './produce.js';
import type { FetchResponsePartition } from './records.js';
import * as topics from './topic-admin.js';
import { KafkaTransactionalProducer } from './transactional-producer.js';

/** How long a group's coordinator, once found, is used without asking again. */
const COORDINATOR_TTL_MS = 30_000;

export class KafkaBackbone implements Backbone {
  readonly kind = 'kafka';
  readonly #cluster: KafkaCluster;
  readonly #fetchBatcher: FetchBatcher;
  readonly #coordinators = new LruCache<string, { node: number; at: number }>(10_000);
  readonly #producing: KafkaProducing;
  readonly #consumers = new Set<KafkaGroupConsumer>();
  readonly #readers = new Set<KafkaPartitionReader>();
  /** The open transactional producer of each transactional id in this process. */
  readonly #transactional = new Map<string, KafkaTransactionalProducer>();
  #closed = false;

  constructor(options: KafkaBackboneOptions) {
    this.#cluster = new KafkaCluster(options);
    this.#fetchBatcher = new FetchBatcher(this.#cluster);
    this.#producing = new KafkaProducing(this.#cluster);
  }

  /** Connection options for further clients of the same cluster (group consumers). */
  get clientOptions(): BaseOptions {
    return this.#cluster.base;
  }

  /** Asks the cluster for its metadata: a clear error now beats one at the first use. */
  async connect(): Promise<void> {
    this.#open();
    await this.#cluster.call({ operation: 'connecting' }, () => this.#cluster.admin.metadata({ topics: [] }));
  }

  // ---- topics ---------------------------------------------------------------------------------

  async createTopic(topic: NewTopic): Promise<void> {
    this.#open();
    await topics.createTopic(this.#cluster, topic);
    this.#producing.forget(topic.name);
  }

  async ensureTopic(topic: NewTopic): Promise<void> {
    this.#open();
    await topics.ensureTopic(this.#cluster, topic);
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#open();
    validateTopicName(name);
    return topics.describeTopic(this.#cluster, name, await this.listOffsets(name));
  }

  async listTopics(): Promise<string[]> {
    this.#open();
    return topics.listTopics(this.#cluster);
  }

  async deleteTopic(name: string): Promise<void> {
    this.#open();
    await topics.deleteTopic(this.#cluster, name);
    this.#producing.forget(name);
  }

  async createPartitions(name: string, count: number): Promise<void> {
    this.#open();
    validateTopicName(name);
    await topics.createPartitions(this.#cluster, name, count);
    this.#producing.forget(name);
  }

  // ---- produce and fetch ----------------------------------------------------------------------

  async produce(
    topic: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): Promise<RecordMetadata[]> {
    this.#open();
    return this.#producing.produce(topic, records, options);
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
    return this.#producing.prepare(topic, records, options);
  }

  /** A send's failure, as `RecordTooLargeError` when the broker refused the batch's size. */
  tooLarge(topic: string, encoded: EncodedRecord[], error: unknown): Promise<unknown> {
    return this.#producing.tooLarge(topic, encoded, error);
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    this.#open();
    return fetch(this.#cluster, request, { batcher: this.#fetchBatcher });
  }

  partitionReader(): PartitionReader {
    this.#open();
    const reader = new KafkaPartitionReader(this.#cluster, () => {
      this.#readers.delete(reader);
      this.#cluster.dependents.delete(reader);
    });
    this.#readers.add(reader);
    this.#cluster.dependents.add(reader);
    return reader;
  }

  /**
   * One Fetch request to a broker for several partitions, waiting at most `waitMs` (capped at
   * MAX_FETCH_WAIT_MS) for a first byte. An abort rejects with the signal's reason.
   */
  fetchFrom(
    node: number,
    partitions: FetchPartitionRequest[],
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ request: FetchPartitionRequest; answer: FetchResponsePartition }[]> {
    return fetchFrom(this.#cluster, node, partitions, waitMs, signal);
  }

  // ---- offsets --------------------------------------------------------------------------------

  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    this.#open();
    return offsets.listOffsets(this.#cluster, topic);
  }

  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    this.#open();
    return offsets.offsetForTimestamp(this.#cluster, topic, partition, timestamp);
  }

  /** Offsets of partitions at a time, or at -2 (earliest) / -1 (latest), as Kafka's ListOffsets. */
  offsetsAt(topic: string, partitions: number[], at: bigint): Promise<Map<number, number>> {
    return offsets.offsetsAt(this.#cluster, topic, partitions, at);
  }

  // ---- consumer groups ------------------------------------------------------------------------

  async consumer(options: ConsumerOptions): Promise<GroupConsumer> {
    this.#open();
    const consumer = new KafkaGroupConsumer(this, options);
    this.#consumers.add(consumer);
    this.#cluster.dependents.add(consumer);
    consumer.onClose(() => {
      this.#consumers.delete(consumer);
      this.#cluster.dependents.delete(consumer);
    });
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
    return groups.committedOffsets(this.#cluster, groupId, topic);
  }

  async commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    this.#open();
    await groups.commitOffsets(this.#cluster, groupId, offsets);
  }

  /** Throws unless every offset names an existing partition and is a valid offset to commit. */
  checkOffsets(offsets: TopicPartitionOffset[]): Promise<void> {
    return groups.checkOffsets(this.#cluster, offsets);
  }

  /**
   * The node id of the broker coordinating a group (where its offsets are committed), as found a
   * little while ago: transactions commit offsets to it at every step, and a FindCoordinator per
   * commit doubled the requests a commit makes. A failed commit forgets it
   * (`forgetGroupCoordinator`), as a moved coordinator answers NOT_COORDINATOR.
   */
  async groupCoordinator(groupId: string): Promise<number> {
    const known = this.#coordinators.get(groupId);
    if (known !== undefined && Date.now() - known.at < COORDINATOR_TTL_MS) return known.node;
    const node = await groups.groupCoordinator(this.#cluster, groupId);
    this.#coordinators.set(groupId, { node, at: Date.now() });
    return node;
  }

  forgetGroupCoordinator(groupId: string): void {
    this.#coordinators.delete(groupId);
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.#open();
    return groups.describeGroup(this.#cluster, groupId);
  }

  async listGroups(): Promise<string[]> {
    this.#open();
    return groups.listGroups(this.#cluster);
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers, ...this.#readers].map((c) => c.close()));
    await Promise.allSettled([...this.#transactional.values()].map((p) => p.close()));
    await this.#producing.drain();
    await this.#cluster.close();
  }

  // ---- shared with the group consumer and the transactional producer --------------------------

  /**
   * Runs a client call, bounded in time, and turns its failure into a typed backbone error. A
   * leader or coordinator that moved or restarted is retried after reading the metadata again.
   */
  call<T>(context: CallContext, run: () => Promise<T>): Promise<T> {
    return this.#cluster.call(context, run);
  }

  /** As `call`, but never repeated: a step of a transaction must not be sent twice blindly. */
  callOnce<T>(context: CallContext, run: () => Promise<T>): Promise<T> {
    return this.#cluster.callOnce(context, run);
  }

  topicMetadata(topic: string) {
    return this.#cluster.topicMetadata(topic);
  }

  #open(): void {
    if (this.#closed) throw new BackboneClosedError();
  }
}
