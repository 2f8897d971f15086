// consumefromtopic: a consumer id reads its own topic. Its read position is kept as the committed
// offsets of a backbone consumer group named after the consumer id, so that `offset=-1` continues
// where the previous call ended, on either backbone and across restarts.
// an abortable-free wait between looks at the topic's end offsets while a read waits for records
import { setTimeout as delay } from 'node:timers/promises';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { choosePartitions, readRecords, type ReadRecord, type RecordMatch } from './read-records.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export interface ConsumeInput {
  topic: string;
  /** Absent: an anonymous read that keeps no position (offset -1 then starts at the end). */
  consumerId?: string;
  /**
   * >= 0: start there in each partition read; -1: continue from this consumer id's position, or
   * from the end when it has none (Kafka's auto.offset.reset=latest; offset=0 reads from the start).
   */
  offset: number;
  /** -1 = every partition. */
  partition: number;
  /** 0-100: start this percentage of the stored records earlier (VIPER's `rollbackoffsets`). */
  rollbackPercent: number;
  maxRecords?: number;
  /** Only the records it accepts are returned; the others are passed over (VIPER's filters). */
  match?: RecordMatch;
  /** When nothing is there to read, wait up to this long for records (at most MAX_READ_WAIT_MS). */
  waitMs?: number;
}

/** The longest a read waits for records: a request is not held longer than a minute. */
export const MAX_READ_WAIT_MS = 60_000;
/** How often a waiting read looks at the end offsets again. */
const WAIT_POLL_MS = 100;

export interface ConsumeResult {
  topic: string;
  consumerId?: string;
  records: ReadRecord[];
  bytesRead: number;
  /** The highest offset read (returned, or passed over by `match`), -1 when none: where to continue. */
  lastOffset: number;
}

export async function consume(context: OperationContext, input: ConsumeInput): Promise<ConsumeResult> {
  if (input.offset < -1)
    throw new ParameterError('offset', `must be -1 (continue) or >= 0, got ${input.offset}`);
  if (input.rollbackPercent < 0 || input.rollbackPercent > 100) {
    throw new ParameterError(
      'rollbackPercent',
      `must be a percentage from 0 to 100, got ${input.rollbackPercent}`,
    );
  }
  const waitMs = input.waitMs ?? 0;
  if (!(Number.isFinite(waitMs) && waitMs >= 0 && waitMs <= MAX_READ_WAIT_MS)) {
    throw new ParameterError('waitMs', `must be from 0 to ${MAX_READ_WAIT_MS} ms, got ${waitMs}`);
  }
  await describeExisting(context.backbone, input.topic);
  const consumerId = input.consumerId;
  if (consumerId !== undefined) await checkConsumer(context, consumerId, input.topic);
  checkActive(context.store.topics.get(input.topic), input.topic);
  const maxRecords = Math.min(
    input.maxRecords ?? context.limits.maxConsumeRecords,
    context.limits.maxConsumeRecords,
  );

  return context.locks.run(`consumer:${consumerId ?? `(anonymous):${input.topic}`}`, async () => {
    const offsets = choosePartitions(
      await context.backbone.listOffsets(input.topic),
      input.partition,
      input.topic,
    );
    const committed = new Map(
      (consumerId === undefined ? [] : await context.backbone.committedOffsets(consumerId, input.topic)).map(
        (c) => [c.partition, c.offset],
      ),
    );
    const starts = new Map<number, number>();
    for (const p of offsets) {
      let start = input.offset >= 0 ? input.offset : (committed.get(p.partition) ?? p.latest);
      start -= Math.ceil(((p.latest - p.earliest) * input.rollbackPercent) / 100);
      starts.set(p.partition, Math.min(Math.max(start, p.earliest), p.latest));
    }
    if (waitMs > 0) await waitForRecords(context, input.topic, starts, waitMs);
    const read = await readRecords(context.backbone, input.topic, starts, maxRecords, input.match);
    if (consumerId !== undefined)
      await context.backbone.commitOffsets(
        consumerId,
        [...read.next].map(([partition, offset]) => ({ topic: input.topic, partition, offset })),
      );
    context.metrics.recordsConsumed.inc(read.records.length);
    if (consumerId !== undefined) context.usage?.noteRead(consumerId, read.bytesRead, read.records.length);
    return {
      topic: input.topic,
      consumerId,
      records: read.records,
      bytesRead: read.bytesRead,
      lastOffset: read.lastOffset,
    };
  });
}

/** Returns once a partition read has records past its start, or when `waitMs` has passed. */
async function waitForRecords(
  context: OperationContext,
  topic: string,
  starts: Map<number, number>,
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const offsets = await context.backbone.listOffsets(topic);
    if (offsets.some((p) => starts.has(p.partition) && p.latest > starts.get(p.partition)!)) return;
    const left = deadline - Date.now();
    if (left <= 0) return;
    await delay(Math.min(WAIT_POLL_MS, left));
  }
}
