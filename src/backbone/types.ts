// The Backbone: topics, partitions, offsets and consumer groups, in Kafka's vocabulary and with
// Kafka's semantics, so that the embedded store and a real Kafka cluster are interchangeable.
// Offsets are plain numbers: JavaScript integers are exact up to 2^53, far beyond any log here.

/** Bytes or text; text is encoded as UTF-8. */
export type Bytes = Buffer | string;

/** A record as a producer hands it over. */
export interface ProducerRecord {
  key?: Bytes | null;
  /** `null` is a tombstone: on a compacted topic it deletes the key. */
  value: Bytes | null;
  /** Milliseconds since the epoch; defaults to the time of the append (CreateTime). */
  timestamp?: number;
  headers?: Record<string, Bytes>;
  /** Explicit partition; wins over the partitioner. */
  partition?: number;
}

/** How records without an explicit partition are spread. */
export type PartitionerName = 'murmur2' | 'round-robin';

export interface ProduceOptions {
  /**
   * `murmur2` (the default) hashes the key as Kafka's default partitioner does, so a key lands on the
   * same partition number on both backbones; records without a key then go round-robin.
   */
  partitioner?: PartitionerName;
}

/** Where an appended record landed. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
}

/** A record as a consumer sees it. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
  /** Free text kept with a committed offset, as Kafka's commit metadata. */
  metadata?: string;
}

/** Topic-level configuration, with Kafka's config names. */
export interface TopicConfig {
  /** `delete` (default) or `compact`; `compact,delete` applies both. */
  'cleanup.policy'?: 'delete' | 'compact' | 'compact,delete';
  /** Records older than this are removed; -1 keeps them forever (the default). */
  'retention.ms'?: number;
  /** A partition is trimmed from its oldest records down to this many bytes; -1 = unbounded (default). */
  'retention.bytes'?: number;
  /** The largest record (key + value + headers) the topic accepts. */
  'max.message.bytes'?: number;
  /** How long a tombstone stays readable on a compacted topic before compaction removes it (default one day). */
  'delete.retention.ms'?: number;
  /** A record stays uncompacted for at least this long (default 0). */
  'min.compaction.lag.ms'?: number;
  /**
   * Kafka's segment roll settings: retention and compaction only act on closed segments, so tests on
   * Kafka set them small. The embedded backbone works record by record and only stores them.
   */
  'segment.ms'?: number;
  'segment.bytes'?: number;
}

export interface NewTopic {
  name: string;
  /** Default: the backbone's configured default (1 unless set). */
  partitions?: number;
  /** Default: the backbone's configured default (1 unless set); the embedded backbone keeps one copy. */
  replicationFactor?: number;
  config?: TopicConfig;
}

export interface PartitionDescription {
  partition: number;
  /** The first offset still stored (log start offset). */
  earliestOffset: number;
  /** The offset the next record will get (log end offset / high watermark). */
  latestOffset: number;
}

export interface TopicDescription {
  name: string;
  partitions: PartitionDescription[];
  replicationFactor: number;
  config: TopicConfig;
}

export interface FetchRequest {
  topic: string;
  partition: number;
  offset: number;
  /** At most this many records (default 500). */
  maxRecords?: number;
  /** At most about this many bytes; at least one record is returned when one is available (default 1 MiB). */
  maxBytes?: number;
  /** Long poll: wait up to this many ms for data when none is there yet (default 0 = answer at once). */
  maxWaitMs?: number;
  /** Cancels a long poll. */
  signal?: AbortSignal;
}

export interface FetchResult {
  records: ConsumedRecord[];
  /** The offset after the last stored record (Kafka's high watermark). */
  highWatermark: number;
  /** The first stored offset. */
  logStartOffset: number;
}

export interface PartitionOffsets {
  partition: number;
  earliest: number;
  latest: number;
}

/** Where a group member without a committed offset starts (Kafka's `auto.offset.reset`). */
export type OffsetReset = 'earliest' | 'latest';

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Default `latest`, as Kafka. */
  autoOffsetReset?: OffsetReset;
  /** A member that neither polls nor heartbeats for this long is removed from the group (default 10,000). */
  sessionTimeoutMs?: number;
  /** Free-form id shown in group descriptions. */
  clientId?: string;
}

export interface PollOptions {
  maxRecords?: number;
  /** Wait up to this long for records on the assigned partitions (default 0). */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

/** One member of a consumer group. */
export interface GroupConsumer {
  readonly groupId: string;
  readonly memberId: string;
  /** The partitions currently assigned to this member (empty while idle). */
  assignment(): TopicPartition[];
  /**
   * Records from the assigned partitions from the current positions on; moves the positions past
   * what it returns. Positions start at the committed offset, else at `autoOffsetReset`.
   */
  poll(options?: PollOptions): Promise<ConsumedRecord[]>;
  /** Commits the given offsets (the offset of the NEXT record to read), or else the current positions. */
  commit(offsets?: TopicPartitionOffset[]): Promise<void>;
  /** Moves the position of an assigned partition. */
  seek(target: TopicPartitionOffset): void;
  /** Called after each rebalance with the new assignment. */
  onAssignment(listener: (assignment: TopicPartition[]) => void): void;
  /** Leaves the group; its partitions are handed to the remaining members. */
  close(): Promise<void>;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  /** Kafka's group states: `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty`, `Dead`. */
  state: string;
  members: GroupMemberDescription[];
}

export interface TransactionalProducerOptions {
  /**
   * Kafka's `transactional.id`. Opening a producer with an id that is already open fences the older
   * one (zombie fencing): its open transaction is aborted and its later calls fail with
   * `ProducerFencedError`. Workers that take over a piece of work reuse its id.
   */
  transactionalId: string;
}

/** What one transaction does. Nothing it does is visible to readers until the transaction commits. */
export interface Transaction {
  /** Appends records as part of the transaction (readers see them only after the commit). */
  produce(topic: string, records: ProducerRecord[], options?: ProduceOptions): Promise<void>;
  /**
   * Commits a group's offsets as part of the transaction (Kafka's `sendOffsetsToTransaction`):
   * read-process-write, where the input offsets move if and only if the outputs are published.
   */
  commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
}

/** A producer whose appends and offset commits land atomically, all or nothing. */
export interface TransactionalProducer {
  readonly transactionalId: string;
  /**
   * Runs `work` in a transaction: commits when it resolves, aborts when it throws (and rethrows).
   * One transaction at a time per producer; concurrent calls queue, and a backbone may run the works
   * of several queued calls one after another in one transaction (Kafka does, to pay a
   * transaction's fixed costs once for many). If another call's work fails in that transaction,
   * this `work` is run again in a later one: a work should do nothing but call `tx` (its records of
   * the aborted run are never read). Fails with `ProducerFencedError` once a newer producer with the
   * same id was opened.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Reads partitions outside any consumer group (Kafka's consumer with `assign()`), on a connection of
 * its own: a reader that follows a topic keeps a long poll open all the time, and on Kafka a broker
 * answers one connection's requests in order, so it must not share one with other fetches.
 */
export interface PartitionReader {
  fetch(request: FetchRequest): Promise<FetchResult>;
  /** Ends a long poll in flight and releases the connection. */
  close(): Promise<void>;
}

/** The data backbone. Every implementation passes `test/backbone/conformance.ts`. */
export interface Backbone {
  /** `embedded` or `kafka`. */
  readonly kind: string;

  createTopic(topic: NewTopic): Promise<void>;
  /** Creates the topic unless it exists (the metadata store and solutions need this). */
  ensureTopic(topic: NewTopic): Promise<void>;
  describeTopic(name: string): Promise<TopicDescription>;
  listTopics(): Promise<string[]>;
  deleteTopic(name: string): Promise<void>;
  /**
   * Grows a topic to `count` partitions (Kafka's CreatePartitions). Partitions are only added, never
   * removed: a count below the topic's is refused (InvalidPartitionsError); its own count is a no-op.
   * Keyed records written afterwards may land on another partition than their key's older records.
   */
  createPartitions(name: string, count: number): Promise<void>;

  /** Appends records; the records for one partition are appended atomically, in order. */
  produce(topic: string, records: ProducerRecord[], options?: ProduceOptions): Promise<RecordMetadata[]>;
  fetch(request: FetchRequest): Promise<FetchResult>;
  /** A reader of its own for following a topic (the metadata store's follower); closed with the backbone. */
  partitionReader(): PartitionReader;

  /** Earliest and latest offsets of every partition of a topic. */
  listOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** The earliest offset whose timestamp is >= `timestamp`, or the latest offset when there is none. */
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number>;

  /** Joins a consumer group; resolves once this member has its first assignment. */
  consumer(options: ConsumerOptions): Promise<GroupConsumer>;
  /** Committed offsets of a group (for the given topic, or all). */
  committedOffsets(groupId: string, topic?: string): Promise<TopicPartitionOffset[]>;
  /** Commits offsets for a group from outside its membership (an admin operation, as Kafka's AdminClient). */
  commitOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  listGroups(): Promise<string[]>;

  /**
   * A transactional producer (read-process-write exactly once). Readers of this backbone only ever
   * see committed transactions (Kafka's `read_committed`).
   */
  transactionalProducer(options: TransactionalProducerOptions): Promise<TransactionalProducer>;

  /** Releases every resource; later calls fail with `BackboneClosedError`. */
  close(): Promise<void>;
}
