// The server's collections over the platform's metadata store (a compacted topic on the backbone):
// each kind under its own key prefix, read whole at open and mirrored in memory, so that checking a
// producer id on every produce call costs no I/O. Another process's writes are seen after refresh().
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
  #items = new Map<string, T>();

  private constructor(
    private readonly store: MetadataStore,
    private readonly prefix: string,
  ) {}

  static async open<T>(store: MetadataStore, prefix: string): Promise<MetadataCollection<T>> {
    const collection = new MetadataCollection<T>(store, prefix);
    await collection.refresh();
    return collection;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  values(): T[] {
    return [...this.#items.values()];
  }

  async put(key: string, value: T): Promise<void> {
    await this.store.put(this.prefix + key, value);
    this.#items.set(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(this.prefix + key);
    this.#items.delete(key);
  }

  async lookup(key: string): Promise<T | undefined> {
    const value = await this.store.get<T>(this.prefix + key);
    if (value === undefined) this.#items.delete(key);
    else this.#items.set(key, value);
    return value;
  }

  async refresh(): Promise<void> {
    const entries = await this.store.list<T>(this.prefix);
    this.#items = new Map(entries.map((e) => [e.key.slice(this.prefix.length), e.value]));
  }
}

/** Opens the server's registrations in the backbone's metadata topic. */
export async function openServerStore(backbone: Backbone): Promise<ServerStore> {
  const metadata = await MetadataStore.open(backbone);
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
  // The store lives in the backbone, which its owner closes.
  const models = new ModelRegistry(metadata);
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
    close: async () => {},
  };
}
