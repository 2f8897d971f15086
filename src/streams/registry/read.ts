// Reading a model line back: the entity's state with its champion, the history, the entities.
import type { MetadataStore } from '../../backbone/metadata-store.js';
import { REGISTRY_HISTORY, registryKeys } from './keys.js';
import type { DriftEvent, EntityState, ModelRegistryView, ModelVersion } from './types.js';

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
  for (const key of await store.keys(prefix)) {
    if (key.endsWith('/state')) entities.add(decodeURIComponent(key.slice(prefix.length, -'/state'.length)));
  }
  return [...entities].sort();
}
