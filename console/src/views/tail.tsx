// A live tail of one topic: newest first, pause, jump to an offset or a time, JSON pretty-printed,
// binary and large values cut and labelled.
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc } from '../api.js';
import { Notice } from '../components.js';
import { follow, type LiveState } from '../live.js';
import { link } from '../router.js';
import { LiveBanner } from './solution.js';

interface Shown {
  kind: 'json' | 'text' | 'binary' | 'null';
  value: unknown;
  bytes: number;
  truncated: boolean;
}
interface TailRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: Shown;
  value: Shown;
}

const KEEP = 500;

function ValueCell({ value }: { value: Shown }) {
  switch (value.kind) {
    case 'null':
      return <em>null (tombstone)</em>;
    case 'binary':
      return (
        <>
          <span class="label">
            binary, {value.bytes.toLocaleString('en-US')} bytes
            {value.truncated ? ', first 64 shown (hex)' : ' (hex)'}
          </span>
          <code>{String(value.value)}</code>
        </>
      );
    case 'json':
      return <pre>{JSON.stringify(value.value, null, 2)}</pre>;
    default:
      return (
        <>
          {value.truncated && (
            <span class="label">
              truncated: {value.bytes.toLocaleString('en-US')} bytes, first{' '}
              {String(value.value).length.toLocaleString('en-US')} characters shown
            </span>
          )}
          <pre>{String(value.value)}</pre>
        </>
      );
  }
}

export function Tail({ topic, query }: { topic: string; query: URLSearchParams }) {
  const [records, setRecords] = useState<TailRecord[]>([]);
  const [live, setLive] = useState<LiveState>({ kind: 'connecting' });
  const [paused, setPaused] = useState(false);
  const [start, setStart] = useState<string>(
    query.get('offset') !== null ? `offset=${query.get('offset')}` : '',
  );
  const [offsetInput, setOffsetInput] = useState('');
  const [timeInput, setTimeInput] = useState('');
  const next = useRef<Map<number, number>>(new Map());
  const consumerId = query.get('consumerid') ?? query.get('consumerId');

  useEffect(() => {
    if (paused) return;
    const params = new URLSearchParams(start);
    if (consumerId) params.set('consumerId', consumerId);
    const stop = follow(
      `/topics/${enc(topic)}/tail?${params.toString()}`,
      {
        records: (data) => {
          const batch = data as TailRecord[];
          for (const r of batch) next.current.set(r.partition, r.offset + 1);
          setRecords((old) => [...batch.slice().reverse(), ...old].slice(0, KEEP));
        },
        problem: (data) => setLive({ kind: 'failed', message: (data as { message: string }).message }),
      },
      setLive,
    );
    return stop;
  }, [topic, paused, start]);

  const resume = () => {
    // continue after the last record seen (one partition at a time keeps it exact)
    const positions = [...next.current.entries()];
    if (positions.length === 1) setStart(`offset=${positions[0][1]}&partition=${positions[0][0]}`);
    setPaused(false);
  };
  const jumpToOffset = (event: Event) => {
    event.preventDefault();
    setRecords([]);
    setStart(`offset=${Number(offsetInput)}`);
    setPaused(false);
  };
  const jumpToTime = (event: Event) => {
    event.preventDefault();
    const at = new Date(timeInput).getTime();
    if (!Number.isFinite(at)) return;
    setRecords([]);
    setStart(`time=${at}`);
    setPaused(false);
  };

  if (live.kind === 'failed' && live.status === 404) {
    return (
      <section>
        <h1>Tail of {topic}</h1>
        <Notice kind="warn">
          <span data-testid="empty-state">
            {live.message}. <a href={link('topics')}>See all topics</a>.
          </span>
        </Notice>
      </section>
    );
  }

  return (
    <section aria-labelledby="tail-title">
      <div class="title-row">
        <h1 id="tail-title">Tail of {topic}</h1>
        {paused ? (
          <p class="live" role="status" data-testid="live-state">
            paused
          </p>
        ) : (
          <LiveBanner state={live} />
        )}
      </div>
      <div class="controls">
        {paused ? (
          <button type="button" onClick={resume}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)}>
            Pause
          </button>
        )}
        <form onSubmit={jumpToOffset} class="inline">
          <label for="tail-offset">Offset</label>
          <input
            id="tail-offset"
            type="number"
            min={0}
            required
            value={offsetInput}
            onInput={(e) => setOffsetInput((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Jump</button>
        </form>
        <form onSubmit={jumpToTime} class="inline">
          <label for="tail-time">Time</label>
          <input
            id="tail-time"
            type="datetime-local"
            step={1}
            required
            value={timeInput}
            onInput={(e) => setTimeInput((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Jump</button>
        </form>
      </div>
      <p class="count" data-testid="tail-count">
        {records.length} records shown (newest first, at most {KEEP})
      </p>
      <div class="scroll">
        <table class="tail">
          <caption>Records of {topic}</caption>
          <thead>
            <tr>
              <th scope="col">partition</th>
              <th scope="col">offset</th>
              <th scope="col">time</th>
              <th scope="col">key</th>
              <th scope="col">value</th>
            </tr>
          </thead>
          <tbody>
            {records.length === 0 ? (
              <tr>
                <td colSpan={5} class="empty">
                  Waiting for records…
                </td>
              </tr>
            ) : (
              records.map((r) => (
                <tr key={`${r.partition}:${r.offset}`} data-testid="tail-record">
                  <td>{r.partition}</td>
                  <td>{r.offset}</td>
                  <td>{new Date(r.timestamp).toISOString().slice(11, 23)}</td>
                  <td>
                    <ValueCell value={r.key} />
                  </td>
                  <td>
                    <ValueCell value={r.value} />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
