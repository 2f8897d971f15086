// The server's collections over the platform's metadata store (a compacted topic on the backbone):
// each kind under its own key prefix, indexed in memory so that checking a producer id on every
// produce call costs no I/O. The store follows its topic, and each collection applies every change
// the store reports, so what another server registers, changes or removes is in the index within a
// round trip of the backbone (docs/server.md, "Several servers").
import { MetadataStore } from '../../backbone/metadata-store.js';
import type { Backbone } from '../../backbone/types.js';
import { ModelRegistry } from '../../streams/registry/index.js';
import type { Collection } from './collection.js';
import type {
  ConsumerRegistration,
  GroupRegistration,
  JoinRegistration,
  ServerStore,
  TokenRecord,
  TokenUsage,
  TopicRegistration,
  UsageRecord,
} from './records.js';

export class MetadataCollection<T> implements Collection<T> {
  readonly #items = new Map<string, T>();

  private constructor(
    private readonly store: MetadataStore,
    private readonly prefix: string,
  ) {}

  static async open<T>(store: MetadataStore, prefix: string): Promise<MetadataCollection<T>> {
    const collection = new MetadataCollection<T>(store, prefix);
    store.onChange((key, json) => collection.#changed(key, json));
    await store.refresh();
    for (const { key, value } of store.listRead<T>(prefix)) {
      collection.#items.set(key.slice(prefix.length), value);
    }
    return collection;
  }

  #changed(key: string, json: string | undefined): void {
    if (!key.startsWith(this.prefix)) return;
    const name = key.slice(this.prefix.length);
    if (json === undefined) this.#items.delete(name);
    else this.#items.set(name, JSON.parse(json) as T);
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  values(): T[] {
    return [...this.#items.values()];
  }

  // A write is in the index once the store has read it back (its onChange), in the topic's order
  // with every other server's writes.
  async put(key: string, value: T): Promise<void> {
    await this.store.put(this.prefix + key, value);
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(this.prefix + key);
  }

  async lookup(key: string): Promise<T | undefined> {
    await this.store.refresh();
    return this.#items.get(key);
  }

  async refresh(): Promise<void> {
    await this.store.refresh();
  }
}

export interface ServerStoreOptions {
  /** Follow the metadata topic (default true; the command line's one-shot runs need not). */
  follow?: boolean;
  /** Told when following fails for a moment (it retries). */
  onError?: (error: unknown) => void;
}

/** Opens the server's registrations in the backbone's metadata topic. */
export async function openServerStore(
  backbone: Backbone,
  options: ServerStoreOptions = {},
): Promise<ServerStore> {
  const metadata = await MetadataStore.open(backbone, {
    follow: options.follow ?? true,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const [tokens, tokenUsage, topics, consumers, groups, joins, usage, aims] = await Promise.all([
    MetadataCollection.open<TokenRecord>(metadata, 'server/tokens/'),
    MetadataCollection.open<TokenUsage>(metadata, 'server/token-usage/'),
    MetadataCollection.open<TopicRegistration>(metadata, 'server/topics/'),
    MetadataCollection.open<ConsumerRegistration>(metadata, 'server/consumers/'),
    MetadataCollection.open<GroupRegistration>(metadata, 'server/groups/'),
    MetadataCollection.open<JoinRegistration>(metadata, 'server/joins/'),
    MetadataCollection.open<UsageRecord>(metadata, 'server/usage/'),
    MetadataCollection.open<unknown>(metadata, 'server/aims/'),
  ]);
  const models = new ModelRegistry(metadata);
  // Stops the follower; the store's topic lives in the backbone, which its owner closes.
  return {
    tokens,
    tokenUsage,
    topics,
    consumers,
    groups,
    joins,
    usage,
    aims,
    models,
    close: () => metadata.close(),
  };
}
