// A poll-style member of a consumer group on Kafka's own group coordinator (classic protocol):
// the client joins, syncs and heartbeats in the background and rejoins on a rebalance; positions,
// fetches and commits are driven from poll() and commit() here, as in Kafka's Java consumer.
import { Consumer, FetchIsolationLevels } from '@platformatic/kafka';
import { InvalidRecordError, UnknownPartitionError } from '../errors.js';
import { validateTopicName } from '../topic-name.js';
import type {
  ConsumedRecord,
  ConsumerOptions,
  GroupConsumer,
  PollOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.js';
import { protocolErrorIds } from './errors.js';
import type { FetchPartitionRequest } from './fetch.js';
import type { KafkaBackbone } from './kafka-backbone.js';
import { decodePartition } from './records.js';
import { sleep } from './util.js';

const EARLIEST = -2n;
const LATEST = -1n;
const PARTITION_MAX_BYTES = 1024 * 1024;
const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class KafkaGroupConsumer implements GroupConsumer {
  readonly groupId: string;
  readonly #backbone: KafkaBackbone;
  readonly #options: ConsumerOptions;
  readonly #consumer: Consumer;
  readonly #sessionTimeoutMs: number;
  #assignment: TopicPartition[] = [];
  /** Next offset to read per assigned partition; absent until resolved from the committed offset. */
  readonly #positions = new Map<string, number>();
  readonly #listeners: ((assignment: TopicPartition[]) => void)[] = [];
  readonly #onClose: (() => void)[] = [];
  /** Leaves the group when poll() is not called for a session timeout (Kafka's max.poll.interval.ms). */
  #watchdog: NodeJS.Timeout | undefined;
  #left = false;
  #closed = false;

  constructor(backbone: KafkaBackbone, options: ConsumerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidRecordError('consumer options must be an object with a groupId and topics');
    }
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new InvalidRecordError(
        `a consumer group id must be a non-empty string, got ${String(options.groupId)}`,
      );
    }
    if (!Array.isArray(options.topics) || options.topics.length === 0) {
      throw new InvalidRecordError('a group consumer needs at least one topic');
    }
    for (const topic of options.topics) validateTopicName(topic);
    const reset = options.autoOffsetReset;
    if (reset !== undefined && reset !== 'earliest' && reset !== 'latest') {
      throw new InvalidRecordError(`autoOffsetReset must be 'earliest' or 'latest', got '${String(reset)}'`);
    }
    this.groupId = options.groupId;
    this.#backbone = backbone;
    this.#options = options;
    this.#sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.#consumer = new Consumer({
      ...backbone.clientOptions,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: this.#sessionTimeoutMs,
      // frequent heartbeats make this member notice a rebalance (another member joining) quickly
      heartbeatInterval: Math.max(100, Math.min(500, Math.floor(this.#sessionTimeoutMs / 4))),
      rebalanceTimeout: Math.max(this.#sessionTimeoutMs, 10_000),
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
    this.#consumer.on('consumer:group:join', () => this.#assigned());
  }

  get memberId(): string {
    return this.#consumer.memberId ?? '';
  }

  assignment(): TopicPartition[] {
    return this.#assignment.map((tp) => ({ ...tp }));
  }

  /** Joins the group; resolves with the first assignment. */
  async join(): Promise<void> {
    for (const topic of this.#options.topics) await this.#backbone.topicMetadata(topic);
    for (const topic of this.#options.topics) this.#consumer.topics.track(topic);
    await this.#backbone.call({ operation: 'joining a consumer group', groupId: this.groupId }, () =>
      this.#consumer.joinGroup({}),
    );
    this.#left = false;
    this.#assigned();
    this.#armWatchdog();
  }

  async poll(options: PollOptions = {}): Promise<ConsumedRecord[]> {
    this.#checkOpen();
    options.signal?.throwIfAborted();
    this.#armWatchdog();
    if (this.#left) await this.join();
    const maxRecords = options.maxRecords ?? 500;
    const deadline = Date.now() + (options.maxWaitMs ?? 0);
    try {
      for (;;) {
        const records =
          this.#assignment.length > 0 ? await this.#fetchOnce(deadline, maxRecords, options.signal) : [];
        if (records.length > 0 || Date.now() >= deadline) return records;
        if (this.#assignment.length === 0) {
          await sleep(Math.min(100, deadline - Date.now()), options.signal);
          options.signal?.throwIfAborted();
        }
      }
    } finally {
      this.#armWatchdog();
    }
  }

  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    this.#checkOpen();
    const toCommit =
      offsets ??
      this.#assignment
        .filter((tp) => this.#positions.has(key(tp.topic, tp.partition)))
        .map((tp) => ({ ...tp, offset: this.#positions.get(key(tp.topic, tp.partition)) as number }));
    if (!Array.isArray(toCommit)) throw new InvalidRecordError('commit takes an array of offsets');
    for (const o of toCommit) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
        throw new InvalidRecordError(
          `a committed offset must be a non-negative integer, got ${String(o.offset)}`,
        );
      }
    }
    if (toCommit.length === 0) return;
    // the client's OffsetCommit carries no commit metadata: `metadata` is dropped on Kafka
    await this.#backbone.call({ operation: 'committing offsets', groupId: this.groupId }, () =>
      this.#consumer.commit({
        offsets: toCommit.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset),
          leaderEpoch: -1,
        })),
      }),
    );
  }

  seek(target: TopicPartitionOffset): void {
    this.#checkOpen();
    if (!this.#assignment.some((tp) => tp.topic === target.topic && tp.partition === target.partition)) {
      throw new UnknownPartitionError(target.topic, target.partition, 0);
    }
    if (!Number.isSafeInteger(target.offset) || target.offset < 0) {
      throw new InvalidRecordError(
        `a seek offset must be a non-negative integer, got ${String(target.offset)}`,
      );
    }
    this.#positions.set(key(target.topic, target.partition), target.offset);
  }

  onAssignment(listener: (assignment: TopicPartition[]) => void): void {
    this.#listeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.#onClose.push(listener);
  }

  clearMetadata(): void {
    this.#consumer.clearMetadata();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#watchdog);
    // callbacks, not promises: the promise overloads are shadowed by the boolean-or-callback ones
    if (!this.#left) await new Promise<void>((resolve) => this.#consumer.leaveGroup(true, () => resolve()));
    await new Promise<void>((resolve) => this.#consumer.close(true, () => resolve()));
    for (const listener of this.#onClose) listener();
  }

  // ---- internals ------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new InvalidRecordError(`the consumer of group '${this.groupId}' is closed`);
  }

  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => void this.#leaveIdle(), this.#sessionTimeoutMs);
    this.#watchdog.unref();
  }

  /** A member that stopped polling gives its partitions back; its next poll() joins again. */
  async #leaveIdle(): Promise<void> {
    if (this.#closed || this.#left) return;
    this.#left = true;
    await new Promise<void>((resolve) => this.#consumer.leaveGroup(true, () => resolve()));
    this.#positions.clear();
    this.#assignment = [];
    for (const listener of this.#listeners) listener([]);
  }

  /** After every (re)join: take the new assignment and tell the listeners. */
  #assigned(): void {
    if (this.#left || this.#closed) return;
    this.#assignment = (this.#consumer.assignments ?? [])
      .flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    // as Kafka's eager rebalance: every partition is revoked and assigned again, so positions
    // restart from the committed offsets (commit before a rebalance to keep progress)
    this.#positions.clear();
    for (const listener of this.#listeners) listener(this.assignment());
  }

  async #fetchOnce(deadline: number, maxRecords: number, signal?: AbortSignal): Promise<ConsumedRecord[]> {
    await this.#resolvePositions();
    const byLeader = new Map<number, FetchPartitionRequest[]>();
    for (const tp of this.#assignment) {
      const metadata = await this.#backbone.topicMetadata(tp.topic);
      const offset = this.#positions.get(key(tp.topic, tp.partition));
      if (offset === undefined) continue;
      const leader = metadata.partitions[tp.partition].leader;
      byLeader.set(leader, [
        ...(byLeader.get(leader) ?? []),
        {
          topic: tp.topic,
          topicId: metadata.id,
          partition: tp.partition,
          offset,
          maxBytes: PARTITION_MAX_BYTES,
        },
      ]);
    }
    const generation = this.#assignment;
    const answers = await Promise.all(
      [...byLeader].map(([node, partitions]) => this.#fetchFrom(node, partitions, deadline, signal)),
    );
    if (generation !== this.#assignment) return []; // a rebalance happened meanwhile
    const records: ConsumedRecord[] = [];
    for (const { request, answer } of answers.flat()) {
      const at = this.#positions.get(key(request.topic, request.partition));
      if (at !== request.offset) continue; // moved by seek() meanwhile
      const decoded = decodePartition(request.topic, answer, at, {
        maxRecords: maxRecords - records.length,
        maxBytes: PARTITION_MAX_BYTES,
      });
      records.push(...decoded.records);
      this.#positions.set(key(request.topic, request.partition), decoded.nextOffset);
    }
    return records;
  }

  async #fetchFrom(
    node: number,
    partitions: FetchPartitionRequest[],
    deadline: number,
    signal?: AbortSignal,
  ) {
    try {
      return await this.#backbone.fetchFrom(node, partitions, deadline - Date.now(), signal);
    } catch (error) {
      if (!protocolErrorIds((error as { cause?: unknown }).cause).has('OFFSET_OUT_OF_RANGE')) throw error;
      // retention removed what was about to be read: start again where autoOffsetReset says
      for (const p of partitions) {
        const offsets = await this.#backbone.listOffsets(p.topic);
        const { earliest, latest } = offsets[p.partition];
        if (p.offset < earliest || p.offset > latest) await this.#reset(p.topic, [p.partition]);
      }
      return [];
    }
  }

  async #resolvePositions(): Promise<void> {
    const missing = this.#assignment.filter((tp) => !this.#positions.has(key(tp.topic, tp.partition)));
    if (missing.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const tp of missing) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const committed = await this.#backbone.call(
      { operation: 'reading committed offsets', groupId: this.groupId },
      () =>
        this.#consumer.listCommittedOffsets({
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        }),
    );
    for (const [topic, partitions] of byTopic) {
      const offsets = committed.get(topic) ?? [];
      const reset: number[] = [];
      for (const partition of partitions) {
        const offset = offsets[partition] ?? -1n;
        if (offset >= 0n) this.#positions.set(key(topic, partition), Number(offset));
        else reset.push(partition);
      }
      if (reset.length > 0) await this.#reset(topic, reset);
    }
  }

  async #reset(topic: string, partitions: number[]): Promise<void> {
    const at = (this.#options.autoOffsetReset ?? 'latest') === 'earliest' ? EARLIEST : LATEST;
    const offsets = await this.#backbone.offsetsAt(topic, partitions, at);
    for (const partition of partitions)
      this.#positions.set(key(topic, partition), offsets.get(partition) ?? 0);
  }
}
