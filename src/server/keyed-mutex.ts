// Serialises work per key (one topic, one consumer group) inside this process, so that two requests
// creating the same topic or reading the same group do not interleave between check and write.

export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nothing else queued behind this run.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
