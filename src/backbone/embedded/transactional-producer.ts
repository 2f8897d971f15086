// Transactions on the embedded backbone. A transaction buffers what its work produces and commits
// (checked at once, so a bad record fails the call that made it), then the backbone writes all of
// it in ONE SQLite transaction: the records of every topic and the group offsets are stored
// together or not at all, whatever moment a crash (kill -9) hits. Readers cannot see a buffered
// record, so they only ever see committed transactions (Kafka's read_committed) for free.
import { BackboneError, InvalidConfigError, ProducerClosedError, ProducerFencedError } from '../errors.js';
import type {
  ProduceOptions,
  ProducerRecord,
  Transaction,
  TransactionalProducer,
  TopicPartitionOffset,
} from '../types.js';

/** One group's offsets committed by a transaction. */
export interface GroupCommit {
  groupId: string;
  offsets: TopicPartitionOffset[];
}

/** What a transactional producer needs from the embedded backbone. `Plan` is a checked produce call. */
export interface TransactionHost<Plan> {
  /** Checks a produce call and picks its partitions, writing nothing; throws on a bad record. */
  plan(topic: string, records: ProducerRecord[], options?: ProduceOptions): Plan;
  /** Throws unless every offset names an existing partition and is a valid offset to commit. */
  checkOffsets(offsets: TopicPartitionOffset[]): void;
  /**
   * Writes every planned call and every commit in one storage transaction (possibly shared with
   * other calls of the same event-loop turn: write-group.ts), then wakes the readers.
   */
  commit(plans: Plan[], commits: GroupCommit[]): Promise<void>;
  /** Throws `BackboneClosedError` once the backbone is closed. */
  assertOpen(): void;
}

export class EmbeddedTransactionalProducer<Plan> implements TransactionalProducer {
  readonly transactionalId: string;
  readonly #host: TransactionHost<Plan>;
  readonly #onClose: () => void;
  #state: 'open' | 'fenced' | 'closed' = 'open';
  /** Transactions run one after another: each waits for the one before (settled either way). */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(transactionalId: string, host: TransactionHost<Plan>, onClose: () => void) {
    this.transactionalId = transactionalId;
    this.#host = host;
    this.#onClose = onClose;
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (typeof work !== 'function') {
      return Promise.reject(new InvalidConfigError('transaction() takes a function (tx) => Promise'));
    }
    const run = this.#tail.then(() => this.#run(work));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** A newer producer with the same id was opened: the open transaction and later ones fail. */
  fence(): void {
    if (this.#state === 'open') this.#state = 'fenced';
  }

  /** Closes at once (the backbone is closing): an open transaction is discarded at its commit. */
  closeNow(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#onClose();
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  async #run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#check();
    const plans: Plan[] = [];
    const commits: GroupCommit[] = [];
    /** The first refused call: it aborts the whole transaction even when `work` caught it. */
    let refused: { error: unknown } | undefined;
    let ended = false;
    const step = (what: string, action: () => void): Promise<void> => {
      try {
        if (ended) {
          throw new BackboneError(
            'TRANSACTION_ENDED',
            `${what} was called on a transaction of '${this.transactionalId}' that has already ended`,
          );
        }
        this.#check();
        action();
        return Promise.resolve();
      } catch (error) {
        if (!ended) refused ??= { error };
        return Promise.reject(error);
      }
    };
    const tx: Transaction = {
      produce: (topic, records, options) =>
        step('produce', () => plans.push(this.#host.plan(topic, records, options))),
      commitOffsets: (groupId, offsets) =>
        step('commitOffsets', () => {
          if (typeof groupId !== 'string' || groupId.length === 0) {
            throw new InvalidConfigError('a non-empty groupId is needed');
          }
          this.#host.checkOffsets(offsets);
          // copied: the caller may reuse its array before the commit
          commits.push({ groupId, offsets: offsets.map((o) => ({ ...o })) });
        }),
    };
    let result: T;
    try {
      result = await work(tx);
    } finally {
      ended = true; // aborting is discarding the buffers: nothing was written
    }
    if (refused) throw refused.error;
    this.#check();
    if (plans.length > 0 || commits.length > 0) await this.#host.commit(plans, commits);
    return result;
  }

  #check(): void {
    if (this.#state === 'fenced') throw new ProducerFencedError(this.transactionalId);
    if (this.#state === 'closed') throw new ProducerClosedError(this.transactionalId);
    this.#host.assertOpen();
  }
}
