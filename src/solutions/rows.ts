// Turning input records into rows of a solution. One input topic: every record is a row (its key
// names the entity when the spec says so). Several input topics: the seed's position join — the
// i-th new record of each topic form the i-th row, as VIPER aligns streams — read from partition 0
// of each topic (a position join over several partitions has no defined order).
import type { ConsumedRecord, TopicPartitionOffset } from '../backbone/types.js';
import { numericValue } from '../streams/values.js';
import type { RowPosition } from './learner.js';
import { inputVariables, type InputVariable, type SolutionSpec } from './spec.js';

export interface InputRow {
  /** '' unless the spec keys entities. */
  entity: string;
  /** One value per input variable (NaN when the record did not carry a number). */
  values: Record<string, number>;
  /** The newest timestamp among the records that form the row. */
  timestamp: number;
  /** The records the row was formed from: offset per `topic/partition`. */
  position: RowPosition;
}

export const positionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

export class RowAssembler {
  readonly #variables: Map<string, InputVariable[]>;
  readonly #queues = new Map<string, ConsumedRecord[]>();
  /** The offset after the last record consumed into a row, per `topic/partition`. */
  readonly #consumed = new Map<string, TopicPartitionOffset>();

  constructor(private readonly spec: SolutionSpec) {
    this.#variables = new Map();
    for (const v of inputVariables(spec)) {
      this.#variables.set(v.topic, [...(this.#variables.get(v.topic) ?? []), v]);
    }
    for (const input of spec.inputs) this.#queues.set(input.topic, []);
  }

  get joined(): boolean {
    return this.spec.inputs.length > 1;
  }

  add(topic: string, records: readonly ConsumedRecord[]): void {
    this.#queues.get(topic)?.push(...records);
  }

  /** Rows complete so far (in order). */
  take(): InputRow[] {
    const rows: InputRow[] = [];
    if (!this.joined) {
      const topic = this.spec.inputs[0].topic;
      const queue = this.#queues.get(topic)!;
      for (const record of queue) rows.push(this.row([record]));
      queue.length = 0;
      return rows;
    }
    const queues = this.spec.inputs.map((i) => this.#queues.get(i.topic)!);
    const count = Math.min(...queues.map((q) => q.length));
    for (let i = 0; i < count; i++) rows.push(this.row(queues.map((q) => q[i])));
    for (const q of queues) q.splice(0, count);
    return rows;
  }

  /** Where consumption starts (the committed offsets, or where a new solution begins). */
  seed(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.#consumed.set(positionKey(o.topic, o.partition), { ...o });
  }

  /** Forgets records not yet in a row (they are read again from the committed offsets). */
  clear(): void {
    for (const q of this.#queues.values()) q.length = 0;
  }

  /** Offsets to commit: after the last record consumed into a row, per partition. */
  consumedOffsets(): TopicPartitionOffset[] {
    return [...this.#consumed.values()].map((o) => ({ ...o }));
  }

  private row(records: ConsumedRecord[]): InputRow {
    const values: Record<string, number> = {};
    const position: RowPosition = {};
    let timestamp = 0;
    for (const record of records) {
      for (const v of this.#variables.get(record.topic) ?? []) {
        values[v.variable] = numericValue(record.value, v.field);
      }
      position[positionKey(record.topic, record.partition)] = record.offset;
      if (record.timestamp > timestamp) timestamp = record.timestamp;
      this.#consumed.set(positionKey(record.topic, record.partition), {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset + 1,
      });
    }
    const entity = this.spec.entityKey ? (records[0].key?.toString('utf8') ?? '') : '';
    return { entity, values, timestamp, position };
  }
}
