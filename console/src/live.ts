// A Server-Sent Events subscription that says what state it is in. The browser's EventSource retries
// by itself after a lost connection; a stream the server refuses (401, 404) closes, and this asks the
// server why: a lost session goes back to sign-in, anything else is reported and retried.
import { api, ApiError, signedOut } from './api.js';

export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'reconnecting'; since: number }
  | { kind: 'failed'; message: string; status?: number };

export type Handlers = Record<string, (data: unknown) => void>;

export function follow(path: string, handlers: Handlers, onState: (state: LiveState) => void): () => void {
  let source: EventSource | undefined;
  let stopped = false;
  let retry: number | undefined;
  let lostAt: number | undefined;

  const connect = () => {
    if (stopped) return;
    onState(lostAt === undefined ? { kind: 'connecting' } : { kind: 'reconnecting', since: lostAt });
    source = new EventSource(`/v1${path}`, { withCredentials: true });
    source.onopen = () => {
      lostAt = undefined;
      onState({ kind: 'open' });
    };
    for (const [event, handle] of Object.entries(handlers)) {
      source.addEventListener(event, (message) => handle(JSON.parse((message as MessageEvent<string>).data)));
    }
    source.onerror = () => {
      if (stopped || source === undefined) return;
      lostAt ??= Date.now();
      if (source.readyState === EventSource.CONNECTING) {
        onState({ kind: 'reconnecting', since: lostAt });
        return;
      }
      // closed: refused by the server (or unreachable); find out why
      source.close();
      void diagnose();
    };
  };

  const diagnose = async () => {
    try {
      await api('GET', '/session');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        signedOut(error.message);
        return;
      }
    }
    // the session is fine: the stream itself is refused (unknown solution or topic, no right to it)
    try {
      const response = await fetch(`/v1${path}`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { detail?: string };
        onState({ kind: 'failed', message: body.detail ?? `${response.status}`, status: response.status });
        if (response.status >= 400 && response.status < 500) return;
      } else {
        await response.body?.cancel();
      }
    } catch {
      // the server is down: keep trying
    }
    onState({ kind: 'reconnecting', since: lostAt ?? Date.now() });
    retry = window.setTimeout(connect, 2000);
  };

  connect();
  return () => {
    stopped = true;
    if (retry !== undefined) window.clearTimeout(retry);
    source?.close();
  };
}
