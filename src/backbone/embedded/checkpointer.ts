// WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database file
// and fsyncs it: run by SQLite's auto-checkpoint on the writing connection, that took several
// milliseconds of the event loop about three times a second under 1,000 predictions/s, which made
// the server's p99 (docs/benchmarks.md). Here a worker thread holds a second connection and runs
// PASSIVE checkpoints (they never block the writer, nor wait for it) when the writer has written
// enough. A PASSIVE checkpoint only copies what was committed when it started, and the WAL file
// starts over from its beginning only once everything in it was copied; under a steady stream of
// commits the worker rarely catches up, so when the WAL has grown past a bound the writer finishes
// the job itself: a checkpoint on the main connection then copies only what the worker could not.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Shared Int32Array slots.
const REQUEST = 0; // what the worker should do next
const STATE = 1; // what the worker is doing
const COMPLETED = 2; // checkpoints the worker finished
const LOG_FRAMES = 3; // frames in the WAL at the worker's last checkpoint

const REQUEST_NONE = 0;
const REQUEST_CHECKPOINT = 1;
const REQUEST_CLOSE = 2;

// 0: starting (the shared array starts zeroed)
const STATE_IDLE = 1;
const STATE_BUSY = 2;
const STATE_CLOSED = 3;
const STATE_FAILED = 4;

/** Without a worker, checkpoint on the writer as often as SQLite's auto-checkpoint did (16 MiB). */
const FALLBACK_BYTES = 16 << 20;
/** How long `close()` waits for a running checkpoint to end. */
const CLOSE_WAIT_MS = 30_000;

// The worker: a CommonJS script (eval), so it needs no file of its own next to the compiled or the
// TypeScript sources. It blocks on the shared array between requests (Atomics.wait is allowed in
// workers), so it costs nothing while idle.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const s = new Int32Array(workerData.shared);
function main() {
  let db;
  try {
    const Database = require(workerData.sqlite);
    db = new Database(workerData.path, { timeout: 0, fileMustExist: true });
    db.pragma('synchronous = ' + workerData.synchronous);
  } catch (error) {
    Atomics.store(s, ${STATE}, ${STATE_FAILED});
    Atomics.notify(s, ${STATE});
    return;
  }
  Atomics.store(s, ${STATE}, ${STATE_IDLE});
  Atomics.notify(s, ${STATE});
  for (;;) {
    Atomics.wait(s, ${REQUEST}, ${REQUEST_NONE});
    const request = Atomics.exchange(s, ${REQUEST}, ${REQUEST_NONE});
    if (request === ${REQUEST_CLOSE}) break;
    if (request !== ${REQUEST_CHECKPOINT}) continue;
    Atomics.store(s, ${STATE}, ${STATE_BUSY});
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      Atomics.store(s, ${LOG_FRAMES}, result.log);
    } catch {
      // a checkpoint that fails is retried at the next request; the writer's bound still holds
    }
    Atomics.add(s, ${COMPLETED}, 1);
    if (Atomics.compareExchange(s, ${STATE}, ${STATE_BUSY}, ${STATE_IDLE}) !== ${STATE_BUSY}) break;
  }
  try { db.close(); } catch {}
  Atomics.store(s, ${STATE}, ${STATE_CLOSED});
  Atomics.notify(s, ${STATE});
}
main();
`;

export interface CheckpointTuning {
  /** Ask the worker for a checkpoint after about this many bytes written (default 4 MiB). */
  kickBytes?: number;
  /**
   * Once the WAL holds this much, the writer copies what the worker left, so the WAL starts over
   * (default 128 MiB: each time costs the event loop a few ms, an fsync, so it should be rare).
   */
  restartBytes?: number;
  /** Written since the worker's last checkpoint: beyond this the writer checkpoints itself (default 256 MiB). */
  behindBytes?: number;
}

export interface CheckpointerOptions extends CheckpointTuning {
  /** The database file. */
  path: string;
  pageSize: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Runs a PASSIVE checkpoint on the writing connection (the fallback). */
  checkpointHere: () => void;
}

export class Checkpointer {
  readonly #shared = new Int32Array(new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT));
  readonly #worker: Worker;
  readonly #options: Required<CheckpointerOptions>;
  /** Bytes written (estimated) since the last request to the worker. */
  #sinceKick = 0;
  /** Bytes written (estimated) since the worker last finished a checkpoint. */
  #sinceCompleted = 0;
  #seenCompleted = 0;
  #closed = false;
  /** Checkpoints the writer ran itself (diagnostics and tests). */
  checkpointsHere = 0;

  constructor(options: CheckpointerOptions) {
    this.#options = { kickBytes: 4 << 20, restartBytes: 128 << 20, behindBytes: 256 << 20, ...options };
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
        shared: this.#shared.buffer,
        path: options.path,
        synchronous: options.synchronous,
      },
    });
    // a worker blocked in Atomics.wait must not keep the process alive, nor crash it
    this.#worker.unref();
    this.#worker.on('error', () => Atomics.store(this.#shared, STATE, STATE_FAILED));
  }

  /** Checkpoints the worker finished. */
  get completed(): number {
    return Atomics.load(this.#shared, COMPLETED);
  }

  /** Called after every write transaction with about the bytes it added to the WAL. */
  written(bytes: number): void {
    if (this.#closed) return;
    this.#sinceKick += bytes;
    this.#sinceCompleted += bytes;
    const s = this.#shared;
    const completed = Atomics.load(s, COMPLETED);
    if (completed !== this.#seenCompleted) {
      this.#seenCompleted = completed;
      this.#sinceCompleted = this.#sinceKick;
      // The WAL is large: it starts over only after a checkpoint that copied everything with no
      // commit coming in meanwhile, which only the writer can guarantee. What the worker copied
      // is done, so this copies only the commits made while the worker ran.
      const log = Atomics.load(s, LOG_FRAMES);
      if (log * this.#options.pageSize >= this.#options.restartBytes) {
        this.#checkpointHere();
        return;
      }
    }
    const state = Atomics.load(s, STATE);
    if (state === STATE_FAILED || this.#sinceCompleted >= this.#options.behindBytes) {
      // no worker, or it fell behind: as SQLite's auto-checkpoint would
      if (state !== STATE_FAILED || this.#sinceKick >= FALLBACK_BYTES) {
        this.#checkpointHere();
      }
      return;
    }
    if (this.#sinceKick >= this.#options.kickBytes && state === STATE_IDLE) {
      this.#sinceKick = 0;
      Atomics.store(s, REQUEST, REQUEST_CHECKPOINT);
      Atomics.notify(s, REQUEST);
    }
  }

  /** Stops the worker, waiting for a running checkpoint to end (synchronously: close is). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#shared;
    Atomics.store(s, REQUEST, REQUEST_CLOSE);
    Atomics.notify(s, REQUEST);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    for (;;) {
      const state = Atomics.load(s, STATE);
      if (state === STATE_CLOSED || state === STATE_FAILED) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(s, STATE, state, Math.min(left, 50));
    }
    void this.#worker.terminate();
  }

  #checkpointHere(): void {
    this.#sinceKick = 0;
    this.#sinceCompleted = 0;
    this.checkpointsHere++;
    try {
      this.#options.checkpointHere();
    } catch {
      // tried again after the next writes
    }
  }
}
