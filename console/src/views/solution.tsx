// One solution, live: predictions against actual values, the error with champion changes and drift
// events marked, the version history with metrics and lineage, the latest optimum and anomaly alerts,
// the spec; pause, resume and delete for admins.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, enc } from '../api.js';
import { LiveChart, type Marker } from '../chart.js';
import { Badge, Notice, Table, show, time } from '../components.js';
import { follow, type LiveState } from '../live.js';
import type { Who } from '../main.js';
import { PointWindow } from '../points.js';
import { go, link } from '../router.js';
import type {
  DriftEvent,
  ModelVersion,
  PredictionPoints,
  Registry,
  SolutionStatus,
  SolutionView as Solution,
} from '../types.js';

type Item = Record<string, unknown>;

export function lineageText(lineage: ModelVersion['lineage']): string {
  const offsets = lineage.offsets ?? {};
  return Object.entries(offsets)
    .map(([tp, [first, last]]) => `${tp} [${first}..${last}]`)
    .join(', ');
}

export function LiveBanner({ state }: { state: LiveState }) {
  switch (state.kind) {
    case 'open':
      return (
        <p class="live live-open" role="status" data-testid="live-state">
          live
        </p>
      );
    case 'connecting':
      return (
        <p class="live" role="status" data-testid="live-state">
          connecting…
        </p>
      );
    case 'reconnecting':
      return (
        <p class="live live-lost" role="status" data-testid="live-state">
          connection lost {Math.round((Date.now() - state.since) / 1000)} s ago — reconnecting…
        </p>
      );
    case 'failed':
      return (
        <p class="live live-lost" role="alert" data-testid="live-state">
          {state.message}
        </p>
      );
  }
}

export function SolutionView({ name, who }: { name: string; who: Who }) {
  const [solution, setSolution] = useState<Solution | undefined>();
  const [live, setLive] = useState<LiveState>({ kind: 'connecting' });
  const [registry, setRegistry] = useState<Registry | undefined>();
  const [drift, setDrift] = useState<DriftEvent[]>([]);
  const [optimum, setOptimum] = useState<Item | undefined>();
  const [alerts, setAlerts] = useState<Item[]>([]);
  const [revision, setRevision] = useState(0);
  const [limit, setLimit] = useState(5000);
  const [action, setAction] = useState<string | undefined>();
  const [skipped, setSkipped] = useState(0);
  // a solution with an entity key has a model per entity: one is shown at a time ('' = every entity's
  // predictions, and the first entity's versions)
  const [entities, setEntities] = useState<string[]>([]);
  const [entity, setEntity] = useState('');
  const points = useRef(new PointWindow(limit)).current;
  points.limit = limit;
  const driftMarkers = useRef<Marker[]>([]);

  const registryEntity = entity !== '' ? entity : (entities[0] ?? '');
  // read when a new version arrives on the live stream, which does not restart for this
  const shownEntity = useRef(registryEntity);
  shownEntity.current = registryEntity;
  const loadRegistry = () =>
    api<Registry>('GET', `/solutions/${enc(name)}/models?entity=${enc(shownEntity.current)}`).then(
      setRegistry,
      () => undefined,
    );
  useEffect(() => void loadRegistry(), [name, registryEntity]);

  useEffect(() => {
    const load = () =>
      api<{ entities: string[] }>('GET', `/solutions/${enc(name)}/entities`).then(
        (r) => setEntities(r.entities.filter((e) => e !== '')),
        () => undefined,
      );
    void load();
    const timer = window.setInterval(load, 10_000);
    return () => window.clearInterval(timer);
  }, [name]);

  useEffect(() => {
    // what bench/console.ts reads: the publish-to-arrival lag of each batch, the points received
    (window as unknown as { tmlConsolePoints?: PointWindow }).tmlConsolePoints = points;
  }, []);

  useEffect(() => {
    points.clear();
    driftMarkers.current = [];
    const stop = follow(
      `/solutions/${enc(name)}/events?history=${limit}${entity === '' ? '' : `&entity=${enc(entity)}`}`,
      {
        solution: (data) => {
          // a (re)connection starts again from the recent history
          points.clear();
          driftMarkers.current = [];
          setSolution(data as Solution);
        },
        status: (data) => {
          const { state, status } = data as { state: Solution['state']; status?: SolutionStatus };
          setSolution((s) => s && { ...s, state, status });
        },
        predictions: (data) => {
          points.add(data as PredictionPoints);
          setRevision((r) => r + 1);
        },
        version: () => void loadRegistry(),
        drift: (data) => {
          const events = data as DriftEvent[];
          for (const e of events)
            driftMarkers.current.push({ x: e.at / 1000, label: 'drift', kind: 'drift' });
          setDrift((d) => [...events.slice().reverse(), ...d].slice(0, 200));
          setRevision((r) => r + 1);
        },
        optimum: (data) => setOptimum((data as Item[]).at(-1)),
        anomaly: (data) => setAlerts((a) => [...(data as Item[]).slice().reverse(), ...a].slice(0, 50)),
        skipped: (data) => setSkipped((s) => s + ((data as { predictions: number }).predictions ?? 0)),
        deleted: () => setLive({ kind: 'failed', message: `solution ${name} was deleted` }),
      },
      setLive,
    );
    return stop;
  }, [name, limit, entity]);

  const markers = () => [...points.champions, ...driftMarkers.current];
  const predictionData = () => [points.time, points.prediction, points.actual] as never;
  const errorData = () => [points.time, points.error] as never;

  if (live.kind === 'failed' && live.status === 404) {
    return (
      <section>
        <h1>Solution {name}</h1>
        <Notice kind="warn">
          <span data-testid="empty-state">
            There is no solution named “{name}”. <a href={link('solutions')}>See all solutions</a>.
          </span>
        </Notice>
      </section>
    );
  }

  const act = async (verb: 'pause' | 'resume' | 'delete') => {
    if (
      verb === 'delete' &&
      !window.confirm(`Delete solution ${name} and its model registry? Its output topics stay.`)
    )
      return;
    setAction(undefined);
    try {
      if (verb === 'delete') {
        await api('DELETE', `/solutions/${enc(name)}`);
        go('#/solutions');
        return;
      }
      const view = await api<Solution>('POST', `/solutions/${enc(name)}/${verb}`);
      setSolution(view);
      setAction(`${verb === 'pause' ? 'Paused' : 'Resumed'}.`);
    } catch (error) {
      setAction(error instanceof ApiError ? error.message : String(error));
    }
  };

  const status = solution?.status;
  const champion = registry?.champion;
  const lags = points.lags.slice(-50);
  const lag = lags.length === 0 ? undefined : lags.reduce((a, b) => a + b, 0) / lags.length;

  return (
    <section aria-labelledby="solution-title">
      <div class="title-row">
        <h1 id="solution-title">Solution {name}</h1>
        <LiveBanner state={live} />
      </div>
      {solution && (
        <div class="facts" data-testid="solution-facts">
          <Badge kind={solution.state}>
            <span data-testid="solution-state">{solution.state}</span>
          </Badge>
          <Badge kind={status?.condition ?? 'starting'}>{status?.condition ?? 'starting'}</Badge>
          <span>
            champion <strong>{champion ? `${champion.algorithm} v${champion.version}` : '–'}</strong>
            {champion && ` (${(champion.forecastAccuracy * 100).toFixed(1)}%)`}
          </span>
          <span>
            retrains <strong data-testid="retrains">{status?.retrains ?? 0}</strong>
          </span>
          <span>
            drift events <strong data-testid="drift-count">{status?.driftEvents ?? 0}</strong>
          </span>
          <span>
            points <strong data-testid="points">{points.time.length}</strong> (received {points.received})
          </span>
          <span>
            update lag <strong data-testid="lag">{lag === undefined ? '–' : `${Math.round(lag)} ms`}</strong>
          </span>
        </div>
      )}
      {status?.problems.length ? (
        <Notice kind="warn">Last problem: {status.problems.at(-1)!.message}</Notice>
      ) : null}
      {skipped > 0 && (
        <Notice kind="info">{skipped} predictions skipped to stay live (the browser fell behind).</Notice>
      )}
      {who.role === 'admin' && solution && (
        <div class="actions" role="group" aria-label="Solution actions">
          {solution.state === 'running' ? (
            <button type="button" onClick={() => act('pause')}>
              Pause
            </button>
          ) : (
            <button type="button" onClick={() => act('resume')}>
              Resume
            </button>
          )}
          <button type="button" class="danger" onClick={() => act('delete')}>
            Delete
          </button>
          <a href={link('models', name)}>Champion model</a>
        </div>
      )}
      {action && <Notice kind="info">{action}</Notice>}
      {entities.length > 0 && (
        <label class="inline">
          Entity{' '}
          <select
            value={entity}
            data-testid="entity"
            onChange={(e) => setEntity((e.target as HTMLSelectElement).value)}
          >
            <option value="">all ({entities.length})</option>
            {entities.map((e) => (
              <option value={e}>{e}</option>
            ))}
          </select>
        </label>
      )}{' '}
      <label class="inline">
        Points shown{' '}
        <select value={limit} onChange={(e) => setLimit(Number((e.target as HTMLSelectElement).value))}>
          {[1000, 5000, 20000].map((n) => (
            <option value={n}>{n.toLocaleString('en-US')}</option>
          ))}
        </select>
      </label>
      <div class="charts">
        <LiveChart
          title="Predicted and actual values"
          series={[
            { label: 'prediction', stroke: '#1f5fbf' },
            { label: 'actual', stroke: '#999999' },
          ]}
          data={predictionData}
          markers={markers}
          revision={revision}
          testId="prediction-chart"
          name={`${name}-predictions`}
        />
        <LiveChart
          title="Error (moving mean of |actual − prediction| over 50 rows), new champion algorithms and drift marked"
          series={[{ label: 'error', stroke: '#c26a00' }]}
          data={errorData}
          markers={markers}
          revision={revision}
          height={200}
          testId="error-chart"
          name={`${name}-error`}
        />
      </div>
      <Versions registry={registry} entity={registryEntity} />
      <h2>Drift events</h2>
      <Table
        caption="Drift events, newest first"
        name={`${name}-drift`}
        rows={drift.length > 0 ? drift : (registry?.drift ?? [])}
        empty="No drift detected yet."
        columns={[
          { label: 'time', value: (d) => time(d.at) },
          { label: 'entity', value: (d) => d.entity || '–' },
          { label: 'input offset', value: (d) => d.offset },
          { label: 'Page-Hinkley', value: (d) => d.statistic },
          { label: 'champion then', value: (d) => `v${d.championVersion}` },
        ]}
      />
      <div class="two">
        <div>
          <h2>Latest optimum</h2>
          {optimum ? (
            <pre data-testid="optimum">{JSON.stringify(optimum, null, 2)}</pre>
          ) : (
            <p class="empty">No optimum yet (the spec has no optimize section, or no champion yet).</p>
          )}
        </div>
        <div>
          <h2>Anomaly alerts</h2>
          <Table
            caption="Anomaly alerts, newest first"
            name={`${name}-anomalies`}
            rows={alerts}
            empty="No alerts."
            columns={[
              { label: 'offset', value: (a) => (a.record as { offset: number }).offset },
              { label: 'risk', value: (a) => a.risk },
              { label: 'streams', value: (a) => a.anomalousStreams },
            ]}
          />
        </div>
      </div>
      <details>
        <summary>Spec</summary>
        <pre data-testid="spec">{JSON.stringify(solution?.spec ?? {}, null, 2)}</pre>
      </details>
    </section>
  );
}

function Versions({ registry, entity }: { registry: Registry | undefined; entity: string }) {
  const rows = useMemo(() => registry?.history ?? [], [registry]);
  return (
    <>
      <h2>Model versions{entity === '' ? '' : ` of ${entity}`}</h2>
      <Table
        caption="Model versions, newest first, with metrics and lineage"
        name="versions"
        rows={rows}
        rowKey={(v) => `${v.entity}:${v.version}`}
        empty="No model yet."
        columns={[
          { label: 'version', value: (v) => v.version },
          { label: 'algorithm', value: (v) => v.algorithm },
          { label: 'trigger', value: (v) => (v.refreshed ? `${v.trigger} (refit)` : v.trigger) },
          { label: 'accuracy', value: (v) => `${(v.forecastAccuracy * 100).toFixed(1)}%` },
          { label: 'RMSE', value: (v) => show(v.metrics.rmse) },
          { label: 'MAE', value: (v) => show(v.metrics.mae) },
          {
            label: 'replaced',
            value: (v) =>
              v.replaced === undefined
                ? ''
                : 'rmse' in v.replaced
                  ? `v${v.replaced.version} (RMSE ${show(v.replaced.rmse)})`
                  : `v${v.replaced.version} (log-loss ${show(v.replaced.logLoss)})`,
          },
          { label: 'window (lineage)', value: (v) => lineageText(v.lineage) },
          { label: 'promoted', value: (v) => time(v.promotedAt) },
        ]}
      />
    </>
  );
}
