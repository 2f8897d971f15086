// Transactions on Kafka: one @platformatic/kafka producer per transactional id. Records go out as
// they are produced (Kafka keeps them invisible to read_committed readers until the commit
// marker); group offsets go into the transaction with AddOffsetsToTxn + TxnOffsetCommit, so the
// input offsets move if and only if the outputs are published.
import { ProduceAcks, Producer, type Consumer } from '@platformatic/kafka';
import { BackboneError, InvalidRecordError, ProducerClosedError, ProducerFencedError } from '../errors.js';
import type { Transaction, TransactionalProducer, TopicPartitionOffset } from '../types.js';
import { lostCoordinator, protocolErrorIds } from './errors.js';
import type { KafkaBackbone } from './kafka-backbone.js';
import { clientMessages } from './produce.js';
import {
  commitTxnOffsets,
  planFlush,
  type Buffered,
  type TxnOffsetCommitRequestPartition,
} from './txn-requests.js';

type ClientTransaction = Awaited<ReturnType<Producer['beginTransaction']>>;
type Work = (tx: Transaction) => Promise<unknown>;
interface Queued {
  work: Work;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Runs in a transaction of its own (its batch failed where no one work could be blamed). */
  alone?: boolean;
}

/**
 * Works run in one transaction at most: bounds how long a batch holds its transaction open and how
 * many works one failure sends round again.
 */
const MAX_BATCH = 64;

/** Kafka's answers that mean a newer producer took this transactional id over (or it may not use it). */
const FENCED = ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'];

/**
 * InitProducerId right after a producer with the same id died answers CONCURRENT_TRANSACTIONS
 * while the broker aborts the dead one's transaction: the client retries, so it gets more attempts
 * than a plain request: 300 tries 20 ms apart, six seconds in all, so it goes on as soon as the
 * broker is done rather than up to a long retry delay later.
 */
const INIT_RETRIES = 300;
/**
 * A transaction begun right after the previous one committed meets CONCURRENT_TRANSACTIONS until
 * the coordinator has written the commit markers (a few ms): the retry must be short, as the Java
 * client's 20 ms for this case. With the client's default 300 ms, back-to-back transactions of the
 * solutions sharing a producer waited 300 ms each (bench:solutions on Kafka, 10–20 solutions:
 * 20–38% of the retrain deadlines met).
 */
const RETRY_DELAY_MS = 20;
/**
 * Retries of one client call that met a lost coordinator (a dead broker, NOT_COORDINATOR, a node
 * missing from the client's metadata) before the step fails. The client would go on for all its
 * INIT_RETRIES at the same dead node: it looks its coordinator up once, so only a new client
 * finds the new one.
 */
const LOST_RETRIES = 3;

export class KafkaTransactionalProducer implements TransactionalProducer {
  readonly transactionalId: string;
  readonly #backbone: KafkaBackbone;
  #client: Producer;
  readonly #onClose: () => void;
  #state: 'open' | 'fenced' | 'closed' = 'open';
  /**
   * A client call failed: the next transaction begins on a new client with the same id (#step
   * says why). @platformatic/kafka 1.35 finds the coordinator once and keeps `#coordinatorId` for
   * the producer's life, so after a coordinator moved or died only a new client finds it again.
   * (The client's 2.x line forgets the coordinator on these errors, but it is a new major version
   * that needs Node 22.22 or later, not a small change.)
   */
  #renew = false;
  /**
   * The running steps' failers: called when the client's own retries of a step meet a lost
   * coordinator again and again, so the step fails then, rather than after every retry it has.
   */
  readonly #lost = new Set<(error: unknown) => void>();
  /** Works asked for and not begun yet, oldest first. */
  #queue: Queued[] = [];
  /** The loop that runs the queue's batches, while there is one. */
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(backbone: KafkaBackbone, transactionalId: string, onClose: () => void) {
    this.transactionalId = transactionalId;
    this.#backbone = backbone;
    this.#onClose = onClose;
    this.#client = this.#newClient();
  }

  #newClient(): Producer {
    const base = this.#backbone.clientOptions;
    return new Producer({
      ...base,
      clientId: `${base.clientId ?? 'tml'}-tx`,
      transactionalId: this.transactionalId,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      retries: Math.max(INIT_RETRIES, typeof base.retries === 'number' ? base.retries : 0),
      // the client asks this before each of its retries: the many short retries are for
      // CONCURRENT_TRANSACTIONS; a lost coordinator is given up on after a few (see #lost)
      retryDelay: (_client, _operation, attempt, _retries, error) => {
        if (attempt >= LOST_RETRIES && lostCoordinator(error)) for (const fail of this.#lost) fail(error);
        return RETRY_DELAY_MS;
      },
    });
  }

  /**
   * Registers the transactional id with its coordinator now (Kafka's initTransactions), which fences
   * any older producer of the id at once. The client does this only when a transaction begins, so a
   * transaction is begun and dropped locally (nothing was sent in it).
   */
  async init(): Promise<void> {
    // producer id -1 / epoch -1 asks for the id's current producer with a new epoch; the client's
    // default (0 / 0) names a producer to bump, which the coordinator refuses as fenced once the id
    // was used before (a restart, or a worker taking the id over)
    const txn = await this.#step('registering the transactional id', () =>
      this.#client.beginTransaction({ producerId: -1n, producerEpoch: -1 }),
    );
    await txn.cancel();
  }

  /**
   * Queues `work`. The works queued while a transaction runs go together into the next one, one
   * after another (as Kafka Streams commits the steps of all its tasks per interval): a
   * transaction's fixed costs — AddPartitionsToTxn, EndTxn and the wait for its markers before the
   * next one may begin — are paid once per batch, not once per step. A work that fails aborts its
   * batch's transaction: it alone is rejected, and the others are run again in the next one (the
   * contract of `TransactionalProducer.transaction`).
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (typeof work !== 'function') {
      return Promise.reject(new InvalidRecordError('transaction() takes a function (tx) => Promise'));
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** A newer producer with the same id was opened in this process. */
  fence(): void {
    if (this.#state === 'open') this.#state = 'fenced';
  }

  /** Waits for the running transaction (it aborts at its next step), then closes the client. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#state = 'closed';
    this.#onClose();
    this.#closing = (async () => {
      await this.#draining;
      await new Promise<void>((resolve) => this.#client.close(true, () => resolve()));
    })();
    return this.#closing;
  }

  /**
   * Runs batches until the queue is empty. It marks itself done in the same synchronous stretch
   * in which it finds the queue empty, so a work queued after that starts the next drain (were it
   * cleared a microtask later, a work queued in between would wait for ever).
   */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue[0].alone ? this.#queue.splice(0, 1) : this.#queue.splice(0, MAX_BATCH);
        let retry: Queued[];
        try {
          retry = await this.#runBatch(batch);
        } catch (error) {
          // not expected (#runBatch settles its works itself): no work is left unsettled
          for (const queued of batch) queued.reject(error);
          retry = [];
        }
        this.#queue.unshift(...retry);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /**
   * Runs a batch's works in one transaction. Settles each work but those to run again, which it
   * returns: after a failure, the works of the batch that did not fail (their records were aborted
   * with the transaction).
   */
  async #runBatch(batch: Queued[]): Promise<Queued[]> {
    let txn: ClientTransaction;
    try {
      this.#check();
      if (this.#renew) await this.#reconnect();
      txn = await this.#step('beginning a transaction', () => this.#client.beginTransaction());
    } catch (error) {
      // nobody's work ran: the first is told, the others try again on their own next
      batch[0].reject(error);
      return batch.slice(1);
    }
    const groups = new Set<string>();
    const results: unknown[] = [];
    const buffered: Buffered[] = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        results.push(await this.#runWork(txn, groups, buffered, batch[i].work));
      } catch (error) {
        await this.#abort(txn);
        batch[i].reject(error);
        return [...batch.slice(0, i), ...batch.slice(i + 1)];
      }
    }
    try {
      await this.#flush(txn, buffered);
    } catch (error) {
      await this.#abort(txn);
      // which work's records the broker refused is not known: alone, each answers for its own
      if (batch.length === 1) {
        batch[0].reject(await this.#refusal(buffered, error));
        return [];
      }
      return batch.map((queued) => ({ ...queued, alone: true }));
    }
    try {
      this.#check();
      await this.#step('committing a transaction', () => txn.commit());
    } catch (error) {
      await this.#abort(txn);
      batch[0].reject(error);
      return batch.slice(1);
    }
    for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
    return [];
  }

  /** One work's part of a transaction: its calls are awaited before the next work's begin. */
  /**
   * Sends what the batch's works produced, in as few client sends as the topics' batch limits
   * allow: the records of one topic in the order produced, cut to fit (`planSends`), and the n-th
   * cut of every topic together. One AddPartitionsToTxn and one Produce request per leader for the
   * whole batch, rather than per produce call.
   */
  async #flush(txn: ClientTransaction, buffered: Buffered[]): Promise<void> {
    for (const send of planFlush(buffered)) {
      await this.#step(
        'producing in a transaction',
        () => txn.send({ messages: clientMessages(send) }),
        send[0]?.topic,
      );
    }
  }

  /** A flush's failure for one work: `RecordTooLargeError` naming the topic of its largest record. */
  async #refusal(buffered: Buffered[], error: unknown): Promise<unknown> {
    let largest: Buffered | undefined;
    let size = -1;
    for (const b of buffered) {
      for (const e of b.encoded) {
        if (e.size > size) {
          size = e.size;
          largest = b;
        }
      }
    }
    return largest === undefined ? error : this.#backbone.tooLarge(largest.topic, largest.encoded, error);
  }

  async #runWork(
    txn: ClientTransaction,
    groups: Set<string>,
    buffered: Buffered[],
    work: Work,
  ): Promise<unknown> {
    /** The first refused call: it aborts the whole transaction even when `work` caught it. */
    let refused: { error: unknown } | undefined;
    let ended = false;
    /** Calls `work` did not await: its part ends when they settle. */
    const pending = new Set<Promise<void>>();
    const step = (what: string, action: () => Promise<void>): Promise<void> => {
      const run = (async () => {
        if (ended) {
          throw new BackboneError(
            'TRANSACTION_ENDED',
            `${what} was called on a transaction of '${this.transactionalId}' that has already ended`,
          );
        }
        this.#check();
        await action();
      })().catch((error: unknown) => {
        if (!ended) refused ??= { error };
        throw error;
      });
      const tracked = run.catch(() => undefined);
      pending.add(tracked);
      void tracked.then(() => pending.delete(tracked));
      return run;
    };
    const tx: Transaction = {
      // checked and partitioned now (a bad record fails its own work); sent with the batch's
      produce: (topic, records, options) =>
        step('produce', async () => {
          const { outgoing, encoded, maxBytes } = await this.#backbone.prepareProduce(
            topic,
            records,
            options,
          );
          if (outgoing.length > 0) buffered.push({ topic, records: outgoing, encoded, maxBytes });
        }),
      commitOffsets: (groupId, offsets) =>
        step('commitOffsets', () => this.#sendOffsets(txn, groups, groupId, offsets)),
    };
    try {
      const result = await work(tx);
      await Promise.all(pending);
      if (refused) throw refused.error;
      return result;
    } finally {
      ended = true;
      await Promise.all(pending);
    }
  }

  /**
   * Kafka's sendOffsetsToTransaction: AddOffsetsToTxn once per group and transaction, then one
   * TxnOffsetCommit with all of the call's partitions, with generation -1 and no member id (a commit
   * from outside the group's membership). The client's own Transaction.addOffset sends one request
   * per offset and only for messages its consumer read, so the request is made here through the
   * client's connection, API table and retries. No commit metadata is sent.
   */
  async #sendOffsets(
    txn: ClientTransaction,
    groups: Set<string>,
    groupId: string,
    offsets: TopicPartitionOffset[],
  ): Promise<void> {
    if (typeof groupId !== 'string' || groupId.length === 0) {
      throw new InvalidRecordError('commitOffsets needs a non-empty groupId');
    }
    await this.#backbone.checkOffsets(offsets);
    if (!groups.has(groupId)) {
      await this.#step(
        'adding group offsets to a transaction',
        () => txn.addConsumer({ groupId } as unknown as Consumer),
        undefined,
        groupId,
      );
      groups.add(groupId);
    }
    const coordinatorId = await this.#backbone.groupCoordinator(groupId);
    // the client finds the coordinator's address in the brokers it cached with a topic's metadata
    // (kept up to its metadata age): a broker that was down then is missing there, and the client
    // fails on it (TypeError reading 'host') until that topic's metadata is read again
    const topics = [...new Set(offsets.map((o) => o.topic))];
    let known = await this.#step('reading metadata', () => this.#client.metadata({ topics }));
    if (!known.brokers.has(coordinatorId)) {
      known = await this.#step('reading metadata', () =>
        this.#client.metadata({ topics, forceUpdate: true }),
      );
    }
    if (offsets.length === 0) return;
    const coordinator = known.brokers.get(coordinatorId);
    if (coordinator === undefined) {
      // a coordinator found before that is gone from the cluster (a broker killed): the step
      // fails, and the next finds the group's coordinator again
      this.#backbone.forgetGroupCoordinator(groupId);
      throw new BackboneError(
        'COORDINATOR_NOT_AVAILABLE',
        `the coordinator of group '${groupId}' (broker ${coordinatorId}) is not in the cluster's metadata`,
      );
    }
    const byTopic = new Map<string, TxnOffsetCommitRequestPartition[]>();
    for (const o of offsets) {
      const partitions = byTopic.get(o.topic) ?? [];
      byTopic.set(o.topic, partitions);
      partitions.push({
        partitionIndex: o.partition,
        committedOffset: BigInt(o.offset),
        committedLeaderEpoch: known.topics.get(o.topic)?.partitions[o.partition]?.leaderEpoch ?? -1,
      });
    }
    const request = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    try {
      await this.#step(
        'committing offsets in a transaction',
        () => commitTxnOffsets(this.#client, this.transactionalId, groupId, coordinator, request),
        offsets[0].topic,
        groupId,
      );
    } catch (error) {
      this.#backbone.forgetGroupCoordinator(groupId);
      throw error;
    }
  }

  /**
   * Closes a client whose state is in doubt (its own retries of a dead node stop with it) and puts
   * a new one in its place; the next transaction registers the id on it first (#reconnect).
   */
  #retire(client: Producer): void {
    this.#renew = true;
    if (this.#client !== client || this.#state === 'closed') return;
    this.#client = this.#newClient();
    client.close(true, () => undefined);
  }

  /**
   * Registers the id again on the new client: InitProducerId bumps the epoch, so the coordinator
   * (found afresh; a new one has read the transaction log) aborts what the old client left open,
   * and fences the old client should it still reach a broker. If the registration fails too, the
   * next transaction tries again.
   */
  async #reconnect(): Promise<void> {
    await this.init();
    this.#renew = false;
  }

  /**
   * Aborts on the broker; a fenced producer, a lost coordinator or a failed abort only forgets the
   * transaction here (the coordinator aborts it at its timeout, or when the id is registered again).
   */
  async #abort(txn: ClientTransaction): Promise<void> {
    if (txn.completed) return;
    if (this.#state !== 'fenced' && !this.#renew) {
      try {
        await this.#step('aborting a transaction', () => txn.abort());
        return;
      } catch {
        // forgotten here, as above
      }
    }
    await txn.cancel().catch(() => undefined);
  }

  /** One client call: bounded in time, its failure typed; a fencing answer fences this producer. */
  async #step<T>(operation: string, run: () => Promise<T>, topic?: string, groupId?: string): Promise<T> {
    const client = this.#client;
    let fail!: (error: unknown) => void;
    const lost = new Promise<never>((_, reject) => (fail = reject));
    lost.catch(() => undefined);
    this.#lost.add(fail);
    try {
      return await this.#backbone.callOnce({ operation, topic, groupId }, () => Promise.race([run(), lost]));
    } catch (error) {
      const ids = protocolErrorIds(error);
      if (FENCED.some((id) => ids.has(id))) {
        this.fence();
        throw new ProducerFencedError(this.transactionalId, { cause: error });
      }
      // Whatever failed, the client's state is in doubt: its coordinator (it never looks it up
      // again), its cached brokers, and its sequence numbers (a send whose answer was lost may be
      // in the log, and the next send would reuse its numbers: OUT_OF_ORDER_SEQUENCE_NUMBER for
      // good, or a new batch taken for a duplicate of the old). The next transaction begins on a
      // new client, whose registration bumps the epoch and starts the numbers afresh.
      this.#retire(client);
      throw error;
    } finally {
      this.#lost.delete(fail);
    }
  }

  #check(): void {
    if (this.#state === 'fenced') throw new ProducerFencedError(this.transactionalId);
    if (this.#state === 'closed') throw new ProducerClosedError(this.transactionalId);
  }
}
