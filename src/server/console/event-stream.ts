// One Server-Sent Events response. The writer never queues more than the socket's own buffer: send()
// answers false once that buffer is full, and the producer of events waits for `drained()` before it
// reads more from the backbone. A slow browser therefore slows only its own stream (which then skips
// ahead), never the solution or the server.
import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const HEARTBEAT_MS = 15_000;

export class EventStream {
  readonly #reply: FastifyReply;
  readonly #abort = new AbortController();
  readonly #heartbeat: NodeJS.Timeout;
  /** Bytes written to this stream (for the bench and the logs). */
  bytes = 0;
  /** Time spent waiting in drained(), ms: not time the stream held the event loop. */
  waitedMs = 0;

  constructor(reply: FastifyReply, options: { retryMs?: number } = {}) {
    this.#reply = reply;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // proxies (nginx) must pass events on as they come
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${options.retryMs ?? 2000}\n\n`);
    raw.on('close', () => this.close());
    this.#heartbeat = setInterval(() => {
      if (raw.writableLength === 0) raw.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
    this.#abort.signal.addEventListener('abort', () => clearInterval(this.#heartbeat), { once: true });
  }

  /** Aborted when the browser goes away or the server closes the stream. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Writes one event; false when the socket's buffer is full (wait for drained() before more). */
  send(event: string, data: unknown, id?: string): boolean {
    if (this.#abort.signal.aborted) return false;
    const text = `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
    this.bytes += Buffer.byteLength(text);
    return this.#reply.raw.write(text);
  }

  /** Bytes written but not yet taken by the socket. */
  get buffered(): number {
    return this.#reply.raw.writableLength;
  }

  /** Resolves when the socket can take more, or when the stream ends. */
  async drained(): Promise<void> {
    const raw = this.#reply.raw;
    if (!raw.writableNeedDrain || this.#abort.signal.aborted) return;
    const started = performance.now();
    await once(raw, 'drain', { signal: this.#abort.signal }).catch(() => undefined);
    this.waitedMs += performance.now() - started;
  }

  close(): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    const raw = this.#reply.raw;
    if (!raw.destroyed) {
      raw.end();
      return;
    }
    // The browser went first: a destroyed response never emits 'finish', which is where Fastify
    // runs the onResponse hooks of a hijacked reply (the in-flight count, the request metrics).
    raw.emit('finish');
  }
}

/** The open streams of a server: closed first when it shuts down (they never end by themselves). */
export class EventStreams {
  readonly #open = new Set<EventStream>();
  readonly skipped?: Counter;
  readonly ticks?: Histogram;

  /** With a registry, /metrics shows the open streams, their buffered bytes and the skipped records. */
  constructor(registry?: Registry) {
    if (registry === undefined) return;
    const open = this.#open;
    new Gauge({
      name: 'tml_live_streams',
      help: 'Server-Sent Events streams open (console and SDK live views)',
      registers: [registry],
      collect() {
        this.set(open.size);
      },
    });
    new Gauge({
      name: 'tml_live_buffered_bytes',
      help: 'Bytes written to live streams and not yet taken by their sockets (bounded by back-pressure)',
      registers: [registry],
      collect() {
        let bytes = 0;
        for (const stream of open) bytes += stream.buffered;
        this.set(bytes);
      },
    });
    this.skipped = new Counter({
      name: 'tml_live_skipped_records_total',
      help: 'Records live views jumped over because their reader fell too far behind',
      registers: [registry],
    });
    this.ticks = new Histogram({
      name: 'tml_live_tick_seconds',
      help: "One live stream's step (read the topics, parse, serialise, write), waits for a full socket excluded: an upper bound of the time it holds the event loop (waits for the backbone's or the catalog's I/O count in)",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers: [registry],
    });
  }

  /** Records one step of a stream that started at `started` (performance.now()) with `waitedMs` then. */
  observeTick(stream: EventStream, started: number, waitedMs: number): void {
    this.ticks?.observe((performance.now() - started - (stream.waitedMs - waitedMs)) / 1000);
  }

  open(reply: FastifyReply, options?: { retryMs?: number }): EventStream {
    const stream = new EventStream(reply, options);
    this.#open.add(stream);
    stream.signal.addEventListener('abort', () => this.#open.delete(stream), { once: true });
    return stream;
  }

  get size(): number {
    return this.#open.size;
  }

  closeAll(): void {
    for (const stream of this.#open) stream.close();
  }
}
