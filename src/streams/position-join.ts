// The position join of streams, record by record: the i-th new record of each input forms the i-th
// row, as VIPER aligns streams. Inputs are co-partitioned, as Kafka Streams requires of a join:
// partition p of each input is joined with partition p of the others, so each partition is an
// independent, ordered sequence of rows and every partition is read. Inputs with different partition
// counts cannot be joined that way and are refused by name (checkCoPartitioned).
import type { ConsumedRecord, TopicPartitionOffset } from '../backbone/types.js';
import { InvalidJoinError } from './errors.js';
import { numericValue } from './values.js';

/** One variable carried by the records of an input: a bare number, or a field of a JSON object. */
export interface JoinVariable {
  name: string;
  /** The JSON field holding it; absent: the record's value is the number itself. */
  field?: string;
}

export interface PositionJoinInput {
  topic: string;
  variables: readonly JoinVariable[];
}

/** Where a row came from: the offset of each record, keyed `topic/partition`. */
export type RowPosition = Record<string, number>;

export interface JoinedRow {
  /** The record key of the row's first record when rows are keyed by entity, else ''. */
  entity: string;
  /** One value per variable (NaN when the record did not carry a number). */
  values: Record<string, number>;
  /** The newest timestamp among the row's records. */
  timestamp: number;
  position: RowPosition;
}

export const positionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * The partition count every input shares: a join needs the same count on each (co-partitioning).
 * Throws naming each input and its count otherwise.
 */
export function checkCoPartitioned(partitions: ReadonlyMap<string, number>): number {
  const counts = [...new Set(partitions.values())];
  if (counts.length > 1) {
    const listed = [...partitions].map(([topic, n]) => `${topic}: ${n}`).join(', ');
    throw new InvalidJoinError(
      `joined topics must have the same number of partitions (co-partitioned), got ${listed}`,
    );
  }
  return counts[0] ?? 0;
}

export class PositionJoin {
  readonly #inputs: readonly PositionJoinInput[];
  readonly #variables = new Map<string, readonly JoinVariable[]>();
  readonly #keyed: boolean;
  /** Records not yet in a row, per `topic/partition`. */
  readonly #queues = new Map<string, ConsumedRecord[]>();
  /** Partitions with records waiting, so take() looks only where a row may be complete. */
  readonly #pending = new Set<number>();
  /** The offset after the last record consumed into a row, per `topic/partition`. */
  readonly #consumed = new Map<string, TopicPartitionOffset>();

  /**
   * `keyed`: each row belongs to the entity named by its record key. `none`: no inputs is allowed
   * (a join of nothing, never a row: a solution that only runs its steps).
   */
  constructor(inputs: readonly PositionJoinInput[], options: { keyed?: boolean; none?: boolean } = {}) {
    if (inputs.length === 0 && options.none !== true)
      throw new InvalidJoinError('name at least one input to join');
    this.#inputs = inputs;
    for (const input of inputs) {
      if (this.#variables.has(input.topic)) throw new InvalidJoinError(`input ${input.topic} is named twice`);
      this.#variables.set(input.topic, input.variables);
    }
    this.#keyed = options.keyed ?? false;
  }

  add(topic: string, records: readonly ConsumedRecord[]): void {
    for (const record of records) {
      if (record.topic !== topic) continue;
      const key = positionKey(topic, record.partition);
      let queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, (queue = []));
      queue.push(record);
      this.#pending.add(record.partition);
    }
  }

  /** The rows complete so far: per partition in offset order, partitions in ascending order. */
  take(): JoinedRow[] {
    const rows: JoinedRow[] = [];
    for (const partition of [...this.#pending].sort((a, b) => a - b)) {
      const queues = this.#inputs.map((i) => this.#queues.get(positionKey(i.topic, partition)) ?? []);
      const count = Math.min(...queues.map((q) => q.length));
      for (let i = 0; i < count; i++) rows.push(this.row(queues.map((q) => q[i])));
      for (const q of queues) q.splice(0, count);
      if (queues.every((q) => q.length === 0)) this.#pending.delete(partition);
    }
    return rows;
  }

  /** Where consumption starts (committed offsets, or where a new reader begins). */
  seed(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.#consumed.set(positionKey(o.topic, o.partition), { ...o });
  }

  /** Offsets to commit: after the last record consumed into a row, per partition. */
  consumedOffsets(): TopicPartitionOffset[] {
    return [...this.#consumed.values()].map((o) => ({ ...o }));
  }

  private row(records: ConsumedRecord[]): JoinedRow {
    const values: Record<string, number> = {};
    const position: RowPosition = {};
    let timestamp = 0;
    for (const record of records) {
      for (const v of this.#variables.get(record.topic) ?? []) {
        values[v.name] = numericValue(record.value, v.field);
      }
      const key = positionKey(record.topic, record.partition);
      position[key] = record.offset;
      if (record.timestamp > timestamp) timestamp = record.timestamp;
      this.#consumed.set(key, {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset + 1,
      });
    }
    const entity = this.#keyed ? (records[0].key?.toString('utf8') ?? '') : '';
    return { entity, values, timestamp, position };
  }
}
