// Live views of the /v1 API for programs: a solution's events and a topic's tail, read as
// Server-Sent Events. The iterators reconnect after a lost connection (the server restarting) and
// say so with a `reconnected` event; a refusal (unknown solution, no right to it) ends them with a
// TmlApiError, as any other call of the SDK.
import { setTimeout as sleep } from 'node:timers/promises';
import { TmlApiError, TmlConnectionError } from './errors.js';
import type { Problem } from './types.js';

export interface LiveOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8000` (without `/v1`). */
  url: string;
  token?: string;
  signal?: AbortSignal;
  /** Wait between reconnection attempts (default 2,000 ms). */
  reconnectMs?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  maxAttempts?: number;
  fetch?: typeof fetch;
}

export interface ServerSentEvent<T = unknown> {
  event: string;
  data: T;
}

/** Splits an event stream into events (the text/event-stream format: fields, blank line). */
async function* parseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield { event, data: JSON.parse(data.join('\n')) as unknown };
        event = 'message';
        data = [];
      } else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      // `retry:`, `id:` and `:` comments (keep-alives) need nothing here
    }
  }
}

async function refusal(response: Response): Promise<TmlApiError> {
  const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
  return new TmlApiError({
    type: problem.type ?? 'about:blank',
    title: problem.title ?? response.statusText,
    status: response.status,
    detail: problem.detail ?? `HTTP ${response.status}`,
    code: problem.code ?? `HTTP_${response.status}`,
    ...(problem.parameter !== undefined ? { parameter: problem.parameter } : {}),
  });
}

/**
 * Follows `/v1<path>`; `next(attempt)` gives the path of each (re)connection, so a caller can
 * continue where it was. Ends when `signal` aborts.
 */
export async function* followEvents(
  options: LiveOptions,
  path: (attempt: number) => string,
): AsyncGenerator<ServerSentEvent> {
  const base = options.url.replace(/\/+$/, '') + '/v1';
  const doFetch = options.fetch ?? fetch;
  let failures = 0;
  for (let attempt = 0; !options.signal?.aborted; attempt++) {
    let lost: unknown;
    try {
      const response = await doFetch(base + path(attempt), {
        headers: {
          accept: 'text/event-stream',
          ...(options.token ? { authorization: `Bearer ${options.token.trim()}` } : {}),
        },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (response.status >= 400 && response.status < 500) throw await refusal(response);
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      failures = 0;
      if (attempt > 0) yield { event: 'reconnected', data: { attempt } };
      yield* parseEvents(response.body);
      lost = new Error('the server ended the stream');
    } catch (error) {
      if (error instanceof TmlApiError || options.signal?.aborted) {
        if (options.signal?.aborted) return;
        throw error;
      }
      lost = error;
    }
    if (++failures >= (options.maxAttempts ?? Infinity)) {
      throw new TmlConnectionError(`lost the stream ${base}${path(attempt)}: ${(lost as Error).message}`, {
        cause: lost,
      });
    }
    await sleep(
      options.reconnectMs ?? 2000,
      undefined,
      options.signal ? { signal: options.signal } : {},
    ).catch(() => undefined);
  }
}

/**
 * A solution's live events: `solution` (its view, first), `predictions` (batches as columns),
 * `status`, `version`, `drift`, `optimum`, `anomaly`, `skipped`, `deleted`, `reconnected`.
 * After a reconnection the recent history is not sent again.
 */
export function followSolution(
  options: LiveOptions,
  name: string,
  query: { history?: number; entity?: string } = {},
): AsyncGenerator<ServerSentEvent> {
  return followEvents(options, (attempt) => {
    const params = new URLSearchParams();
    params.set('history', String(attempt === 0 ? (query.history ?? 2000) : 0));
    if (query.entity !== undefined) params.set('entity', query.entity);
    return `/solutions/${encodeURIComponent(name)}/events?${params.toString()}`;
  });
}

/** The records of a topic as they arrive (`start`, then `records` batches); reconnects where it was. */
export async function* tailTopic(
  options: LiveOptions,
  topic: string,
  query: { offset?: number; time?: number; back?: number; partition?: number; consumerId?: string } = {},
): AsyncGenerator<ServerSentEvent> {
  const next = new Map<number, number>();
  const path = (attempt: number) => {
    const params = new URLSearchParams();
    const resume = attempt > 0 && next.size === 1 ? [...next][0] : undefined;
    if (resume !== undefined) {
      params.set('partition', String(resume[0]));
      params.set('offset', String(resume[1]));
    } else {
      for (const key of ['offset', 'time', 'back', 'partition', 'consumerId'] as const) {
        if (query[key] !== undefined) params.set(key, String(query[key]));
      }
    }
    if (query.consumerId !== undefined) params.set('consumerId', query.consumerId);
    return `/topics/${encodeURIComponent(topic)}/tail?${params.toString()}`;
  };
  for await (const event of followEvents(options, path)) {
    if (event.event === 'records') {
      for (const r of event.data as Array<{ partition: number; offset: number }>)
        next.set(r.partition, r.offset + 1);
    }
    yield event;
  }
}
