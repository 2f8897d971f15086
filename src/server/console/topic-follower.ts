// Reads a topic from chosen positions on, partition by partition, in bounded batches. A reader that
// falls more than `maxBehind` records behind a partition's end jumps ahead and reports how many it
// skipped: live views show the newest data, and a slow one must not replay the backlog.
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';

export type StartAt =
  | { kind: 'latest'; back?: number }
  | { kind: 'earliest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; timestamp: number };

export interface FollowBatch {
  records: ConsumedRecord[];
  /** Records jumped over because the reader was too far behind. */
  skipped: number;
}

export class TopicFollower {
  private constructor(
    private readonly backbone: Backbone,
    readonly topic: string,
    /** Next offset to read, per partition. */
    readonly positions: Map<number, number>,
  ) {}

  static async open(
    backbone: Backbone,
    topic: string,
    start: StartAt,
    partition?: number,
  ): Promise<TopicFollower> {
    const offsets = await backbone.listOffsets(topic);
    const positions = new Map<number, number>();
    for (const p of offsets) {
      if (partition !== undefined && p.partition !== partition) continue;
      let at: number;
      switch (start.kind) {
        case 'latest':
          at = Math.max(p.earliest, p.latest - (start.back ?? 0));
          break;
        case 'earliest':
          at = p.earliest;
          break;
        case 'offset':
          at = Math.min(Math.max(start.offset, p.earliest), p.latest);
          break;
        case 'time':
          at = await backbone.offsetForTimestamp(topic, p.partition, start.timestamp);
          break;
      }
      positions.set(p.partition, at);
    }
    return new TopicFollower(backbone, topic, positions);
  }

  /** Up to `maxRecords` records per partition from the current positions on. */
  async read(maxRecords: number, maxBehind = Infinity, maxBytes = 1 << 20): Promise<FollowBatch> {
    const records: ConsumedRecord[] = [];
    let skipped = 0;
    for (const [partition, offset] of this.positions) {
      const result = await this.backbone.fetch({
        topic: this.topic,
        partition,
        offset,
        maxRecords,
        maxBytes,
      });
      let position = offset;
      if (result.highWatermark - position > maxBehind) {
        const next = Math.max(result.logStartOffset, result.highWatermark - Math.min(maxRecords, maxBehind));
        skipped += next - position;
        this.positions.set(partition, next);
        continue; // the next read starts from the new position
      }
      for (const record of result.records) {
        records.push(record);
        position = record.offset + 1;
      }
      // a log trimmed past the position (retention) continues from its start
      if (result.records.length === 0 && position < result.logStartOffset) position = result.logStartOffset;
      this.positions.set(partition, position);
    }
    return { records, skipped };
  }
}
