// A solution's champion model: algorithm, hyperparameters, metrics, parameters and, for tree
// ensembles, feature importances.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, enc } from '../api.js';
import { Notice, Table, show } from '../components.js';
import { link } from '../router.js';
import type { Registry, SolutionView } from '../types.js';

interface Training {
  algokey: string;
  algorithm: string;
  topic: string;
  offset: number;
  createdAt: string;
  dependentVariable?: string;
  trainingRows?: number;
  selectionMetric?: string;
  leaderboard?: Array<{ algorithm: string; metrics: Record<string, number>; fitMs: number; error?: string }>;
}

/** Trainings run through the API (VIPER viperhpdetraining, POST /v1/models), each with its leaderboard. */
function Trainings() {
  const [trainings, setTrainings] = useState<Training[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ trainings: Training[] }>('GET', '/trainings').then(
      (r) => setTrainings(r.trainings),
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, []);
  return (
    <>
      <h2>Trainings through the API</h2>
      {error && <Notice kind="warn">{error}</Notice>}
      {trainings?.length === 0 && <p class="empty">No model trained through the API yet.</p>}
      {trainings?.map((t) => (
        <details key={t.algokey}>
          <summary>
            {t.algokey}: <strong>{t.algorithm}</strong> for {t.dependentVariable ?? '?'} on{' '}
            {t.trainingRows ?? '?'} rows, {t.createdAt} ({t.topic} offset {t.offset})
          </summary>
          <Table
            caption={`Leaderboard of ${t.algokey}, best first by ${t.selectionMetric ?? 'the selection metric'}`}
            name={`${t.algokey}-leaderboard`}
            rows={t.leaderboard ?? []}
            empty="The training's record is no longer stored."
            columns={[
              { label: 'algorithm', value: (e) => e.algorithm },
              ...['rmse', 'mae', 'r2', 'forecastAccuracy'].map((m) => ({
                label: m,
                value: (e: NonNullable<Training['leaderboard']>[number]) => show(e.metrics[m]),
              })),
              { label: 'fit ms', value: (e) => e.fitMs },
              { label: 'error', value: (e) => e.error ?? '' },
            ]}
          />
        </details>
      ))}
    </>
  );
}

export function Models({ name }: { name?: string }) {
  const [solutions, setSolutions] = useState<SolutionView[]>([]);
  const [registry, setRegistry] = useState<Registry | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ solutions: SolutionView[] }>('GET', '/solutions').then(
      (r) => setSolutions(r.solutions),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    setRegistry(undefined);
    if (name === undefined) return;
    api<Registry>('GET', `/solutions/${enc(name)}/models`).then(setRegistry, (e: unknown) =>
      setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [name]);
  const model = registry?.champion?.model;
  const importance = Array.isArray(model?.parameters.importance)
    ? (model!.parameters.importance as number[])
    : undefined;
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models{name ? ` of ${name}` : ''}</h1>
      <nav aria-label="Solutions" class="chips">
        {solutions.map((s) => (
          <a href={link('models', s.name)} aria-current={s.name === name ? 'page' : undefined}>
            {s.name}
          </a>
        ))}
      </nav>
      {error && <Notice kind="error">{error}</Notice>}
      {name === undefined && (
        <>
          <p>Pick a solution to see its champion model.</p>
          <Trainings />
        </>
      )}
      {registry && !model && <p class="empty">No champion yet.</p>}
      {model && (
        <>
          <p>
            Champion <strong data-testid="model-algorithm">{model.algorithm}</strong> v
            {registry!.champion!.version}, trained {model.trainedAt} on {model.rows} rows to predict{' '}
            <strong>{model.targetName}</strong> from {model.featureNames.join(', ')}.
          </p>
          <Table
            caption="Holdout metrics of the champion"
            name={`${name}-metrics`}
            rows={Object.entries(model.metrics)}
            columns={[
              { label: 'metric', value: ([k]) => k },
              { label: 'value', value: ([, v]) => show(v) },
            ]}
          />
          {importance && (
            <>
              <h2>Feature importances</h2>
              <ul class="bars" data-testid="importances">
                {model.featureNames.map((f, i) => (
                  <li>
                    <span class="bar-label">{f}</span>
                    <span class="bar" style={{ width: `${Math.round((importance[i] ?? 0) * 100)}%` }} />
                    <span>{((importance[i] ?? 0) * 100).toFixed(1)}%</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>Hyperparameters</h2>
          <pre>{JSON.stringify(model.hyperparameters, null, 2)}</pre>
          <details>
            <summary>Parameters</summary>
            <pre>{JSON.stringify(model.parameters, null, 2).slice(0, 200_000)}</pre>
          </details>
        </>
      )}
    </section>
  );
}
