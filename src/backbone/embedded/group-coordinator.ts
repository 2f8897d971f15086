// Consumer groups of the embedded backbone. The backbone lives in one process, so the coordinator
// is in-process too: a join, a leave or a session timeout recomputes every member's assignment at
// once (Kafka's range or round-robin strategy) and tells each member's `onAssignment` listeners.
// Committed offsets are written to the store, so they survive a restart.
import { randomUUID } from 'node:crypto';
import { CommitFailedError, InvalidConfigError } from '../errors.js';
import type {
  ConsumedRecord,
  ConsumerOptions,
  GroupConsumer,
  GroupDescription,
  OffsetReset,
  PollOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.js';
import { assign, type AssignmentStrategy } from './assignors.js';

const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_POLL_RECORDS = 500;

/** What the coordinator needs from the backbone. */
export interface GroupHost {
  /** Partition count of a topic, 0 when it does not exist. */
  partitionCount(topic: string): number;
  /** [earliest, latest] of a partition. */
  offsetRange(topic: string, partition: number): [number, number];
  /** Up to `maxRecords` records from `offset` on (no waiting); `offset` must be in range. */
  readSync(topic: string, partition: number, offset: number, maxRecords: number): ConsumedRecord[];
  /** Resolves when a record is appended to one of the partitions, `wake` is called, or after `ms`. */
  waitForAppend(
    partitions: TopicPartition[],
    ms: number,
    signal: AbortSignal | undefined,
    wakers: Set<() => void>,
  ): Promise<void>;
  committed(groupId: string): TopicPartitionOffset[];
  commit(groupId: string, offsets: TopicPartitionOffset[]): void;
  assertOpen(): void;
}

const tpKey = (topic: string, partition: number): string => `${partition}:${topic}`;

class Group {
  readonly members = new Map<string, Member>();
  generation = 0;
  constructor(readonly groupId: string) {}
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly host: GroupHost,
    private readonly strategy: AssignmentStrategy,
  ) {}

  async join(options: ConsumerOptions): Promise<GroupConsumer> {
    if (typeof options?.groupId !== 'string' || options.groupId.length === 0) {
      throw new InvalidConfigError('a consumer needs a non-empty groupId');
    }
    if (
      !Array.isArray(options.topics) ||
      options.topics.length === 0 ||
      options.topics.some((t) => typeof t !== 'string')
    ) {
      throw new InvalidConfigError('a consumer needs a non-empty list of topic names');
    }
    const reset = options.autoOffsetReset ?? 'latest';
    if (reset !== 'earliest' && reset !== 'latest') {
      throw new InvalidConfigError(`autoOffsetReset must be 'earliest' or 'latest', got ${String(reset)}`);
    }
    const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    if (!Number.isFinite(sessionTimeoutMs) || sessionTimeoutMs <= 0) {
      throw new InvalidConfigError(
        `sessionTimeoutMs must be a positive number, got ${String(sessionTimeoutMs)}`,
      );
    }
    const member = new Member(
      this,
      this.host,
      options.groupId,
      [...new Set(options.topics)],
      reset,
      sessionTimeoutMs,
      options.clientId ?? 'tml',
    );
    this.add(member);
    return member;
  }

  add(member: Member): void {
    let group = this.groups.get(member.groupId);
    if (!group) {
      group = new Group(member.groupId);
      this.groups.set(member.groupId, group);
    }
    group.members.set(member.memberId, member);
    member.active = true;
    this.rebalance(group);
  }

  remove(member: Member): void {
    const group = this.groups.get(member.groupId);
    member.active = false;
    if (!group || !group.members.delete(member.memberId)) return;
    // The member's partitions are gone with it (Kafka's onPartitionsLost), even before it notices.
    member.setAssignment([], 0);
    member.notify();
    if (group.members.size === 0) this.groups.delete(group.groupId);
    else this.rebalance(group);
  }

  /** A topic appeared, vanished or changed: groups subscribed to it rebalance. */
  topicChanged(topic: string): void {
    for (const group of this.groups.values()) {
      if ([...group.members.values()].some((m) => m.topics.includes(topic))) this.rebalance(group);
    }
  }

  private rebalance(group: Group): void {
    group.generation++;
    const members = [...group.members.values()];
    const counts = new Map<string, number>();
    for (const m of members) for (const t of m.topics) counts.set(t, this.host.partitionCount(t));
    const result = assign(
      this.strategy,
      members.map((m) => ({ memberId: m.memberId, topics: m.topics })),
      counts,
    );
    for (const m of members) m.setAssignment(result.get(m.memberId) ?? [], group.generation);
    for (const m of members) m.notify();
  }

  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (!group) {
      const hasOffsets = this.host.committed(groupId).length > 0;
      return { groupId, state: hasOffsets ? 'Empty' : 'Dead', members: [] };
    }
    return {
      groupId,
      state: 'Stable',
      members: [...group.members.values()]
        .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
        .map((m) => ({ memberId: m.memberId, clientId: m.clientId, assignment: m.assignment() })),
    };
  }

  activeGroups(): string[] {
    return [...this.groups.keys()];
  }

  isMember(member: Member): boolean {
    return this.groups.get(member.groupId)?.members.get(member.memberId) === member;
  }

  /** Closing the backbone: every member leaves without further rebalances. */
  closeAll(): void {
    for (const group of this.groups.values()) {
      for (const m of group.members.values()) m.shutdown();
    }
    this.groups.clear();
  }
}

class Member implements GroupConsumer {
  readonly memberId: string;
  active = false;
  private current: TopicPartition[] = [];
  private generation = 0;
  private readonly positions = new Map<string, number>();
  private readonly listeners: ((assignment: TopicPartition[]) => void)[] = [];
  private readonly wakers = new Set<() => void>();
  private sessionTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private polling = 0;
  /** Where the next poll starts, so every assigned partition gets its turn. */
  private nextPartition = 0;

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly host: GroupHost,
    readonly groupId: string,
    readonly topics: string[],
    private readonly reset: OffsetReset,
    private readonly sessionTimeoutMs: number,
    readonly clientId: string,
  ) {
    this.memberId = `${clientId}-${randomUUID()}`;
    this.armSession();
  }

  assignment(): TopicPartition[] {
    return this.current.map((tp) => ({ ...tp }));
  }

  setAssignment(assignment: TopicPartition[], generation: number): void {
    const keep = new Set(assignment.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const key of this.positions.keys()) if (!keep.has(key)) this.positions.delete(key);
    this.current = assignment;
    this.generation = generation;
    this.wake();
  }

  notify(): void {
    const snapshot = this.assignment();
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch {
        // a listener's failure must not break the rebalance of the other members
      }
    }
  }

  onAssignment(listener: (assignment: TopicPartition[]) => void): void {
    this.listeners.push(listener);
  }

  async poll(options: PollOptions = {}): Promise<ConsumedRecord[]> {
    this.host.assertOpen();
    if (this.closed) throw new InvalidConfigError(`consumer ${this.memberId} is closed`);
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_POLL_RECORDS;
    const maxWaitMs = options.maxWaitMs ?? 0;
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new InvalidConfigError(`maxRecords must be a positive integer, got ${String(maxRecords)}`);
    }
    if (!this.coordinator.isMember(this)) this.coordinator.add(this); // rejoin after a session timeout
    this.polling++;
    this.disarmSession();
    try {
      const deadline = Date.now() + Math.max(0, maxWaitMs);
      for (;;) {
        options.signal?.throwIfAborted();
        const records = this.collect(maxRecords);
        const left = deadline - Date.now();
        if (records.length > 0 || left <= 0) return records;
        await this.host.waitForAppend(this.current, left, options.signal, this.wakers);
        this.host.assertOpen();
        if (this.closed) return [];
      }
    } finally {
      this.polling--;
      this.armSession();
    }
  }

  private collect(maxRecords: number): ConsumedRecord[] {
    const out: ConsumedRecord[] = [];
    const count = this.current.length;
    for (let i = 0; i < count && out.length < maxRecords; i++) {
      const tp = this.current[(this.nextPartition + i) % count];
      const position = this.position(tp);
      const records = this.host.readSync(tp.topic, tp.partition, position, maxRecords - out.length);
      if (records.length > 0) {
        for (const r of records) out.push(r);
        this.positions.set(tpKey(tp.topic, tp.partition), records[records.length - 1].offset + 1);
      }
    }
    if (count > 0) this.nextPartition = (this.nextPartition + 1) % count;
    return out;
  }

  /** The position of an assigned partition: kept, else committed, else `autoOffsetReset`; reset when out of range. */
  private position(tp: TopicPartition): number {
    const key = tpKey(tp.topic, tp.partition);
    const [earliest, latest] = this.host.offsetRange(tp.topic, tp.partition);
    let position = this.positions.get(key);
    if (position === undefined) {
      position = this.host
        .committed(this.groupId)
        .find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset;
    }
    if (position === undefined || position < earliest || position > latest) {
      position = this.reset === 'earliest' ? earliest : latest;
    }
    this.positions.set(key, position);
    return position;
  }

  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    this.host.assertOpen();
    if (!this.coordinator.isMember(this)) throw new CommitFailedError(this.groupId, this.memberId);
    const toCommit =
      offsets ??
      this.current
        .filter((tp) => this.positions.has(tpKey(tp.topic, tp.partition)))
        .map((tp) => ({ ...tp, offset: this.positions.get(tpKey(tp.topic, tp.partition)) as number }));
    if (toCommit.length > 0) this.host.commit(this.groupId, toCommit);
    if (this.polling === 0) this.armSession();
  }

  seek(target: TopicPartitionOffset): void {
    this.host.assertOpen();
    const assigned = this.current.some(
      (tp) => tp.topic === target.topic && tp.partition === target.partition,
    );
    if (!assigned) {
      throw new InvalidConfigError(
        `cannot seek ${target.topic}-${target.partition}: it is not assigned to member ${this.memberId}`,
      );
    }
    if (!Number.isSafeInteger(target.offset) || target.offset < 0) {
      throw new InvalidConfigError(
        `seek offset must be a non-negative integer, got ${String(target.offset)}`,
      );
    }
    this.positions.set(tpKey(target.topic, target.partition), target.offset);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disarmSession();
    this.coordinator.remove(this);
    this.current = [];
    this.wake();
  }

  /** The backbone is closing. */
  shutdown(): void {
    this.closed = true;
    this.active = false;
    this.disarmSession();
    this.current = [];
    this.wake();
  }

  get generationId(): number {
    return this.generation;
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private armSession(): void {
    if (this.closed || this.polling > 0) return;
    if (this.sessionTimer) {
      this.sessionTimer.refresh();
      return;
    }
    this.sessionTimer = setTimeout(() => {
      this.sessionTimer = undefined;
      if (!this.closed && this.polling === 0) this.coordinator.remove(this);
    }, this.sessionTimeoutMs);
    this.sessionTimer.unref();
  }

  private disarmSession(): void {
    if (this.sessionTimer) clearTimeout(this.sessionTimer);
    this.sessionTimer = undefined;
  }
}
