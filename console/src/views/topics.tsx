// Topics with their partitions, stored records and the rate at which records arrive.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Notice, Table } from '../components.js';
import { link } from '../router.js';
import type { TopicSummary } from '../types.js';

export function Topics() {
  const [topics, setTopics] = useState<Array<TopicSummary & { rate?: number }> | undefined>();
  const [error, setError] = useState<string | undefined>();
  const last = useRef<{ at: number; counts: Map<string, number> } | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const { topics } = await api<{ topics: TopicSummary[] }>('GET', '/topics');
        if (stopped) return;
        const at = Date.now();
        const before = last.current;
        last.current = { at, counts: new Map(topics.map((t) => [t.topic, t.records])) };
        setTopics(
          topics.map((t) => {
            const previous = before?.counts.get(t.topic);
            return previous === undefined
              ? t
              : { ...t, rate: ((t.records - previous) * 1000) / (at - before!.at) };
          }),
        );
        setError(undefined);
      } catch (e) {
        if (!stopped) setError(e instanceof ApiError ? e.message : String(e));
      }
    };
    void load();
    const timer = window.setInterval(load, 3000);
    return () => ((stopped = true), window.clearInterval(timer));
  }, []);
  return (
    <section aria-labelledby="topics-title">
      <h1 id="topics-title">Streams</h1>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      {topics === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Topics"
          name="topics"
          rows={topics}
          rowKey={(t) => t.topic}
          empty="No topics yet."
          columns={[
            {
              label: 'topic',
              value: (t) => t.topic,
              render: (t) => <a href={link('topics', t.topic, 'tail')}>{t.topic}</a>,
            },
            { label: 'partitions', value: (t) => t.partitions },
            { label: 'records', value: (t) => t.records },
            {
              label: 'records/s',
              value: (t) => (t.rate === undefined ? '…' : Math.max(0, t.rate).toFixed(1)),
            },
            { label: 'active', value: (t) => (t.active ? 'yes' : 'no') },
            { label: 'description', value: (t) => t.description },
          ]}
        />
      )}
    </section>
  );
}
