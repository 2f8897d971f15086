// The server's registrations (tokens, topics, producer ids, consumer ids, groups) are small keyed
// records. Reads are served from memory so that a produce call costs no extra I/O; writes go to the
// platform's metadata store, and memory follows the store (this server's writes and others' alike).

/** A keyed set of JSON records of one kind. */
export interface Collection<T> {
  get(key: string): T | undefined;
  values(): T[];
  put(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Reads up to the end of the metadata topic now. The store follows the topic anyway; this is for
   * a read that must see what another server acknowledged a moment ago. Cheap when nothing changed.
   */
  refresh(): Promise<void>;
  /**
   * The record under `key`, after reading what other processes wrote since the last read: a miss
   * (an unknown id) costs one look at the metadata topic's end, not a re-read of every record.
   */
  lookup(key: string): Promise<T | undefined>;
}

/** Memory only: for unit tests, never for a running server. */
export class MemoryCollection<T> implements Collection<T> {
  readonly #items = new Map<string, T>();
  get(key: string): T | undefined {
    return this.#items.get(key);
  }
  values(): T[] {
    return [...this.#items.values()];
  }
  async put(key: string, value: T): Promise<void> {
    this.#items.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.#items.delete(key);
  }
  async refresh(): Promise<void> {}
  async lookup(key: string): Promise<T | undefined> {
    return this.#items.get(key);
  }
}
