// A small JSON key-value store for the platform's own records (registrations, tokens, models,
// solutions), built only on the Backbone interface: each put is a record keyed by the key on a
// compacted topic, a delete is a tombstone. It reads the whole topic at open and catches up with
// records written since (by this or another process) before every read, so several tml processes
// on one Kafka cluster share it. The embedded backbone behaves identically.
import { InvalidConfigError, InvalidRecordError } from './errors.js';
import type { Backbone } from './types.js';

export const DEFAULT_METADATA_TOPIC = '__tml_metadata';
const FETCH_BATCH = 1000;

export interface MetadataStoreOptions {
  /** The compacted topic holding the records (default `__tml_metadata`). */
  topic?: string;
  /** Replication factor when the topic has to be created (default: the backbone's). */
  replicationFactor?: number;
}

export interface MetadataEntry<T = unknown> {
  key: string;
  value: T;
}

export class MetadataStore {
  private readonly entries = new Map<string, string>();
  /** The next offset to read from the topic. */
  private position = 0;
  private catchingUp: Promise<void> | undefined;

  private constructor(
    private readonly backbone: Backbone,
    readonly topic: string,
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
    const store = new MetadataStore(backbone, topic);
    await store.refresh();
    return store;
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
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    checkKey(key);
    await this.refresh();
    const json = this.entries.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  /** Every entry whose key starts with `prefix` (all when empty), sorted by key. */
  async list<T = unknown>(prefix = ''): Promise<MetadataEntry<T>[]> {
    if (typeof prefix !== 'string') throw new InvalidConfigError('the metadata prefix must be a string');
    await this.refresh();
    const out: MetadataEntry<T>[] = [];
    for (const [key, json] of this.entries) {
      if (key.startsWith(prefix)) out.push({ key, value: JSON.parse(json) as T });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
        maxBytes: 16 * 1024 * 1024,
        // Only when asked to read up to a record we just wrote and the log has not shown it yet.
        maxWaitMs: offsets.latest < until ? 1000 : 0,
      });
      for (const r of records) {
        if (r.key === null) continue;
        const key = r.key.toString('utf8');
        if (r.value === null) this.entries.delete(key);
        else this.entries.set(key, r.value.toString('utf8'));
        this.position = r.offset + 1;
      }
      if (records.length === 0) return;
    }
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidConfigError(`a metadata key must be a non-empty string, got ${JSON.stringify(key)}`);
  }
}
