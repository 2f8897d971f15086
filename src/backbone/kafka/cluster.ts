// The Kafka backbone's connections to one cluster, and the one way every call to it is made:
// bounded in time, retried on a transient error (a leader or coordinator moved), and turned into
// a typed backbone error.
import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  FetchIsolationLevels,
  ProduceAcks,
  Producer,
  type BaseOptions,
} from '@platformatic/kafka';
import { UnknownPartitionError, UnknownTopicError } from '../errors.js';
import {
  connectionLost,
  isTransient,
  missingBroker,
  NO_ANSWER,
  translateError,
  type ErrorContext,
} from './errors.js';
import { clientOptions, type KafkaBackboneOptions } from './options.js';
import { sleep, withTimeout } from './util.js';

/** Attempts at an operation that failed with a transient Kafka error (a leader moved, ...). */
const TRANSIENT_ATTEMPTS = 6;
/** The longest wait of one Fetch request; longer long polls are several requests. */
export const MAX_FETCH_WAIT_MS = 10_000;

export type CallContext = Omit<ErrorContext, 'brokers'>;

export class KafkaCluster {
  readonly options: KafkaBackboneOptions;
  /** Connection options for further clients of the same cluster (group consumers). */
  readonly base: BaseOptions;
  readonly admin: Admin;
  readonly producer: Producer;
  /** Fetches outside any group, and metadata; it never joins its (unused) group. */
  readonly reader: Consumer;
  /**
   * Fetches that wait for data (long polls: group members' polls, `fetch` with `maxWaitMs`). A
   * broker answers one connection's requests in order, so a long poll on the reader's connection
   * would hold up every short fetch behind it for its whole wait (figures: docs/benchmarks.md).
   * Long polls still queue behind one another here.
   */
  readonly longPoller: Consumer;
  /** Other clients whose cached metadata goes stale with ours (group consumers). */
  readonly dependents = new Set<{ clearMetadata(): void }>();

  constructor(options: KafkaBackboneOptions) {
    this.options = options;
    this.base = clientOptions(options, options.clientId ?? 'tml');
    this.admin = new Admin(this.base);
    this.producer = new Producer({
      ...this.base,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      repeatOnStaleMetadata: true,
      ...(options.compression !== undefined ? { compression: options.compression } : {}),
    });
    this.reader = this.newReader('reader');
    this.longPoller = this.newReader('long-poller');
  }

  /** A group-less fetching client with a connection of its own (it never joins its group). */
  newReader(role: string): Consumer {
    return new Consumer({
      ...this.base,
      // a long poll is answered after its wait: the request may take that much longer
      requestTimeout: (this.base.requestTimeout ?? 30_000) + MAX_FETCH_WAIT_MS,
      groupId: `${this.base.clientId}-${role}-${randomUUID()}`,
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
  }

  /**
   * Runs a client call, bounded in time, and turns its failure into a typed backbone error. A
   * leader or coordinator that moved or restarted is retried after reading the metadata again.
   */
  async call<T>(context: CallContext, run: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.deadlineMs();
    for (let attempt = 1; ; attempt++) {
      try {
        // the client's own retries are bounded; this also bounds a request that never answers
        const left = Math.max(1, deadline - Date.now());
        return await withTimeout(run(), left, () => new Error(`${NO_ANSWER} ${this.deadlineMs()} ms`));
      } catch (error) {
        if (isTransient(error) && attempt < TRANSIENT_ATTEMPTS && Date.now() < deadline) {
          this.clearMetadata();
          await sleep(Math.min(1_000, 100 * 2 ** attempt));
          continue;
        }
        // a broker that cannot be reached may have led a partition or a group: the next call reads
        // the metadata again, which names the new leader once the cluster has moved it (the
        // cached metadata would send every call to the dead broker for up to its metadata age)
        if (connectionLost(error)) this.clearMetadata();
        throw this.translate(error, context);
      }
    }
  }

  /**
   * As `call`, but never repeated: a step of a transaction must not be sent twice blindly (the
   * client's own retries, which know the protocol, still apply).
   */
  async callOnce<T>(context: CallContext, run: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        run(),
        this.deadlineMs(),
        () => new Error(`${NO_ANSWER} ${this.deadlineMs()} ms`),
      );
    } catch (error) {
      if (connectionLost(error) || missingBroker(error)) this.clearMetadata();
      throw this.translate(error, context);
    }
  }

  /** A client failure as a typed backbone error naming the cluster. */
  translate(error: unknown, context: CallContext): unknown {
    return translateError(error, { ...context, brokers: this.options.brokers });
  }

  /** The longest a call may take: every client retry of a connect and a request, with their delays. */
  deadlineMs(): number {
    const connect = this.options.connectTimeoutMs ?? 5_000;
    const request = (this.options.requestTimeoutMs ?? 30_000) + MAX_FETCH_WAIT_MS;
    const attempts = (this.options.retries ?? 2) + 1;
    return attempts * (connect + request + (this.options.retryDelayMs ?? 300)) + 1_000;
  }

  clearMetadata(): void {
    for (const client of [this.admin, this.producer, this.reader, this.longPoller]) client.clearMetadata();
    for (const dependent of this.dependents) dependent.clearMetadata();
  }

  /** A topic's metadata (partitions, leaders, id); `UnknownTopicError` when the cluster has no such topic. */
  async topicMetadata(topic: string) {
    const metadata = await this.call({ operation: 'reading topic metadata', topic }, () =>
      this.reader.metadata({ topics: [topic] }),
    );
    const found = metadata.topics.get(topic);
    if (!found) throw new UnknownTopicError(topic);
    return found;
  }

  /** Closes the clients (the producer after what it has in flight). */
  async close(): Promise<void> {
    await Promise.allSettled([
      new Promise<void>((resolve) => this.producer.close(true, () => resolve())),
      new Promise<void>((resolve) => this.reader.close(true, () => resolve())),
      new Promise<void>((resolve) => this.longPoller.close(true, () => resolve())),
      this.admin.close(),
    ]);
  }
}

export function checkPartition(topic: string, partition: number, count: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
    throw new UnknownPartitionError(topic, partition, count);
  }
}
