// The solutions: state, condition, champion and its accuracy, retrains, predictions, the last problem.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Badge, Notice, Table, time } from '../components.js';
import { link } from '../router.js';
import type { SolutionView as Solution } from '../types.js';

export function champion(
  s: Solution,
): { algorithm: string; version: number; forecastAccuracy: number } | undefined {
  return Object.values(s.status?.champions ?? {})[0];
}

export function Solutions() {
  const [solutions, setSolutions] = useState<Solution[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<{ solutions: Solution[] }>('GET', '/solutions').then(
        (r) => !stopped && (setSolutions(r.solutions), setError(undefined)),
        (e: unknown) => !stopped && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = window.setInterval(load, 2000);
    return () => ((stopped = true), window.clearInterval(timer));
  }, []);
  return (
    <section aria-labelledby="solutions-title">
      <h1 id="solutions-title">Solutions</h1>
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      {solutions === undefined ? (
        <p>Loading…</p>
      ) : (
        <Table
          caption="Solutions and their champions"
          name="solutions"
          rows={solutions}
          rowKey={(s) => s.name}
          empty="No solutions yet: create one with `tml solutions create spec.yaml` or POST /v1/solutions."
          columns={[
            {
              label: 'solution',
              value: (s) => s.name,
              render: (s) => <a href={link('solutions', s.name)}>{s.name}</a>,
            },
            { label: 'state', value: (s) => s.state, render: (s) => <Badge kind={s.state}>{s.state}</Badge> },
            {
              label: 'condition',
              value: (s) => s.status?.condition,
              render: (s) => (
                <Badge kind={s.status?.condition ?? 'starting'}>{s.status?.condition ?? 'starting'}</Badge>
              ),
            },
            { label: 'champion', value: (s) => champion(s)?.algorithm },
            {
              label: 'accuracy',
              value: (s) => champion(s)?.forecastAccuracy,
              render: (s) => {
                const c = champion(s);
                return c === undefined ? '–' : `${(c.forecastAccuracy * 100).toFixed(1)}% (v${c.version})`;
              },
            },
            { label: 'retrains', value: (s) => s.status?.retrains ?? 0 },
            { label: 'predictions', value: (s) => s.status?.predictions ?? 0 },
            { label: 'drift events', value: (s) => s.status?.driftEvents ?? 0 },
            { label: 'last retrain', value: (s) => time(s.status?.lastRetrainAt) },
            { label: 'last error', value: (s) => s.status?.problems.at(-1)?.message ?? '' },
          ]}
        />
      )}
    </section>
  );
}
