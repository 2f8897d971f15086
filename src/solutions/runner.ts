// One running solution: reads its input topics from the offsets it last committed, forms rows,
// predicts each with the champion of its entity, learns it, retrains when a trigger is due (every K
// rows, every T seconds, or a drift alarm), and publishes predictions, model versions, drift events,
// optimizations, anomalies and statistics — all of one step, together with the input offsets it
// consumed, in ONE transaction. A crash therefore never publishes a prediction twice or loses one:
// the next owner starts from the committed offsets and the committed registry state.
import { EventEmitter } from 'node:events';
// an abortable wait: stop() cuts it short (the rejection on abort is the expected way out)
import { setTimeout as delay } from 'node:timers/promises';
import {
  assessRisk,
  computeStatistics,
  describeColumns,
  optimizeModel,
  scoreValue,
  toViperOptimization,
  trainPeerGroup,
  type PeerGroupJSON,
  type TrainingPool,
} from '../automl/index.js';
import { ProducerFencedError, UnknownTopicError } from '../backbone/errors.js';
import type { MetadataStore } from '../backbone/metadata-store.js';
import type {
  Backbone,
  ConsumedRecord,
  ProducerRecord,
  TopicPartitionOffset,
  TransactionalProducer,
} from '../backbone/types.js';
import type { CatalogEntry } from './catalog-log.js';
import type {
  DriftEvent,
  ModelVersion,
  SolutionCondition,
  SolutionProblem,
  SolutionStatus,
} from './catalog-types.js';
import { DEFAULT_MAX_WINDOW_ROWS, WindowLearner, type RetrainOutcome } from './learner.js';
import {
  incarnation,
  readEntityState,
  registryEntities,
  REGISTRY_HISTORY,
  registryKeys,
  type EntityState,
} from '../streams/registry/index.js';
import { positionKey, RowAssembler, type InputRow } from './rows.js';
import type { SolutionSpec } from './spec.js';
import type { SolutionTopics } from './topics.js';

/** Rows handled per step (one transaction) at most, so a backlog is worked off in bounded steps. */
const MAX_ROWS_PER_STEP = 2000;
const FETCH_RECORDS = 500;
/** How long an idle runner waits for new records before it looks at its time triggers again. */
const IDLE_WAIT_MS = 200;
const STATUS_EVERY_MS = 1000;
const PROBLEMS_KEPT = 20;

export interface RunnerContext {
  backbone: Backbone;
  /** The transactional producer of the catalog partition this solution lives on. */
  producer: TransactionalProducer;
  /** The registry topic read back (shared by the runners of one worker). */
  registry: MetadataStore;
  topics: SolutionTopics;
  pool?: TrainingPool;
  /** Shown in the status: which worker runs the solution. */
  workerId: string;
  now?: () => number;
}

export interface RetrainEvent {
  solution: string;
  entity: string;
  trigger: ModelVersion['trigger'];
  outcome: RetrainOutcome;
  state: EntityState;
}

export interface PredictionEvent {
  solution: string;
  entity: string;
  prediction: number;
  actual: number;
  inputs: Record<string, number>;
  modelVersion: number;
  algorithm: string;
  timestamp: number;
}

export interface RunnerEvents {
  retrain: [RetrainEvent];
  prediction: [PredictionEvent];
  drift: [DriftEvent];
  optimum: [{ solution: string; entity: string; optimization: ReturnType<typeof toViperOptimization> }];
  anomaly: [{ solution: string; entity: string; risk: number; alert: boolean; anomalousStreams: string[] }];
  problem: [SolutionProblem];
  /** A step committed: rows handled, and the transaction's records. */
  step: [{ rows: number; records: number }];
}

interface EntityRuntime {
  entity: string;
  learner: WindowLearner;
  state: EntityState;
  peerGroups?: PeerGroupJSON[];
  pendingTrigger?: ModelVersion['trigger'];
  touched: boolean;
}

/** Records of one step, by topic, written in one transaction. */
class Outbox {
  readonly records = new Map<string, ProducerRecord[]>();
  count = 0;
  add(topic: string, record: ProducerRecord): void {
    const list = this.records.get(topic);
    if (list === undefined) this.records.set(topic, [record]);
    else list.push(record);
    this.count++;
  }
}

/** The solution cannot work yet (an input topic is missing): retried, reported once. */
class NotReadyError extends Error {}

export class SolutionRunner extends EventEmitter<RunnerEvents> {
  readonly spec: SolutionSpec;
  readonly #entry: CatalogEntry;
  readonly #ctx: RunnerContext;
  readonly #now: () => number;
  readonly #incarnation: string;
  readonly #groupId: string;
  #assembler: RowAssembler;
  #entities = new Map<string, EntityRuntime>();
  /** Fetch positions per `topic/partition`. */
  #positions = new Map<string, TopicPartitionOffset>();
  #ready = false;
  #stopped = false;
  #loop?: Promise<void>;
  readonly #abort = new AbortController();
  #status: SolutionStatus;
  #statusWrittenAt = 0;
  #statusDirty = true;
  #lastProblem = '';

  constructor(entry: CatalogEntry, ctx: RunnerContext) {
    super();
    this.#entry = entry;
    this.spec = entry.spec;
    this.#ctx = ctx;
    this.#now = ctx.now ?? Date.now;
    this.#incarnation = incarnation(entry);
    this.#groupId = `tml.solution.${this.#incarnation}`;
    this.#assembler = new RowAssembler(entry.spec);
    this.#status = {
      condition: 'starting',
      problems: [],
      retrains: 0,
      predictions: 0,
      driftEvents: 0,
      champions: {},
      worker: ctx.workerId,
      updatedAt: this.#now(),
    };
  }

  /** The consumer group whose committed offsets are this solution's progress through its inputs. */
  get groupId(): string {
    return this.#groupId;
  }

  get status(): Readonly<SolutionStatus> {
    return this.#status;
  }

  /** Identifies the catalog entry this runner was started from (a changed entry restarts it). */
  get entry(): CatalogEntry {
    return this.#entry;
  }

  start(): void {
    this.#loop ??= this.run();
  }

  /** Stops after the current step; nothing half-done is published (the step's transaction is all or nothing). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    await this.#loop;
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (!this.#stopped) {
      try {
        if (!this.#ready) await this.init();
        const busy = await this.step();
        backoff = 250;
        if (!busy && !this.#stopped) await this.waitForRecords();
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof ProducerFencedError) {
          // Another worker owns this solution's catalog partition now: it carries on from what
          // was committed; this runner stops without publishing anything more.
          this.problem(`handed over to another worker (${error.message})`);
          this.#stopped = true;
          break;
        }
        this.problem((error as Error).message, error instanceof NotReadyError ? 'waiting' : 'problem');
        await this.publishStatus().catch(() => undefined);
        // Whatever this runner held in memory may be ahead of what was committed: start again
        // from the committed offsets and registry state.
        this.#ready = false;
        await delay(backoff, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  // ---- start-up: committed offsets, registry state, the window replayed -------------------------

  private async init(): Promise<void> {
    const { backbone } = this.#ctx;
    const spec = this.spec;
    const inputPartitions: TopicPartitionOffset[] = [];
    for (const input of spec.inputs) {
      let partitions: number;
      try {
        partitions = (await backbone.describeTopic(input.topic)).partitions.length;
      } catch (error) {
        if (error instanceof UnknownTopicError) {
          throw new NotReadyError(`input topic ${input.topic} does not exist (waiting for it)`);
        }
        throw error;
      }
      // a position join reads partition 0 of each topic (see rows.ts)
      const read = this.#assembler.joined ? 1 : partitions;
      for (let p = 0; p < read; p++) inputPartitions.push({ topic: input.topic, partition: p, offset: 0 });
    }
    for (const topic of Object.values(spec.outputs)) {
      if (topic !== undefined) await backbone.ensureTopic({ name: topic });
    }

    this.#assembler = new RowAssembler(spec);
    this.#entities = new Map();
    this.#positions = new Map();
    const committed = await backbone.committedOffsets(this.#groupId);
    // A solution that has learnt before but has no committed offset for a partition (the topic was
    // deleted and created again, or it gained partitions) reads that partition from its start.
    const continuing = (await registryEntities(this.#ctx.registry, this.#incarnation)).length > 0;
    const replayRows = Math.min(
      spec.window.records ?? spec.window.maxRecords ?? DEFAULT_MAX_WINDOW_ROWS,
      20_000,
    );
    const replay: Array<{ tp: TopicPartitionOffset; from: number }> = [];
    for (const tp of inputPartitions) {
      const offsets = (await backbone.listOffsets(tp.topic)).find((o) => o.partition === tp.partition)!;
      let done = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset;
      if (done !== undefined && (done > offsets.latest || done < offsets.earliest)) {
        // the topic was deleted and created again, or retention removed rows never read
        this.problem(
          `input ${tp.topic}/${tp.partition}: committed offset ${done} is outside ${offsets.earliest}..${offsets.latest}; reading from ${offsets.earliest}`,
        );
        done = offsets.earliest;
      }
      if (done === undefined && continuing) {
        this.problem(
          `input ${tp.topic}/${tp.partition}: no committed offset; reading from ${offsets.earliest}`,
        );
        done = offsets.earliest;
      }
      // a new solution learns from the latest window at once; a continuing one re-reads its window
      const resumeAt = done ?? offsets.latest;
      const from = Math.max(offsets.earliest, resumeAt - replayRows);
      replay.push({ tp: { ...tp, offset: resumeAt }, from });
      this.#positions.set(positionKey(tp.topic, tp.partition), { ...tp, offset: resumeAt });
    }
    this.#assembler.seed(replay.map((r) => r.tp));
    await this.replay(replay);
    const fresh = committed.length === 0;
    for (const runtime of this.#entities.values()) {
      if (fresh && runtime.state.retrains === 0) runtime.pendingTrigger = 'start';
    }
    this.#ready = true;
    this.setCondition(this.#entities.size === 0 ? 'waiting' : 'ok');
  }

  /** Re-reads the rows before the committed offsets into the learners' windows (no predictions). */
  private async replay(parts: Array<{ tp: TopicPartitionOffset; from: number }>): Promise<void> {
    const assembler = new RowAssembler(this.spec);
    for (const { tp, from } of parts) {
      let offset = from;
      while (offset < tp.offset) {
        const { records } = await this.#ctx.backbone.fetch({
          topic: tp.topic,
          partition: tp.partition,
          offset,
          maxRecords: Math.min(FETCH_RECORDS * 4, tp.offset - offset),
        });
        if (records.length === 0) break;
        const wanted = records.filter((r) => r.offset < tp.offset);
        assembler.add(tp.topic, wanted);
        offset = records[records.length - 1].offset + 1;
      }
    }
    for (const row of assembler.take()) {
      const runtime = await this.runtime(row.entity);
      const { features, target } = this.split(row);
      runtime.learner.observe(features, target, row.timestamp, row.position, { detectDrift: false });
    }
    for (const runtime of this.#entities.values())
      runtime.learner.rowsSinceRetrain = runtime.state.rowsSinceRetrain;
  }

  private async runtime(entity: string): Promise<EntityRuntime> {
    const existing = this.#entities.get(entity);
    if (existing !== undefined) return existing;
    const spec = this.spec;
    const learner = new WindowLearner({
      featureNames: spec.independentVariables,
      targetName: spec.dependentVariable,
      task: spec.automl.islogistic ? 'classification' : 'regression',
      window: spec.window,
      automl: spec.automl,
      drift: spec.drift,
      pool: this.#ctx.pool,
      offloadTraining: true,
    });
    const { state, champion } = await readEntityState(this.#ctx.registry, this.#incarnation, entity);
    if (champion !== undefined) {
      learner.restore(
        { json: champion.model, version: champion.version, forecastAccuracy: champion.forecastAccuracy },
        state?.retrains ?? 0,
      );
      this.#status.champions[entity] = {
        algorithm: champion.algorithm,
        version: champion.version,
        forecastAccuracy: champion.forecastAccuracy,
      };
    }
    const runtime: EntityRuntime = {
      entity,
      learner,
      state: state ?? {
        retrains: 0,
        lastRetrainAt: 0,
        championVersion: 0,
        oldestVersion: 1,
        driftEvents: 0,
        rowsSinceRetrain: 0,
        predictions: 0,
      },
      touched: false,
    };
    // the status counts the solution's whole life, not this runner's
    runtime.state.predictions ??= 0;
    this.#status.retrains += runtime.state.retrains;
    this.#status.predictions += runtime.state.predictions;
    this.#status.driftEvents += runtime.state.driftEvents;
    this.#entities.set(entity, runtime);
    return runtime;
  }

  // ---- one step ---------------------------------------------------------------------------------

  private async fetchNew(): Promise<void> {
    let fetched = 0;
    for (const [key, tp] of this.#positions) {
      if (fetched >= MAX_ROWS_PER_STEP) break;
      const { records } = await this.#ctx.backbone.fetch({
        topic: tp.topic,
        partition: tp.partition,
        offset: tp.offset,
        maxRecords: FETCH_RECORDS,
      });
      this.accept(key, tp, records);
      fetched += records.length;
    }
  }

  private accept(key: string, tp: TopicPartitionOffset, records: ConsumedRecord[]): void {
    if (records.length === 0) return;
    this.#assembler.add(tp.topic, records);
    this.#positions.set(key, { ...tp, offset: records[records.length - 1].offset + 1 });
  }

  /** Waits (long poll on the first input partition) until records arrive or a time trigger may be due. */
  private async waitForRecords(): Promise<void> {
    const first = this.#positions.entries().next().value;
    const waitMs = this.idleWaitMs();
    // On Kafka the long polls of one backbone share a connection and queue one behind another
    // (kafka-backbone.ts): a runner's wait would hold up every other idle runner's. There, idle
    // runners sleep and then fetch without waiting.
    if (first === undefined || this.#ctx.backbone.kind !== 'embedded') {
      await delay(waitMs, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      return;
    }
    const [key, tp] = first;
    try {
      const { records } = await this.#ctx.backbone.fetch({
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
   * IDLE_WAIT_MS. Waiting the full IDLE_WAIT_MS made a retrain start up to that much after its due
   * time (the bench's retrain deadline, bench/solutions.ts).
   */
  private idleWaitMs(): number {
    const every = this.spec.retrain.everySeconds;
    if (every === undefined) return IDLE_WAIT_MS;
    const now = this.#now();
    let wait = IDLE_WAIT_MS;
    for (const runtime of this.#entities.values()) {
      if (runtime.learner.rowsSinceRetrain === 0) continue;
      wait = Math.min(wait, runtime.state.lastRetrainAt + every * 1000 - now);
    }
    return Math.max(1, wait);
  }

  private split(row: InputRow): { features: number[]; target: number } {
    return {
      features: this.spec.independentVariables.map((v) => row.values[v]),
      target: row.values[this.spec.dependentVariable],
    };
  }

  /** Handles the rows fetched so far and the triggers due; publishes it all in one transaction. */
  private async step(): Promise<boolean> {
    await this.fetchNew();
    const rows = this.#assembler.take();
    const outbox = new Outbox();
    const spec = this.spec;
    let skipped = 0;
    // triggers left from before these rows (the first model of a new solution): the rows that
    // follow are then predicted by it
    for (const runtime of this.#entities.values()) {
      if (runtime.pendingTrigger !== undefined) await this.retrain(runtime, runtime.pendingTrigger, outbox);
    }
    for (const row of rows) {
      const runtime = await this.runtime(row.entity);
      runtime.touched = true;
      const { features, target } = this.split(row);
      const usable = features.every(Number.isFinite);
      if (!usable || !Number.isFinite(target)) skipped++;
      if (usable) {
        this.predict(runtime, row, features, target, outbox);
        this.scoreAnomalies(runtime, row, outbox);
      }
      const { drift, statistic } = runtime.learner.observe(features, target, row.timestamp, row.position);
      if (drift) this.recordDrift(runtime, row, statistic ?? 0, outbox);
      const due =
        runtime.pendingTrigger ??
        (spec.retrain.everyRecords !== undefined &&
        runtime.learner.rowsSinceRetrain >= spec.retrain.everyRecords
          ? 'records'
          : undefined);
      if (due !== undefined) await this.retrain(runtime, due, outbox);
    }
    if (skipped > 0) this.problem(`${skipped} input rows did not carry a number in every variable (skipped)`);

    const now = this.#now();
    for (const runtime of this.#entities.values()) {
      const every = spec.retrain.everySeconds;
      const timeDue =
        every !== undefined &&
        runtime.learner.rowsSinceRetrain > 0 &&
        now - runtime.state.lastRetrainAt >= every * 1000;
      const due = runtime.pendingTrigger ?? (timeDue ? 'seconds' : undefined);
      if (due !== undefined) await this.retrain(runtime, due, outbox);
    }

    for (const runtime of this.#entities.values()) {
      if (!runtime.touched) continue;
      runtime.touched = false;
      runtime.state.rowsSinceRetrain = runtime.learner.rowsSinceRetrain;
      this.registry(outbox, registryKeys.state(this.#incarnation, runtime.entity), runtime.state);
    }
    const statusDue = this.#statusDirty || now - this.#statusWrittenAt >= STATUS_EVERY_MS;
    if (outbox.count === 0 && !statusDue) return rows.length > 0;
    if (statusDue) {
      this.#status.updatedAt = now;
      outbox.add(this.#ctx.topics.status, {
        key: spec.name,
        value: JSON.stringify({ ...this.#status, incarnation: this.#incarnation }),
        partition: 0,
      });
    }
    const offsets = this.#assembler.consumedOffsets();
    await this.#ctx.producer.transaction(async (tx) => {
      for (const [topic, records] of outbox.records) await tx.produce(topic, records);
      if (offsets.length > 0) await tx.commitOffsets(this.#groupId, offsets);
    });
    if (statusDue) {
      this.#statusWrittenAt = now;
      this.#statusDirty = false;
    }
    this.emit('step', { rows: rows.length, records: outbox.count });
    return rows.length > 0 || outbox.count > 1;
  }

  /** The status alone, when no step can run (an input is missing, the backbone failed). */
  private async publishStatus(): Promise<void> {
    if (!this.#statusDirty) return;
    const now = this.#now();
    this.#status.updatedAt = now;
    const value = JSON.stringify({ ...this.#status, incarnation: this.#incarnation });
    await this.#ctx.producer.transaction(async (tx) => {
      await tx.produce(this.#ctx.topics.status, [{ key: this.spec.name, value, partition: 0 }]);
    });
    this.#statusWrittenAt = now;
    this.#statusDirty = false;
  }

  private predict(
    runtime: EntityRuntime,
    row: InputRow,
    features: number[],
    target: number,
    outbox: Outbox,
  ): void {
    if (!this.spec.predict) return;
    const prediction = runtime.learner.predict(features);
    const champion = runtime.learner.champion;
    if (prediction === undefined || champion === undefined) return;
    const inputs = Object.fromEntries(this.spec.independentVariables.map((v, i) => [v, features[i]]));
    outbox.add(this.spec.outputs.predictions, {
      key: runtime.entity === '' ? this.spec.name : runtime.entity,
      value: JSON.stringify({
        solution: this.spec.name,
        entity: runtime.entity,
        prediction,
        actual: Number.isFinite(target) ? target : null,
        inputs,
        modelVersion: champion.version,
        algorithm: champion.json.algorithm,
        offsets: row.position,
        rowTimestamp: row.timestamp,
      }),
      timestamp: this.#now(),
    });
    this.#status.predictions++;
    runtime.state.predictions++;
    this.emit('prediction', {
      solution: this.spec.name,
      entity: runtime.entity,
      prediction,
      actual: target,
      inputs,
      modelVersion: champion.version,
      algorithm: champion.json.algorithm,
      timestamp: row.timestamp,
    });
  }

  private scoreAnomalies(runtime: EntityRuntime, row: InputRow, outbox: Outbox): void {
    const topic = this.spec.outputs.anomalies;
    if (this.spec.anomaly === undefined || topic === undefined || runtime.peerGroups === undefined) return;
    const scores = runtime.peerGroups.map((group) => scoreValue(group, row.values[group.stream]));
    const risk = assessRisk(scores);
    const values = Object.fromEntries(scores.map((s) => [s.stream, s.value]));
    outbox.add(topic, {
      key: runtime.entity === '' ? this.spec.name : runtime.entity,
      value: JSON.stringify({
        solution: this.spec.name,
        entity: runtime.entity,
        ...risk,
        values,
        offsets: row.position,
      }),
    });
    if (risk.alert) {
      this.emit('anomaly', {
        solution: this.spec.name,
        entity: runtime.entity,
        risk: risk.risk,
        alert: risk.alert,
        anomalousStreams: risk.anomalousStreams,
      });
    }
  }

  private recordDrift(runtime: EntityRuntime, row: InputRow, statistic: number, outbox: Outbox): void {
    runtime.pendingTrigger = 'drift';
    const index = ++runtime.state.driftEvents;
    const event: DriftEvent = {
      solution: this.spec.name,
      entity: runtime.entity,
      at: this.#now(),
      offset: Math.min(...Object.values(row.position)),
      detector: 'page-hinkley',
      statistic,
      championVersion: runtime.learner.champion?.version ?? 0,
    };
    this.registry(outbox, registryKeys.drift(this.#incarnation, runtime.entity, index), event);
    if (index > REGISTRY_HISTORY) {
      this.tombstone(outbox, registryKeys.drift(this.#incarnation, runtime.entity, index - REGISTRY_HISTORY));
    }
    outbox.add(this.spec.outputs.drift, {
      key: runtime.entity === '' ? this.spec.name : runtime.entity,
      value: JSON.stringify({ ...event, position: row.position }),
    });
    this.#status.driftEvents++;
    this.#statusDirty = true;
    this.emit('drift', event);
  }

  private async retrain(
    runtime: EntityRuntime,
    trigger: ModelVersion['trigger'],
    outbox: Outbox,
  ): Promise<void> {
    runtime.pendingTrigger = undefined;
    runtime.touched = true;
    const now = this.#now();
    const outcome = await runtime.learner.retrain(now);
    const state = runtime.state;
    state.lastRetrainAt = now;
    if (!outcome.trained) {
      this.problem(outcome.reason, outcome.reason.startsWith('window has') ? 'waiting' : 'problem');
      this.emit('retrain', { solution: this.spec.name, entity: runtime.entity, trigger, outcome, state });
      return;
    }
    state.retrains++;
    this.#status.retrains++;
    this.#status.lastRetrainAt = now;
    if (this.#status.condition !== 'ok') this.setCondition('ok');
    if (outcome.promoted) {
      const champion = outcome.champion;
      state.championVersion = champion.version;
      const version: ModelVersion = {
        solution: this.spec.name,
        entity: runtime.entity,
        version: champion.version,
        retrain: state.retrains,
        algorithm: champion.json.algorithm,
        forecastAccuracy: champion.forecastAccuracy,
        // a refreshed champion carries its configuration's score on the newest rows it had not seen
        metrics: champion.json.metrics,
        lineage: { offsets: outcome.lineage, rows: outcome.rows },
        promotedAt: now,
        trigger,
        ...(outcome.refreshed ? { refreshed: true } : {}),
        ...(outcome.replaced !== undefined ? { replaced: outcome.replaced } : {}),
        model: champion.json,
      };
      this.registry(
        outbox,
        registryKeys.version(this.#incarnation, runtime.entity, champion.version),
        version,
      );
      while (state.oldestVersion <= champion.version - REGISTRY_HISTORY) {
        this.tombstone(outbox, registryKeys.version(this.#incarnation, runtime.entity, state.oldestVersion));
        state.oldestVersion++;
      }
      const { model: _model, ...summary } = version;
      outbox.add(this.spec.outputs.params, {
        key: runtime.entity === '' ? this.spec.name : runtime.entity,
        value: JSON.stringify({ ...summary, model: champion.json }),
      });
      this.#status.champions[runtime.entity] = {
        algorithm: champion.json.algorithm,
        version: champion.version,
        forecastAccuracy: champion.forecastAccuracy,
      };
      this.#statusDirty = true;
      this.afterPromotion(runtime, outcome, outbox);
    }
    this.emit('retrain', {
      solution: this.spec.name,
      entity: runtime.entity,
      trigger,
      outcome,
      state: { ...state },
    });
  }

  /** Optimization, peer groups and window statistics follow each new champion. */
  private afterPromotion(
    runtime: EntityRuntime,
    outcome: Extract<RetrainOutcome, { trained: true }>,
    outbox: Outbox,
  ): void {
    const spec = this.spec;
    const window = runtime.learner.windowColumns(this.#now());
    const key = runtime.entity === '' ? spec.name : runtime.entity;
    if (spec.optimize !== undefined && spec.outputs.optimal !== undefined) {
      try {
        const stats = describeColumns(window.x, window.rows, spec.independentVariables);
        const result = optimizeModel(outcome.champion.model, {
          stats,
          ismin: spec.optimize.ismin,
          constraints: spec.optimize.constraints,
          constraintType: spec.optimize.constrainttype,
          stretchBounds: spec.optimize.stretchbounds,
          epsilon: spec.optimize.epsilon,
          seed: outcome.champion.version,
          timeBudgetMs: 200,
        });
        const optimization = toViperOptimization(result);
        outbox.add(spec.outputs.optimal, {
          key,
          value: JSON.stringify({
            solution: spec.name,
            entity: runtime.entity,
            modelVersion: outcome.champion.version,
            ...optimization,
          }),
        });
        this.emit('optimum', { solution: spec.name, entity: runtime.entity, optimization });
      } catch (error) {
        this.problem(`optimization skipped: ${(error as Error).message}`);
      }
    }
    if (spec.anomaly !== undefined && spec.outputs.anomalies !== undefined) {
      try {
        runtime.peerGroups = window.columns.map(({ variable, values }) =>
          trainPeerGroup(variable, values, {
            lag: spec.anomaly!.lag,
            threshold: spec.anomaly!.threshold,
            influence: spec.anomaly!.influence,
          }),
        );
      } catch (error) {
        this.problem(`anomaly peer groups not trained: ${(error as Error).message}`);
      }
    }
    if (spec.preprocess !== undefined && spec.outputs.preprocessed !== undefined) {
      try {
        const statistics = Object.fromEntries(
          window.columns.map(({ variable, values }) => [
            variable,
            computeStatistics(spec.preprocess!.statistics, values, { nonFinite: 'drop' }).values,
          ]),
        );
        outbox.add(spec.outputs.preprocessed, {
          key,
          value: JSON.stringify({
            solution: spec.name,
            entity: runtime.entity,
            rows: window.rows,
            lineage: outcome.lineage,
            statistics,
          }),
        });
      } catch (error) {
        this.problem(`statistics skipped: ${(error as Error).message}`);
      }
    }
  }

  private registry(outbox: Outbox, key: string, value: unknown): void {
    outbox.add(this.#ctx.topics.registry, { key, value: JSON.stringify(value), partition: 0 });
  }

  private tombstone(outbox: Outbox, key: string): void {
    outbox.add(this.#ctx.topics.registry, { key, value: null, partition: 0 });
  }

  private setCondition(condition: SolutionCondition): void {
    if (this.#status.condition === condition) return;
    this.#status.condition = condition;
    this.#statusDirty = true;
  }

  private problem(message: string, condition: SolutionCondition = 'problem'): void {
    this.setCondition(condition);
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    const problem = { at: this.#now(), message };
    this.#status.problems.push(problem);
    if (this.#status.problems.length > PROBLEMS_KEPT) this.#status.problems.shift();
    this.#statusDirty = true;
    this.emit('problem', problem);
  }
}
