// VIPERviz links (`/prediction.html?topic=…&consumerid=…`) arrive here without their token: a topic
// that a solution writes opens that solution; any other topic opens its live tail.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice } from '../components.js';
import { go, link } from '../router.js';
import type { SolutionView } from '../types.js';

export function Viz({ view, query }: { view: string; query: URLSearchParams }) {
  const [message, setMessage] = useState<string | undefined>();
  useEffect(() => {
    const topics = (query.get('topic') ?? '').split(',').filter(Boolean);
    if (view === 'aims') {
      go('#/aims');
      return;
    }
    if (topics.length === 0) {
      setMessage(`The ${view}.html link names no topic: open a view from the sections above.`);
      return;
    }
    api<{ solutions: SolutionView[] }>('GET', '/solutions').then(
      ({ solutions }) => {
        const owner = solutions.find((s) =>
          Object.values(s.spec.outputs).some((t) => topics.includes(t ?? '')),
        );
        if (owner !== undefined) {
          go(link('solutions', owner.name));
          return;
        }
        const params = new URLSearchParams();
        const offset = query.get('offset');
        if (offset !== null && Number(offset) >= 0) params.set('offset', offset);
        const consumer = query.get('consumerid');
        if (consumer) params.set('consumerid', consumer);
        go(`${link('topics', topics[0], 'tail')}?${params.toString()}`);
      },
      () => setMessage('Could not read the solutions.'),
    );
  }, [view, query.toString()]);
  return message ? <Notice kind="warn">{message}</Notice> : <p>Opening the {view} view…</p>;
}
