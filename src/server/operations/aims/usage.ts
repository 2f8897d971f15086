// Who reads and writes what through the APIs, for AiMS: bytes, records, the latest time and the
// active days per consumer id and per topic's producers. Counted in memory on every call and written
// to the metadata store at most every few seconds (flush), so that a read or a write costs no I/O.
import type { Collection } from '../../store/collection.js';
import type { UsageRecord } from '../../store/records.js';

const MAX_DAYS = 366;

export const consumerKey = (consumerId: string): string => `consumer:${consumerId}`;
export const producerKey = (topic: string): string => `producer:${topic}`;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function merge(stored: UsageRecord | undefined, pending: UsageRecord): UsageRecord {
  if (stored === undefined) return pending;
  const days = [...new Set([...stored.days, ...pending.days])].sort().slice(-MAX_DAYS);
  return {
    bytes: stored.bytes + pending.bytes,
    records: stored.records + pending.records,
    lastAt: Math.max(stored.lastAt, pending.lastAt),
    days,
  };
}

export class UsageRecorder {
  #pending = new Map<string, UsageRecord>();

  constructor(
    private readonly collection: Collection<UsageRecord>,
    /** ms since the epoch; tests pass their own clock. */
    readonly clock: () => number = Date.now,
  ) {}

  noteRead(consumerId: string, bytes: number, records: number): void {
    this.#note(consumerKey(consumerId), bytes, records);
  }

  noteWrite(topic: string, bytes: number, records: number): void {
    this.#note(producerKey(topic), bytes, records);
  }

  #note(key: string, bytes: number, records: number): void {
    const now = this.clock();
    const day = dayOf(now);
    const pending = this.#pending.get(key);
    if (pending === undefined) {
      this.#pending.set(key, { bytes, records, lastAt: now, days: [day] });
      return;
    }
    pending.bytes += bytes;
    pending.records += records;
    pending.lastAt = Math.max(pending.lastAt, now);
    if (pending.days.at(-1) !== day) pending.days.push(day);
  }

  /** What is stored merged with what is not written yet. */
  get(key: string): UsageRecord | undefined {
    const pending = this.#pending.get(key);
    const stored = this.collection.get(key);
    return pending === undefined ? stored : merge(stored, pending);
  }

  /** Writes what was counted since the last flush (each key merged into its stored record). */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const pending = [...this.#pending];
    this.#pending = new Map();
    // other tml processes on the same backbone count their own calls: start from what they wrote
    await this.collection.refresh().catch(() => undefined);
    for (let i = 0; i < pending.length; i++) {
      const [key, record] = pending[i];
      try {
        await this.collection.put(key, merge(this.collection.get(key), record));
      } catch (error) {
        // what was not written is kept for the next flush, not lost
        for (const [k, r] of pending.slice(i)) {
          const newer = this.#pending.get(k);
          this.#pending.set(k, newer === undefined ? r : merge(r, newer));
        }
        throw error;
      }
    }
  }
}
