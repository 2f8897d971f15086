// The records of one step, by topic: written in one transaction together with the input offsets.
import type { ProducerRecord } from '../../backbone/types.js';

export class Outbox {
  readonly records = new Map<string, ProducerRecord[]>();
  count = 0;

  constructor(
    private readonly registryTopic: string,
    /** The partition outputs go to (the spec's `io.partition`); registry and status name their own. */
    private readonly outputPartition?: number,
  ) {}

  add(topic: string, given: ProducerRecord): void {
    const record =
      this.outputPartition !== undefined && given.partition === undefined
        ? { ...given, partition: this.outputPartition }
        : given;
    const list = this.records.get(topic);
    if (list === undefined) this.records.set(topic, [record]);
    else list.push(record);
    this.count++;
  }

  /** Takes back what was added to `topic`; returns how many records. */
  drop(topic: string): number {
    const dropped = this.records.get(topic)?.length ?? 0;
    this.records.delete(topic);
    this.count -= dropped;
    return dropped;
  }

  /** A registry entry (compacted topic, one partition so a reader sees every key in order). */
  putRegistry(key: string, value: unknown): void {
    this.add(this.registryTopic, { key, value: JSON.stringify(value), partition: 0 });
  }

  /** A tombstone: compaction removes the key. */
  deleteRegistry(key: string): void {
    this.add(this.registryTopic, { key, value: null, partition: 0 });
  }
}
