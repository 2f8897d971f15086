// How the calls queued on the Kafka backbone's producer are sent together, and what a send's
// outcome means for each call: grouping (takeGroup), offsets per call, the partitions a failed
// send did write, and whether two sends are the same records (a retry the broker deduplicates).
import type { PreparedRecord } from './produce.js';

/** A produce call waiting for its turn; `offsets` is filled with each record's (by its index). */
export interface QueuedProduce {
  topic: string;
  sends: PreparedRecord[][];
  offsets: Map<number, number>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Calls in one client send at most (and their records): bounds a request and a failure's reach. */
const MAX_CALLS_TOGETHER = 256;
const MAX_RECORDS_TOGETHER = 10_000;
/** Queued calls looked at for one send at most (bounds the work of choosing them). */
const MAX_CALLS_SCANNED = 1_024;

/**
 * The calls of the queue that go in one send, taken out of it: the head, and after it each call of
 * one send whose partitions are in no call taken or passed over before it. So each partition's
 * batch is one call's (as it would be alone), and no call overtakes an earlier one to the same
 * partition. A call cut into several sends goes alone.
 */
export function takeGroup<T extends { sends: PreparedRecord[][] }>(queue: T[]): T[] {
  if (queue[0].sends.length !== 1) return queue.splice(0, 1);
  const seen = new Set<string>();
  const taken: T[] = [];
  const left: T[] = [];
  let records = 0;
  const scan = Math.min(queue.length, MAX_CALLS_SCANNED);
  for (let i = 0; i < scan; i++) {
    const call = queue[i];
    const keys = call.sends.flatMap((send) => send.map((r) => partitionKey(r.topic, r.partition)));
    const fits =
      call.sends.length === 1 &&
      taken.length < MAX_CALLS_TOGETHER &&
      (taken.length === 0 || records + call.sends[0].length <= MAX_RECORDS_TOGETHER) &&
      !keys.some((k) => seen.has(k));
    for (const k of keys) seen.add(k);
    if (fits) {
      taken.push(call);
      records += call.sends[0].length;
    } else {
      left.push(call);
    }
  }
  queue.splice(0, scan, ...left);
  return taken;
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** A send's records per partition, in order. */
export function recordsByPartition(send: PreparedRecord[]): Map<string, PreparedRecord[]> {
  const out = new Map<string, PreparedRecord[]>();
  for (const r of send) {
    const key = partitionKey(r.topic, r.partition);
    const list = out.get(key);
    if (list === undefined) out.set(key, [r]);
    else list.push(r);
  }
  return out;
}

/** Each record of `send` gets its partition's base offset plus its place among that partition's. */
export function fillOffsets(call: QueuedProduce, send: PreparedRecord[], base: Map<string, number>): void {
  const next = new Map<number, number>();
  for (const record of send) {
    const n = next.get(record.partition) ?? 0;
    next.set(record.partition, n + 1);
    call.offsets.set(record.index, (base.get(partitionKey(record.topic, record.partition)) ?? 0) + n);
  }
}

/** The partitions a failed client send did write: it reports them on the error (`produced`). */
export function producedOffsets(error: unknown): Map<string, number> {
  const out = new Map<string, number>();
  // the client's error carries them; the backbone's typed error wraps it as its cause
  for (let depth = 0; depth < 5 && error instanceof Error && !('produced' in error); depth++) {
    error = error.cause;
  }
  const produced = (
    error as { produced?: { offsets?: { topic: string; partition: number; offset: bigint }[] } }
  )?.produced;
  for (const o of produced?.offsets ?? []) out.set(partitionKey(o.topic, o.partition), Number(o.offset));
  return out;
}

/** The same records to the same partitions (a retry of a send): the broker can tell it from its numbers. */
export function sameSend(a: PreparedRecord[], b: PreparedRecord[]): boolean {
  const same = (x: Buffer | null | undefined, y: Buffer | null | undefined) =>
    x === y || (x != null && y != null && x.equals(y));
  return (
    a.length === b.length &&
    a.every((r, i) => {
      const o = b[i];
      const headers = [...(r.headers ?? [])];
      const other = [...(o.headers ?? [])];
      return (
        r.topic === o.topic &&
        r.partition === o.partition &&
        same(r.key, o.key) &&
        same(r.value, o.value) &&
        headers.length === other.length &&
        headers.every(([k, v], j) => same(k, other[j][0]) && same(v, other[j][1]))
      );
    })
  );
}
