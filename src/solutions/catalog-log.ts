// The catalog topic read back: every partition from its start, then only what was appended since.
// Each record is a solution's whole entry (spec + state), keyed by its name; a tombstone deletes it.
// Workers keep one to know which solutions live on the partitions they were assigned; the catalog
// API keeps one to answer list/describe.
import type { Backbone } from '../backbone/types.js';
import type { SolutionState } from './catalog-types.js';
import type { SolutionSpec } from './spec.js';

export interface CatalogEntry {
  name: string;
  spec: SolutionSpec;
  state: SolutionState;
  createdAt: number;
  updatedAt: number;
}

export interface CatalogItem {
  entry: CatalogEntry;
  partition: number;
  /** The offset of the record that holds this entry: changes whenever the entry does. */
  offset: number;
}

export class CatalogLog {
  readonly #items = new Map<string, CatalogItem>();
  readonly #positions = new Map<number, number>();
  #refreshing?: Promise<void>;

  constructor(
    private readonly backbone: Backbone,
    readonly topic: string,
  ) {}

  get(name: string): CatalogItem | undefined {
    return this.#items.get(name);
  }

  items(): CatalogItem[] {
    return [...this.#items.values()].sort((a, b) => (a.entry.name < b.entry.name ? -1 : 1));
  }

  /** Reads what was appended since the last refresh (concurrent callers share one read). */
  async refresh(): Promise<void> {
    while (this.#refreshing) await this.#refreshing;
    this.#refreshing = this.#catchUp().finally(() => (this.#refreshing = undefined));
    await this.#refreshing;
  }

  async #catchUp(): Promise<void> {
    const partitions = await this.backbone.listOffsets(this.topic);
    for (const { partition, earliest, latest } of partitions) {
      let position = Math.max(this.#positions.get(partition) ?? 0, earliest);
      while (position < latest) {
        const { records } = await this.backbone.fetch({
          topic: this.topic,
          partition,
          offset: position,
          maxRecords: 1000,
          maxBytes: 16 * 1024 * 1024,
        });
        if (records.length === 0) break; // only transaction markers (Kafka) up to the end
        for (const record of records) {
          position = record.offset + 1;
          if (record.key === null) continue;
          const name = record.key.toString('utf8');
          if (record.value === null) {
            this.#items.delete(name);
            continue;
          }
          try {
            const entry = JSON.parse(record.value.toString('utf8')) as CatalogEntry;
            this.#items.set(name, { entry, partition, offset: record.offset });
          } catch {
            // not written by tml: ignore rather than stop every worker on one bad record
          }
        }
      }
      this.#positions.set(partition, position);
    }
  }
}
