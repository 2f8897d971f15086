// The model registry, in a compacted topic: per solution (incarnation) and entity, every champion
// version with its metrics and lineage, the runner's state (so a worker that takes over continues
// the count and the schedule), and the drift events. Runners write it inside their transactions;
// readers see only what was committed.
import type { DriftEvent, ModelRegistryView, ModelVersion } from './catalog-types.js';
import type { CatalogEntry } from './catalog-log.js';
import type { MetadataStore } from '../backbone/metadata-store.js';

/** Versions and drift events kept per entity; older ones are tombstoned as new ones come. */
export const REGISTRY_HISTORY = 20;

/** What a runner needs to continue an entity after a restart or a takeover. */
export interface EntityState {
  retrains: number;
  lastRetrainAt: number;
  championVersion: number;
  /** The oldest version and drift event still kept (older ones were tombstoned). */
  oldestVersion: number;
  driftEvents: number;
  /** Rows learnt since the last retrain (the every-K-rows trigger continues from it). */
  rowsSinceRetrain: number;
  /** Predictions published for this entity so far. */
  predictions: number;
}

/** A solution's registry prefix: a solution deleted and created again starts a new history. */
export function incarnation(entry: Pick<CatalogEntry, 'name' | 'createdAt'>): string {
  return `${entry.name}.${entry.createdAt}`;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const registryKeys = {
  solution: (solution: string): string => `m/${solution}/`,
  entity: (solution: string, entity: string): string => `m/${solution}/${encodeURIComponent(entity)}/`,
  state: (solution: string, entity: string): string => `${registryKeys.entity(solution, entity)}state`,
  version: (solution: string, entity: string, version: number): string =>
    `${registryKeys.entity(solution, entity)}v/${pad(version, 10)}`,
  drift: (solution: string, entity: string, index: number): string =>
    `${registryKeys.entity(solution, entity)}drift/${pad(index, 10)}`,
};

export async function readEntityState(
  store: MetadataStore,
  solution: string,
  entity: string,
): Promise<{ state?: EntityState; champion?: ModelVersion }> {
  const state = await store.get<EntityState>(registryKeys.state(solution, entity));
  if (state === undefined || state.championVersion === 0) return { state };
  const champion = await store.get<ModelVersion>(
    registryKeys.version(solution, entity, state.championVersion),
  );
  return { state, champion };
}

export async function readRegistry(
  store: MetadataStore,
  solution: string,
  entity: string,
  limit = REGISTRY_HISTORY,
): Promise<ModelRegistryView> {
  const prefix = registryKeys.entity(solution, entity);
  const { champion } = await readEntityState(store, solution, entity);
  const history = (await store.list<ModelVersion>(`${prefix}v/`)).map((e) => e.value).reverse();
  const drift = (await store.list<DriftEvent>(`${prefix}drift/`)).map((e) => e.value).reverse();
  return { champion, history: history.slice(0, limit), drift: drift.slice(0, limit) };
}

export async function registryEntities(store: MetadataStore, solution: string): Promise<string[]> {
  const prefix = registryKeys.solution(solution);
  const entities = new Set<string>();
  for (const { key } of await store.list(prefix)) {
    if (key.endsWith('/state')) entities.add(decodeURIComponent(key.slice(prefix.length, -'/state'.length)));
  }
  return [...entities].sort();
}
