// Group commit: the produce calls and transaction commits made in one turn of the event loop are
// written in ONE SQLite transaction, flushed when the turn ends (setImmediate), as a Kafka producer
// batches the records sent within its linger time. Why: a SQLite commit costs the same whether it
// carries one record or hundreds (it writes each touched page to the WAL), so a stream of
// one-record calls — many solutions each producing a row, many runners each committing a step —
// paid one commit per call on the event loop; grouped, they pay one per turn. A call's promise
// settles after the group holding it is stored (acks=all in one process), so awaiting produce()
// still means "stored and readable". A group that fails is written again call by call, so one
// call's failure (a topic deleted since it was checked, a full store) fails that call only.
import type { RecordMetadata } from '../types.js';
import type { PlannedProduce } from './produce-plan.js';
import type { GroupCommit } from './transactional-producer.js';

/** One call's writes: a plain produce (one plan, no commits) or a transaction's whole buffer. */
export interface GroupedWrite {
  plans: PlannedProduce[];
  commits: GroupCommit[];
  /** What the call was, for a storage error's message ("appending 3 record(s) to topic 'x'"). */
  what: string;
}

export interface WriteGroupHost {
  /** Throws what writing `write` would throw for its own reasons (a topic deleted since it was planned). */
  check(write: GroupedWrite): void;
  /**
   * Stores every plan and commit in one storage transaction (all or none) and makes them readable;
   * returns each plan's record metadata, in plan order.
   */
  store(plans: PlannedProduce[], commits: GroupCommit[], what: string): RecordMetadata[][];
}

interface Pending {
  write: GroupedWrite;
  resolve: (results: RecordMetadata[][]) => void;
  reject: (error: unknown) => void;
}

export class WriteGroup {
  readonly #host: WriteGroupHost;
  #pending: Pending[] = [];
  #flushing: NodeJS.Immediate | undefined;
  /** Storage transactions written and calls they carried (diagnostics and tests). */
  #stats = { transactions: 0, calls: 0 };

  constructor(host: WriteGroupHost) {
    this.#host = host;
  }

  /** Queues a call's writes for the end of this turn; settles once they are stored (or refused). */
  submit(write: GroupedWrite): Promise<RecordMetadata[][]> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      this.#flushing ??= setImmediate(() => this.flush());
    });
  }

  /** Writes everything queued now (the end of a turn, or the backbone closing). */
  flush(): void {
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    const pending = this.#pending;
    this.#pending = [];
    const live: Pending[] = [];
    for (const p of pending) {
      try {
        this.#host.check(p.write);
        live.push(p);
      } catch (error) {
        p.reject(error);
      }
    }
    if (live.length === 0) return;
    if (live.length === 1) {
      this.#storeOne(live[0]);
      return;
    }
    let results: RecordMetadata[][];
    try {
      results = this.#host.store(
        live.flatMap((p) => p.write.plans),
        live.flatMap((p) => p.write.commits),
        `${live.length} grouped writes (${live[0].write.what}, ...)`,
      );
    } catch {
      // nothing of the group was stored: each call alone, so only the calls that fail see an error
      for (const p of live) this.#storeOne(p);
      return;
    }
    this.#counted(live.length);
    let at = 0;
    for (const p of live) {
      const n = p.write.plans.length;
      p.resolve(results.slice(at, at + n));
      at += n;
    }
  }

  /** Storage transactions written so far and the calls they carried (a call alone counts one each). */
  stats(): { transactions: number; calls: number } {
    return { ...this.#stats };
  }

  #storeOne(p: Pending): void {
    try {
      p.resolve(this.#host.store(p.write.plans, p.write.commits, p.write.what));
      this.#counted(1);
    } catch (error) {
      p.reject(error);
    }
  }

  #counted(calls: number): void {
    this.#stats.transactions++;
    this.#stats.calls += calls;
  }
}
