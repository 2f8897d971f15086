// One running solution: reads its input topics from the offsets it last committed, joins them into
// rows, passes each row through its entity's pipeline (predict, anomaly score, learn, drift),
// retrains when a trigger is due (every K rows, every T seconds, or a drift alarm; awaited, or with
// `retrain.background` on the training pool while rows go on), and publishes
// everything of one step — predictions, model versions, drift events, optimizations, anomalies,
// statistics, status — together with the input offsets it consumed, in ONE transaction. A crash
// therefore never publishes a prediction twice or loses one: the next owner starts from the
// committed offsets and the committed registry state. This file is the fetch/transaction loop; the
// parts it composes live in ./runner/ (a step's rows are handled in slices that give the event loop
// back between them: runner/rows.ts).
import { EventEmitter } from 'node:events';
// an abortable wait: stop() cuts it short (the rejection on abort is the expected way out)
import { setTimeout as delay } from 'node:timers/promises';
import { ProducerFencedError } from '../backbone/errors.js';
import type { ConsumedRecord, TopicPartitionOffset } from '../backbone/types.js';
import { positionKey, type PositionJoin } from '../streams/index.js';
import type { CatalogEntry } from './catalog-log.js';
import type { SolutionStatus } from './catalog-types.js';
import { incarnation, registryKeys } from '../streams/registry/index.js';
import { EntityTable } from './runner/entities.js';
import { EntityPipeline } from './runner/entity-pipeline.js';
import { groupIdOf, joinOf, NotReadyError, startInputs } from './runner/inputs.js';
import { Outbox } from './runner/outbox.js';
import { Promotion } from './runner/promotion.js';
import { boundScoring, handleRows, replayRows } from './runner/rows.js';
import { Slices } from './runner/slices.js';
import { StatusBoard } from './runner/status-board.js';
import { StepSchedule } from './runner/steps.js';
import type { RunnerContext, RunnerEvents, RunnerScope } from './runner/types.js';
import type { SolutionSpec } from './spec.js';
import { ownRecords, type SolutionRecordShaper } from './runner/record-shapers.js';

/** The shaper of the spec's `recordShape` (checked before each step), else the records as they are. */
function shaperOf(spec: SolutionSpec, ctx: RunnerContext): SolutionRecordShaper {
  return (
    (spec.recordShape !== undefined ? ctx.recordShapers?.get(spec.recordShape) : undefined) ?? ownRecords
  );
}

export type {
  AnomalyEvent,
  OptimumEvent,
  PredictionEvent,
  ReadEvent,
  RetrainEvent,
  RunnerContext,
  RunnerEvents,
} from './runner/types.js';

/** Rows handled per step (one transaction) at most, so a backlog is worked off in bounded steps. */
const MAX_ROWS_PER_STEP = 2000;
const FETCH_RECORDS = 500;
/** How long an idle runner waits for new records before it looks at its time triggers again. */
const IDLE_WAIT_MS = 200;
/** Idle runners on Kafka wake at multiples of this (ms since the epoch): see waitForRecords. */
const WAKE_GRID_MS = 20;
/** How often an idle runner looks whether a background retrain finished. */
const BACKGROUND_POLL_MS = 20;

export class SolutionRunner extends EventEmitter<RunnerEvents> {
  readonly spec: SolutionSpec;
  readonly #entry: CatalogEntry;
  readonly #scope: RunnerScope;
  readonly #groupId: string;
  readonly #pipeline: EntityPipeline;
  readonly #promotion: Promotion;
  readonly #steps: StepSchedule;
  #join: PositionJoin;
  #entities: EntityTable;
  /** Fetch positions per `topic/partition`. */
  #positions = new Map<string, TopicPartitionOffset>();
  #ready = false;
  #stopped = false;
  /** Input records and bytes fetched since the last committed step (attributed to `io.consumerId`). */
  #read = { bytes: 0, records: 0 };
  #loop?: Promise<void>;
  readonly #abort = new AbortController();

  constructor(entry: CatalogEntry, ctx: RunnerContext) {
    super();
    this.#entry = entry;
    this.spec = entry.spec;
    const now = ctx.now ?? Date.now;
    const board = new StatusBoard(ctx.workerId, now, (problem) => this.emit('problem', problem));
    this.#scope = {
      spec: entry.spec,
      incarnation: incarnation(entry),
      ctx,
      now,
      board,
      events: this,
      shaper: shaperOf(entry.spec, ctx),
    };
    this.#groupId = groupIdOf(this.#scope.incarnation);
    this.#pipeline = new EntityPipeline(this.#scope);
    this.#promotion = new Promotion(this.#scope);
    this.#steps = new StepSchedule(this.#scope);
    this.#join = joinOf(entry.spec);
    this.#entities = new EntityTable(this.#scope);
  }

  /** The consumer group whose committed offsets are this solution's progress through its inputs. */
  get groupId(): string {
    return this.#groupId;
  }

  get status(): Readonly<SolutionStatus> {
    return this.#scope.board.status;
  }

  /** Identifies the catalog entry this runner was started from (a changed entry restarts it). */
  get entry(): CatalogEntry {
    return this.#entry;
  }

  start(): void {
    this.#loop ??= this.run();
  }

  /** Stops the loop before anything is published when this worker cannot shape the records. */
  private checkShape(): void {
    const shape = this.spec.recordShape;
    if (shape !== undefined && this.#scope.ctx.recordShapers?.get(shape) === undefined) {
      throw new NotReadyError(
        `its records are written in the '${shape}' shape, which this worker was started without (a worker of \`tml serve\` or \`tml worker\` has it)`,
      );
    }
  }

  /** Stops after the current step; nothing half-done is published (the step's transaction is all or nothing). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#loop;
  }

  private async run(): Promise<void> {
    const { board } = this.#scope;
    let backoff = 250;
    while (!this.#stopped) {
      try {
        this.checkShape();
        // scheduled steps first (they may make the inputs init needs): what they write is read below
        if (this.#steps.size > 0) await this.#steps.runDue(this.#scope.now());
        if (!this.#ready) await this.init();
        const busy = await this.step();
        backoff = 250;
        if (!busy && !this.#stopped) await this.waitForRecords();
        else if (busy) await this.pause();
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof ProducerFencedError) {
          // Another worker owns this solution's catalog partition now: it carries on from what
          // was committed; this runner stops without publishing anything more.
          board.problem(`handed over to another worker (${error.message})`);
          this.#stopped = true;
          this.emit('handedOver');
          break;
        }
        board.problem((error as Error).message, error instanceof NotReadyError ? 'waiting' : 'problem');
        await this.publishStatus().catch(() => undefined);
        // Whatever this runner held in memory may be ahead of what was committed: start again
        // from the committed offsets and registry state.
        this.#ready = false;
        await delay(backoff, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** `io.pauseSeconds` between cycles that read rows (VIPER's `timedelay`); stop() cuts it short. */
  private async pause(): Promise<void> {
    const seconds = this.spec.io?.pauseSeconds ?? 0;
    if (seconds > 0 && !this.#stopped) {
      await delay(seconds * 1000, undefined, { signal: this.#abort.signal }).catch(() => undefined);
    }
  }

  /** Committed offsets, registry state, and the window replayed. */
  private async init(): Promise<void> {
    const start = await startInputs(this.#scope);
    this.#join = start.join;
    this.#entities = new EntityTable(this.#scope);
    this.#positions = new Map(start.positions.map((tp) => [positionKey(tp.topic, tp.partition), tp]));
    this.#read = { bytes: 0, records: 0 };
    await replayRows({ entities: this.#entities, pipeline: this.#pipeline }, start.replayed);
    for (const runtime of this.#entities.values()) {
      runtime.learner.rowsSinceRetrain = runtime.state.rowsSinceRetrain;
      if (start.fresh && runtime.state.retrains === 0) runtime.pendingTrigger = 'start';
    }
    this.#ready = true;
    this.#scope.board.setCondition(this.#entities.size === 0 ? 'waiting' : 'ok');
  }

  /**
   * Reads the input partitions a few at a time, all of a few at once: concurrent fetches go to a
   * broker together (one Kafka Fetch request per leader), and each round stays within a step's rows.
   */
  private async fetchNew(): Promise<void> {
    const { backbone } = this.#scope.ctx;
    const positions = [...this.#positions];
    const perRound = Math.max(1, Math.floor(MAX_ROWS_PER_STEP / FETCH_RECORDS));
    let fetched = 0;
    for (let i = 0; i < positions.length && fetched < MAX_ROWS_PER_STEP; i += perRound) {
      const round = positions.slice(i, i + perRound);
      const results = await Promise.all(
        round.map(([, tp]) =>
          backbone.fetch({
            topic: tp.topic,
            partition: tp.partition,
            offset: tp.offset,
            maxRecords: FETCH_RECORDS,
          }),
        ),
      );
      for (let j = 0; j < round.length; j++) {
        const [key, tp] = round[j];
        this.accept(key, tp, results[j].records);
        fetched += results[j].records.length;
      }
    }
  }

  private accept(key: string, tp: TopicPartitionOffset, records: ConsumedRecord[]): void {
    if (records.length === 0) return;
    this.#join.add(tp.topic, records);
    this.#read.records += records.length;
    for (const record of records) this.#read.bytes += record.value?.length ?? 0;
    this.#positions.set(key, { ...tp, offset: records[records.length - 1].offset + 1 });
  }

  /** Waits (long poll on the first input partition) until records arrive or a time trigger may be due. */
  private async waitForRecords(): Promise<void> {
    const { backbone } = this.#scope.ctx;
    const first = this.#positions.entries().next().value;
    const waitMs = this.idleWaitMs();
    // On Kafka the long polls of one backbone share a connection and queue one behind another
    // (kafka-backbone.ts): a runner's wait would hold up every other idle runner's. There, idle
    // runners sleep and then fetch without waiting.
    // The sleeps end on a shared grid, so the fetches of the runners waking together go to the
    // broker in one request (fetches of one event-loop turn are gathered per leader).
    if (first === undefined || backbone.kind !== 'embedded') {
      const now = Date.now();
      const wakeAt = Math.ceil((now + waitMs) / WAKE_GRID_MS) * WAKE_GRID_MS;
      await delay(wakeAt - now, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      return;
    }
    const [key, tp] = first;
    try {
      const { records } = await backbone.fetch({
        topic: tp.topic,
        partition: tp.partition,
        offset: tp.offset,
        maxRecords: FETCH_RECORDS,
        maxWaitMs: waitMs,
        signal: this.#abort.signal,
      });
      // the position may have moved meanwhile only through this same loop: safe to accept
      this.accept(key, tp, records);
    } catch (error) {
      if (!this.#stopped) throw error;
    }
  }

  /**
   * How long an idle runner may wait: until the next time-triggered retrain is due, at most
   * IDLE_WAIT_MS, so a retrain starts on time rather than up to IDLE_WAIT_MS late.
   */
  private idleWaitMs(): number {
    const every = this.spec.retrain.everySeconds;
    const now = this.#scope.now();
    let wait = Math.max(1, Math.min(IDLE_WAIT_MS, this.#steps.dueIn(now)));
    for (const runtime of this.#entities.values()) {
      // a background retrain is published by the next step: look again soon
      if (runtime.retrainSlot.busy) wait = Math.min(wait, BACKGROUND_POLL_MS);
    }
    if (every === undefined) return wait;
    for (const runtime of this.#entities.values()) {
      if (runtime.learner.rowsSinceRetrain === 0) continue;
      wait = Math.min(wait, runtime.state.lastRetrainAt + every * 1000 - now);
    }
    return Math.max(1, wait);
  }

  /** Handles the rows fetched so far and the triggers due; publishes it all in one transaction. */
  private async step(): Promise<boolean> {
    const { spec, ctx, board, incarnation: prefix } = this.#scope;
    const startedAt = performance.now();
    await this.fetchNew();
    const rows = this.#join.take();
    const outbox = new Outbox(ctx.topics.registry, spec.io?.partition);
    const slices = new Slices();
    const background = spec.retrain.background === true;
    // background retrains that finished since the last step: published with this one
    for (const runtime of this.#entities.values()) await this.#promotion.applySettled(runtime, outbox);
    // triggers left from before these rows (the first model of a new solution): the rows that
    // follow are then predicted by it (in the background: by it once it is ready)
    for (const runtime of this.#entities.values()) {
      if (runtime.pendingTrigger === undefined) continue;
      if (background) await this.#promotion.request(runtime, runtime.pendingTrigger, outbox);
      else {
        await this.#promotion.retrain(runtime, runtime.pendingTrigger, outbox);
        await slices.yield();
      }
    }
    const parts = {
      scope: this.#scope,
      entities: this.#entities,
      pipeline: this.#pipeline,
      promotion: this.#promotion,
    };
    await handleRows(parts, rows, outbox, slices);
    boundScoring(this.#scope, outbox, startedAt);

    const now = this.#scope.now();
    const every = spec.retrain.everySeconds;
    for (const runtime of this.#entities.values()) {
      const timeDue =
        every !== undefined &&
        runtime.learner.rowsSinceRetrain > 0 &&
        now - runtime.state.lastRetrainAt >= every * 1000;
      const due = runtime.pendingTrigger ?? (timeDue ? 'seconds' : undefined);
      if (due === undefined) continue;
      if (background) await this.#promotion.request(runtime, due, outbox);
      else {
        await this.#promotion.retrain(runtime, due, outbox);
        await slices.yield();
      }
    }
    // whatever finished while these rows were handled goes out in this step's transaction
    if (background) {
      for (const runtime of this.#entities.values()) await this.#promotion.applySettled(runtime, outbox);
    }

    for (const runtime of this.#entities.values()) {
      if (!runtime.touched) continue;
      runtime.touched = false;
      runtime.state.rowsSinceRetrain = runtime.learner.rowsSinceRetrain;
      outbox.putRegistry(registryKeys.state(prefix, runtime.entity), runtime.state);
    }
    const statusDue = board.due(now);
    if (outbox.count === 0 && !statusDue) return rows.length > 0;
    if (statusDue) {
      outbox.add(ctx.topics.status, { key: spec.name, value: board.value(prefix, now), partition: 0 });
    }
    const offsets = this.#join.consumedOffsets();
    await ctx.producer.transaction(async (tx) => {
      for (const [topic, records] of outbox.records) await tx.produce(topic, records);
      if (offsets.length > 0) await tx.commitOffsets(this.#groupId, offsets);
    });
    if (statusDue) board.written(now);
    this.emit('step', { rows: rows.length, records: outbox.count });
    const consumerId = spec.io?.consumerId;
    if (consumerId !== undefined && this.#read.records > 0) {
      this.emit('read', { solution: spec.name, consumerId, ...this.#read });
    }
    this.#read = { bytes: 0, records: 0 };
    return rows.length > 0 || outbox.count > 1;
  }

  /** The status alone, when no step can run (an input is missing, the backbone failed). */
  private async publishStatus(): Promise<void> {
    const { spec, ctx, board, incarnation: prefix } = this.#scope;
    if (!board.dirty) return;
    const now = this.#scope.now();
    const value = board.value(prefix, now);
    await ctx.producer.transaction(async (tx) => {
      await tx.produce(ctx.topics.status, [{ key: spec.name, value, partition: 0 }]);
    });
    board.written(now);
  }
}
