// A worker runs the solutions that live on the catalog partitions its consumer group gave it. The
// group is the coordinator: Kafka's rebalancing spreads the catalog's partitions over the workers
// and hands a dead worker's partitions to the others (DESIGN.md §4: no home-made coordinator). Each
// catalog partition has its own transactional id, so the worker taking a partition over fences the
// previous owner: whatever that one had not committed is aborted, and the new owner continues from
// the committed offsets and registry state. On the embedded backbone one process is the only member.
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { TrainingPool } from '../automl/index.js';
import { MetadataStore } from '../backbone/metadata-store.js';
import type { Backbone, GroupConsumer, TransactionalProducer } from '../backbone/types.js';
import { CatalogLog, type CatalogItem } from './catalog-log.js';
import type { SolutionRecordShapers } from './runner/record-shapers.js';
import { SolutionRunner, type ReadEvent } from './runner.js';
import {
  DEFAULT_CATALOG_PARTITIONS,
  DEFAULT_SOLUTION_TOPICS,
  ensureSolutionTopics,
  type SolutionTopics,
  workerGroup,
} from './topics.js';

export const DEFAULT_WORKER_GROUP = workerGroup();

export interface SolutionWorkerOptions {
  /**
   * Worker threads for the retrains: a pool shared with others (a server's), `'own'` for one this
   * worker starts and closes, or none (fits on the calling thread).
   */
  pool?: TrainingPool | 'own';
  /** Shown in group descriptions and solution statuses (default: host and PID). */
  clientId?: string;
  /** The record shapers the faces give (a spec's `recordShape` names one; record-shapers.ts). */
  recordShapers?: SolutionRecordShapers;
  /** The consumer group the workers share (default `tml.solution-workers`). */
  groupId?: string;
  topics?: SolutionTopics;
  catalogPartitions?: number;
  /** A worker silent this long loses its partitions to the others (default 10 s; Kafka's minimum is 6 s). */
  sessionTimeoutMs?: number;
  /** How often the catalog is re-read when nothing wakes the worker (default 500 ms). */
  pollMs?: number;
  now?: () => number;
}

export interface SolutionWorkerEvents {
  /** A runner started: attach listeners to follow it. */
  runner: [SolutionRunner];
  /** A runner stopped (paused, deleted, changed, or its partition moved). */
  stopped: [string];
  /** A solution committed reads attributed to a consumer id (its spec's `io.consumerId`): AiMS usage. */
  read: [ReadEvent];
  /** The catalog partitions this worker owns now. */
  assignment: [number[]];
  error: [Error];
}

/** How soon a failed reconciliation (a catalog partition that could not be opened) is tried again. */
const RECONCILE_RETRY_MS = 1000;

export class SolutionWorker extends EventEmitter<SolutionWorkerEvents> {
  readonly clientId: string;
  readonly #backbone: Backbone;
  readonly #options: SolutionWorkerOptions;
  readonly #topics: SolutionTopics;
  readonly #groupId: string;
  readonly #log: CatalogLog;
  readonly #registry: MetadataStore;
  readonly #pool?: TrainingPool;
  #consumer?: GroupConsumer;
  readonly #producers = new Map<number, TransactionalProducer>();
  readonly #runners = new Map<string, { runner: SolutionRunner; item: CatalogItem }>();
  #closed = false;
  #loop?: Promise<void>;
  readonly #abort = new AbortController();
  #reconciling: Promise<void> = Promise.resolve();
  /** A reconciliation that failed, to be tried again. */
  #retry?: NodeJS.Timeout;
  /**
   * Catalog partitions whose producer another worker fenced, with the time: their producer and
   * runners are dropped at once (a worker that kept the fenced producer and the stopped runner of a
   * partition it got back never ran its solutions again). Which of the two workers is behind is
   * not known here: the fencer may hold an assignment the group has since replaced. So the
   * partition is opened again when a new assignment still gives it, or, with no new assignment,
   * after a rebalance timeout, by which the worker that is behind has seen the new assignment
   * (or left the group).
   */
  readonly #handedOver = new Map<number, number>();

  private constructor(backbone: Backbone, options: SolutionWorkerOptions, registry: MetadataStore) {
    super();
    this.#backbone = backbone;
    this.#options = options;
    this.#topics = options.topics ?? DEFAULT_SOLUTION_TOPICS;
    this.#groupId = options.groupId ?? DEFAULT_WORKER_GROUP;
    this.clientId = options.clientId ?? `tml-worker-${hostname()}-${process.pid}`;
    this.#log = new CatalogLog(backbone, this.#topics.catalog);
    this.#registry = registry;
    this.#pool = options.pool === 'own' ? new TrainingPool({ idleTimeout: 10_000 }) : options.pool;
  }

  /** Joins the workers' group and starts running the solutions of the partitions it is given. */
  static async start(backbone: Backbone, options: SolutionWorkerOptions = {}): Promise<SolutionWorker> {
    const topics = options.topics ?? DEFAULT_SOLUTION_TOPICS;
    await ensureSolutionTopics(backbone, topics, options.catalogPartitions ?? DEFAULT_CATALOG_PARTITIONS);
    const registry = await MetadataStore.open(backbone, { topic: topics.registry });
    const worker = new SolutionWorker(backbone, options, registry);
    try {
      worker.#consumer = await backbone.consumer({
        groupId: worker.#groupId,
        topics: [topics.catalog],
        autoOffsetReset: 'earliest',
        clientId: worker.clientId,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      });
    } catch (error) {
      if (options.pool === 'own') await worker.#pool?.close();
      throw error;
    }
    worker.#consumer.onAssignment(() => {
      worker.#handedOver.clear();
      void worker.schedule();
    });
    await worker.schedule();
    worker.#loop = worker.run();
    return worker;
  }

  /** The solutions running here now. */
  runners(): SolutionRunner[] {
    return [...this.#runners.values()].map((r) => r.runner);
  }

  /** The catalog partitions this worker owns. */
  partitions(): number[] {
    return [...this.#producers.keys()].sort((a, b) => a - b);
  }

  private async run(): Promise<void> {
    const pollMs = this.#options.pollMs ?? 500;
    while (!this.#closed) {
      try {
        // The polled records only wake the worker: the catalog log holds the entries.
        const records = await this.#consumer!.poll({ maxWaitMs: pollMs, signal: this.#abort.signal });
        if (this.#closed) break;
        void records;
        await this.schedule();
      } catch (error) {
        if (this.#closed) break;
        this.emit('error', error as Error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Brings the runners in line with the assignment and the catalog (one reconciliation at a time). */
  schedule(): Promise<void> {
    this.#reconciling = this.#reconciling.then(
      () => this.reconcile(),
      () => this.reconcile(),
    );
    return this.#reconciling.catch((error: Error) => {
      if (this.#closed) return;
      // (at start no listener is attached yet: an unheard 'error' would throw out of start())
      if (this.listenerCount('error') > 0) this.emit('error', error);
      // A partition that could not be opened (its transaction coordinator not ready yet, a broker
      // down) is tried again: nothing else reconciles until the next catalog record or rebalance,
      // so its solutions would otherwise never run here.
      this.#retry ??= setTimeout(() => {
        this.#retry = undefined;
        void this.schedule();
      }, RECONCILE_RETRY_MS);
    });
  }

  private async reconcile(): Promise<void> {
    if (this.#closed || this.#consumer === undefined) return;
    const assigned = new Set(
      this.#consumer
        .assignment()
        .filter((tp) => tp.topic === this.#topics.catalog)
        .map((tp) => tp.partition),
    );
    let moved = false;
    const now = Date.now();
    for (const [partition, at] of this.#handedOver) {
      if (now - at >= this.#rebalanceTimeoutMs()) this.#handedOver.delete(partition);
    }
    for (const partition of [...this.#producers.keys()]) {
      if (assigned.has(partition) && !this.#handedOver.has(partition)) continue;
      moved = true;
      await this.stopRunners((item) => item.partition === partition);
      await this.#producers
        .get(partition)!
        .close()
        .catch(() => undefined);
      this.#producers.delete(partition);
    }
    for (const partition of assigned) {
      if (this.#producers.has(partition) || this.#handedOver.has(partition)) continue;
      moved = true;
      // Opening the partition's transactional producer fences its previous owner and settles that
      // owner's open transaction, so what the runners read next is exactly what was committed.
      const producer = await this.#backbone.transactionalProducer({
        transactionalId: `${this.#groupId}.p${partition}`,
      });
      if (this.#closed) {
        await producer.close();
        return;
      }
      this.#producers.set(partition, producer);
    }
    if (moved) this.emit('assignment', this.partitions());

    await this.#log.refresh();
    const wanted = new Map<string, CatalogItem>();
    for (const item of this.#log.items()) {
      if (this.#producers.has(item.partition) && item.entry.state === 'running')
        wanted.set(item.entry.name, item);
    }
    // stop what is no longer wanted here, or whose entry changed (a new spec starts a new runner)
    await this.stopRunners((item, name) => wanted.get(name)?.offset !== item.offset);
    for (const [name, item] of wanted) {
      if (this.#runners.has(name)) continue;
      const runner = new SolutionRunner(item.entry, {
        backbone: this.#backbone,
        producer: this.#producers.get(item.partition)!,
        registry: this.#registry,
        topics: this.#topics,
        pool: this.#pool,
        workerId: this.clientId,
        now: this.#options.now,
        ...(this.#options.recordShapers !== undefined ? { recordShapers: this.#options.recordShapers } : {}),
      });
      this.#runners.set(name, { runner, item });
      runner.on('read', (event) => this.emit('read', event));
      runner.once('handedOver', () => {
        this.#handedOver.set(item.partition, Date.now());
        void this.schedule();
      });
      this.emit('runner', runner);
      runner.start();
    }
  }

  /** As the group consumer's: a member has this long to rejoin once the group rebalances. */
  #rebalanceTimeoutMs(): number {
    return Math.max(this.#options.sessionTimeoutMs ?? 10_000, 10_000);
  }

  private async stopRunners(which: (item: CatalogItem, name: string) => boolean): Promise<void> {
    const stopping: Promise<void>[] = [];
    for (const [name, { runner, item }] of this.#runners) {
      if (!which(item, name)) continue;
      this.#runners.delete(name);
      stopping.push(runner.stop().then(() => void this.emit('stopped', name)));
    }
    await Promise.all(stopping);
  }

  /** Stops every runner (each after its current step), leaves the group and closes the producers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#abort.abort();
    await this.#reconciling.catch(() => undefined);
    await this.stopRunners(() => true);
    await this.#loop?.catch(() => undefined);
    await this.#consumer?.close().catch(() => undefined);
    for (const producer of this.#producers.values()) await producer.close().catch(() => undefined);
    this.#producers.clear();
    if (this.#options.pool === 'own') await this.#pool?.close();
  }
}
