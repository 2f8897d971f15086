// A small JSON key-value store for the platform's own records (registrations, tokens, models,
// solutions), built only on the Backbone interface: each put is a record keyed by the key on a
// compacted topic, a delete is a tombstone. It reads the whole topic at open and catches up with
// records written since (by this or another process) before every read, so several tml processes
// on one Kafka cluster share it. A store that follows the topic (`follow: true`) also keeps a long
// poll open on it, as Kafka's own compacted-topic readers do (Connect's KafkaBasedLog, Schema
// Registry's store): every record another process appends is applied within a round trip and
// reported to `onChange` listeners, which keep the in-memory indexes above it current.
// Small values are kept in memory; a large one (a model version's body) only as the offset of its
// record, read back when asked for and kept in a bounded LRU: a registry of thousands of per-device
// models, each with up to 20 versions, would otherwise sit whole in every process that opens it.
import { BackboneClosedError, InvalidConfigError, InvalidRecordError } from './errors.js';
import { LruCache } from './lru.js';
import type { Backbone, ConsumedRecord, PartitionReader } from './types.js';

export const DEFAULT_METADATA_TOPIC = '__tml_metadata';
const FETCH_BATCH = 1000;
const FETCH_BYTES = 16 * 1024 * 1024;
/**
 * How long one long poll of the follower waits when nothing comes (a record ends it at once, so
 * this bounds only how often an idle follower asks again).
 */
const FOLLOW_WAIT_MS = 5_000;
/** After a failed long poll the follower waits this long, doubling up to the maximum. */
const FOLLOW_RETRY_MS = 100;
const FOLLOW_RETRY_MAX_MS = 2_000;
/** Values of this many bytes or more are kept as their record's offset, not in memory. */
export const METADATA_INLINE_BYTES = 2048;
/** The bodies of large values kept in memory at most (least recently used ones are dropped). */
export const METADATA_BODY_CACHE_BYTES = 32 * 1024 * 1024;

/** A large value: where its record is. */
interface StoredAt {
  offset: number;
}

export interface MetadataStoreOptions {
  /** The compacted topic holding the records (default `__tml_metadata`). */
  topic?: string;
  /** Replication factor when the topic has to be created (default: the backbone's). */
  replicationFactor?: number;
  /** Keep following the topic (a long poll on a reader of its own) until `close()`; default false. */
  follow?: boolean;
  /** Told of each failure of the follower (it retries) and of a listener's exception. */
  onError?: (error: unknown) => void;
}

export interface MetadataEntry<T = unknown> {
  key: string;
  value: T;
}

/** A change applied to the store: the key and its JSON value, undefined for a delete. */
export type MetadataListener = (key: string, json: string | undefined) => void;

export class MetadataStore {
  private readonly entries = new Map<string, string | StoredAt>();
  private readonly bodies = new LruCache<string, string>(METADATA_BODY_CACHE_BYTES, (json) => json.length);
  /** The next offset to read from the topic. */
  private position = 0;
  private catchingUp: Promise<void> | undefined;
  private readonly listeners = new Set<MetadataListener>();
  private follower: { reader: PartitionReader; stopped: Promise<void> } | undefined;
  private closed = false;

  private constructor(
    private readonly backbone: Backbone,
    readonly topic: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Creates the topic when needed and reads it whole. */
  static async open(backbone: Backbone, options: MetadataStoreOptions = {}): Promise<MetadataStore> {
    const topic = options.topic ?? DEFAULT_METADATA_TOPIC;
    await backbone.ensureTopic({
      name: topic,
      partitions: 1,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      config: { 'cleanup.policy': 'compact' },
    });
    const store = new MetadataStore(backbone, topic, options.onError ?? (() => undefined));
    await store.refresh();
    if (options.follow === true) store.follow();
    return store;
  }

  /**
   * Calls `listener` with every change applied from now on (written here or by another process),
   * in the topic's order; answers a function that removes it.
   */
  onChange(listener: MetadataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether a follower keeps this store current. */
  get following(): boolean {
    return this.follower !== undefined;
  }

  /** Stops following (a store that never followed has nothing to release); reads still work. */
  async close(): Promise<void> {
    this.closed = true;
    const follower = this.follower;
    this.follower = undefined;
    if (!follower) return;
    await follower.reader.close();
    await follower.stopped;
  }

  async put(key: string, value: unknown): Promise<void> {
    checkKey(key);
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw new InvalidRecordError(`metadata '${key}' cannot be stored as JSON: ${(error as Error).message}`);
    }
    if (json === undefined) {
      throw new InvalidRecordError(
        `metadata '${key}' cannot be stored as JSON (got ${typeof value}); use delete()`,
      );
    }
    const [meta] = await this.backbone.produce(this.topic, [{ key, value: json, partition: 0 }]);
    await this.refresh(meta.offset + 1);
    const entry = this.entries.get(key);
    if (typeof entry === 'object' && entry.offset === meta.offset) this.bodies.set(key, json);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    await this.refresh();
    const json = await this.json(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  /** The keys starting with `prefix`, sorted, without reading any value. */
  async keys(prefix = ''): Promise<string[]> {
    await this.refresh();
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** How many values are held in memory, and how many bodies of large ones (for the benchmarks). */
  memory(): { entries: number; largeValues: number; cachedBodies: number; cachedBodyBytes: number } {
    let large = 0;
    for (const entry of this.entries.values()) if (typeof entry === 'object') large++;
    return {
      entries: this.entries.size,
      largeValues: large,
      cachedBodies: this.bodies.size,
      cachedBodyBytes: this.bodies.weight,
    };
  }

  /** A key's JSON: in memory, in the body cache, or read back from its record. */
  private async json(key: string): Promise<string | undefined> {
    for (let attempt = 0; ; attempt++) {
      const entry = this.entries.get(key);
      if (entry === undefined || typeof entry === 'string') return entry;
      const cached = this.bodies.get(key);
      if (cached !== undefined) return cached;
      const { records } = await this.backbone.fetch({
        topic: this.topic,
        partition: 0,
        offset: entry.offset,
        maxRecords: 1,
        maxBytes: FETCH_BYTES,
      });
      const r = records[0];
      if (r !== undefined && r.offset === entry.offset && r.value !== null) {
        const json = r.value.toString('utf8');
        this.bodies.set(key, json);
        return json;
      }
      // compacted away: a newer record of the key (or its tombstone) exists; read up to it once
      if (attempt > 0) {
        throw new InvalidRecordError(`metadata '${key}' is no longer at offset ${entry.offset}`);
      }
      await this.refresh();
    }
  }

  /** Every entry whose key starts with `prefix` (all when empty), sorted by key. */
  async list<T = unknown>(prefix = ''): Promise<MetadataEntry<T>[]> {
    if (typeof prefix !== 'string') throw new InvalidConfigError('the metadata prefix must be a string');
    await this.refresh();
    const out: MetadataEntry<T>[] = [];
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const json = await this.json(key);
      if (json !== undefined) out.push({ key, value: JSON.parse(json) as T });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * The entries under `prefix` as last read, without asking the backbone: what a follower has
   * applied so far (an index built from it and then kept by `onChange` misses nothing). Only for
   * prefixes of small values (registrations): a large value kept as its offset is read back
   * asynchronously, so it is left out here.
   */
  listRead<T = unknown>(prefix: string): MetadataEntry<T>[] {
    const out: MetadataEntry<T>[] = [];
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      const json = typeof entry === 'string' ? entry : this.bodies.get(key);
      if (json !== undefined) out.push({ key, value: JSON.parse(json) as T });
    }
    return out;
  }

  /** Removes a key; answers whether it existed. */
  async delete(key: string): Promise<boolean> {
    checkKey(key);
    await this.refresh();
    if (!this.entries.has(key)) return false;
    const [meta] = await this.backbone.produce(this.topic, [{ key, value: null, partition: 0 }]);
    await this.refresh(meta.offset + 1);
    return true;
  }

  /**
   * Reads the records appended since the last read (up to the end of the topic, or at least up to
   * `until`). Concurrent callers share one catch-up.
   */
  async refresh(until = 0): Promise<void> {
    while (this.catchingUp) await this.catchingUp;
    if (until > 0 && this.position >= until) return;
    this.catchingUp = this.catchUp(until).finally(() => (this.catchingUp = undefined));
    await this.catchingUp;
  }

  private follow(): void {
    const reader = this.backbone.partitionReader();
    this.follower = { reader, stopped: this.followLoop(reader) };
  }

  private async followLoop(reader: PartitionReader): Promise<void> {
    let retryMs = 0;
    while (!this.closed) {
      try {
        if (retryMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
          // also moves a position the log's start has passed (retention) up to it
          await this.refresh();
        }
        const { records } = await reader.fetch({
          topic: this.topic,
          partition: 0,
          offset: this.position,
          maxRecords: FETCH_BATCH,
          maxBytes: FETCH_BYTES,
          maxWaitMs: FOLLOW_WAIT_MS,
        });
        this.apply(records);
        retryMs = 0;
      } catch (error) {
        if (this.closed || error instanceof BackboneClosedError) return;
        this.onError(error);
        retryMs = Math.min(FOLLOW_RETRY_MAX_MS, Math.max(FOLLOW_RETRY_MS, retryMs * 2));
      }
    }
  }

  /**
   * Applies records in offset order. The follower and a catch-up may fetch the same records at
   * once; whichever answer comes first applies them and the other skips what is behind `position`.
   */
  private apply(records: ConsumedRecord[]): void {
    for (const r of records) {
      if (r.offset < this.position) continue;
      this.position = r.offset + 1;
      if (r.key === null) continue;
      const key = r.key.toString('utf8');
      const json = r.value === null ? undefined : r.value.toString('utf8');
      this.bodies.delete(key);
      if (json === undefined) this.entries.delete(key);
      else if (json.length >= METADATA_INLINE_BYTES) this.entries.set(key, { offset: r.offset });
      else this.entries.set(key, json);
      for (const listener of this.listeners) {
        try {
          listener(key, json);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }

  private async catchUp(until: number): Promise<void> {
    for (;;) {
      const [offsets] = await this.backbone.listOffsets(this.topic);
      if (this.position < offsets.earliest) this.position = offsets.earliest;
      const end = Math.max(offsets.latest, until);
      if (this.position >= end) return;
      const { records } = await this.backbone.fetch({
        topic: this.topic,
        partition: 0,
        offset: this.position,
        maxRecords: FETCH_BATCH,
        maxBytes: FETCH_BYTES,
        // Only when asked to read up to a record we just wrote and the log has not shown it yet.
        maxWaitMs: offsets.latest < until ? 1000 : 0,
      });
      this.apply(records);
      if (records.length === 0) return;
    }
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidConfigError(`a metadata key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
}
