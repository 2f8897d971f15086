// The one model registry. Solutions' runners write their versions inside their transactions (with
// `registryKeys`) and read them back here; one-shot trainings (the VIPER and /v1 training calls, the
// CLI) register through `register`, which numbers the version, makes it the line's champion and
// points an alias at the line (a VIPER algokey is such an alias). Aliases are served from memory, so
// a prediction by alias costs no I/O; a miss re-reads the store (another process may have trained),
// and a change of an alias, its deployed model or its line's champion, written here or by another
// process the store follows, drops what memory held for it (per-device ones too).
import { LruCache } from '../../backbone/lru.js';
import type { MetadataStore } from '../../backbone/metadata-store.js';
import { deviceLine, REGISTRY_HISTORY, registryKeys } from './keys.js';
import { readEntityState, readRegistry, registryEntities } from './read.js';
import type { EntityState, ModelAlias, ModelRegistryView, ModelVersion } from './types.js';

/** The model line of one-shot trainings: one entity per alias. */
export const ONE_SHOT_LINE = '_one-shot';

export type NewModelVersion = Omit<
  ModelVersion,
  'version' | 'promotedAt' | 'retrain' | 'solution' | 'entity'
> & {
  solution?: string;
  entity: string;
  /** Points this alias at the line's champion; with `device`, the alias's model of that device. */
  alias?: string;
  /** A device's model: the line is the alias's device line (`deviceLine`), the entity the device. */
  device?: string;
  /** Also promotes the version to the alias's deployed model ("deploy" rather than "models"). */
  deploy?: boolean;
  now?: number;
};

/** Device champions kept in memory (with their model bodies); the rest are read when asked for. */
export const DEVICE_CACHE_ENTRIES = 256;

export class ModelRegistry {
  readonly #aliases = new Map<string, ModelVersion>();
  readonly #deployed = new Map<string, ModelVersion>();
  /** Per-device champions and deployed models, by `alias \0 device` (bounded: devices are many). */
  readonly #devices = new LruCache<string, ModelVersion>(DEVICE_CACHE_ENTRIES);
  readonly #devicesDeployed = new LruCache<string, ModelVersion>(DEVICE_CACHE_ENTRIES);
  /** Registrations of one line run one after the other, so version numbers never repeat. */
  readonly #lines = new Map<string, Promise<unknown>>();
  /** Counts the changes that dropped cached models: a read that raced one must not be cached. */
  #changes = 0;

  constructor(readonly store: MetadataStore) {
    store.onChange((key) => this.#changed(key));
  }

  #changed(key: string): void {
    if (key.startsWith(registryKeys.aliases)) {
      this.#changes++;
      this.#aliases.delete(decodeURIComponent(key.slice(registryKeys.aliases.length)));
    } else if (key.startsWith(registryKeys.deployedAll)) {
      this.#changes++;
      // `d/<alias>` or, for a device, `d/<alias>/<device>` (both parts URI-encoded: no '/' inside)
      const [alias = '', device] = key.slice(registryKeys.deployedAll.length).split('/');
      if (device === undefined) this.#deployed.delete(decodeURIComponent(alias));
      else
        this.#devicesDeployed.delete(deviceCacheKey(decodeURIComponent(alias), decodeURIComponent(device)));
    } else if (key.startsWith('m/') && key.endsWith('/state')) {
      this.#changes++;
      const device = deviceOfState(key);
      if (device !== undefined) this.#devices.delete(deviceCacheKey(device.alias, device.device));
      for (const [alias, champion] of this.#aliases) {
        if (registryKeys.state(champion.solution, champion.entity) === key) this.#aliases.delete(alias);
      }
    }
  }

  /** Registers a new version of a line as its champion; answers it with its number. */
  async register(input: NewModelVersion): Promise<ModelVersion> {
    const solution =
      input.device !== undefined && input.alias !== undefined
        ? deviceLine(input.alias)
        : (input.solution ?? ONE_SHOT_LINE);
    if (input.device !== undefined) input = { ...input, entity: input.device };
    const key = registryKeys.entity(solution, input.entity);
    const previous = this.#lines.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#register(solution, input));
    this.#lines.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#lines.get(key) === next) this.#lines.delete(key);
    }
  }

  async #register(solution: string, input: NewModelVersion): Promise<ModelVersion> {
    const { alias, now, deploy, device, solution: _s, ...fields } = input;
    const { state } = await readEntityState(this.store, solution, input.entity);
    const number = (state?.championVersion ?? 0) + 1;
    const version: ModelVersion = {
      ...fields,
      solution,
      entity: input.entity,
      version: number,
      retrain: (state?.retrains ?? 0) + 1,
      promotedAt: now ?? Date.now(),
    };
    const oldest = state?.oldestVersion ?? 1;
    const next: EntityState = {
      retrains: version.retrain,
      lastRetrainAt: version.promotedAt,
      championVersion: number,
      oldestVersion: number - oldest >= REGISTRY_HISTORY ? oldest + 1 : oldest,
      driftEvents: state?.driftEvents ?? 0,
      rowsSinceRetrain: 0,
      predictions: state?.predictions ?? 0,
    };
    await this.store.put(registryKeys.version(solution, input.entity, number), version);
    await this.store.put(registryKeys.state(solution, input.entity), next);
    if (next.oldestVersion > oldest)
      await this.store.delete(registryKeys.version(solution, input.entity, oldest));
    if (alias !== undefined && device !== undefined) {
      const key = deviceCacheKey(alias, device);
      this.#devices.set(key, version);
      if (deploy === true) {
        await this.store.put(registryKeys.deployedDevice(alias, device), version);
        this.#devicesDeployed.set(key, version);
      }
    } else if (alias !== undefined) {
      const target: ModelAlias = { alias, solution, entity: input.entity };
      await this.store.put(registryKeys.alias(alias), target);
      if (deploy === true) await this.store.put(registryKeys.deployed(alias), version);
    }
    return version;
  }

  /** The champion an alias points at, or undefined when the alias names no model. */
  async resolve(alias: string): Promise<ModelVersion | undefined> {
    const cached = this.#aliases.get(alias);
    if (cached !== undefined) return cached;
    const changes = this.#changes;
    const target = await this.store.get<ModelAlias>(registryKeys.alias(alias));
    if (target === undefined) return undefined;
    const { champion } = await readEntityState(this.store, target.solution, target.entity);
    if (champion !== undefined && changes === this.#changes) this.#aliases.set(alias, champion);
    return champion;
  }

  /** The champion of a device's model under an alias, or undefined when the device has none. */
  async resolveDevice(alias: string, device: string): Promise<ModelVersion | undefined> {
    const key = deviceCacheKey(alias, device);
    const cached = this.#devices.get(key);
    if (cached !== undefined) return cached;
    const { champion } = await readEntityState(this.store, deviceLine(alias), device);
    if (champion !== undefined) this.#devices.set(key, champion);
    return champion;
  }

  /** A device's version promoted to "deploy" under an alias, or undefined when none was. */
  async resolveDeployedDevice(alias: string, device: string): Promise<ModelVersion | undefined> {
    const key = deviceCacheKey(alias, device);
    const cached = this.#devicesDeployed.get(key);
    if (cached !== undefined) return cached;
    const stored = await this.store.get<ModelVersion>(registryKeys.deployedDevice(alias, device));
    if (stored !== undefined) this.#devicesDeployed.set(key, stored);
    return stored;
  }

  /** The version promoted to "deploy" for an alias, or undefined when none was. */
  async resolveDeployed(alias: string): Promise<ModelVersion | undefined> {
    const cached = this.#deployed.get(alias);
    if (cached !== undefined) return cached;
    const changes = this.#changes;
    const stored = await this.store.get<ModelVersion>(registryKeys.deployed(alias));
    if (stored !== undefined && changes === this.#changes) this.#deployed.set(alias, stored);
    return stored;
  }

  /** Every alias with the champion it points at, by alias. */
  async aliases(): Promise<Array<{ alias: string; champion: ModelVersion }>> {
    const out: Array<{ alias: string; champion: ModelVersion }> = [];
    for (const { value } of await this.store.list<ModelAlias>(registryKeys.aliases)) {
      const champion = await this.resolve(value.alias);
      if (champion !== undefined) out.push({ alias: value.alias, champion });
    }
    return out;
  }

  state(solution: string, entity: string): Promise<{ state?: EntityState; champion?: ModelVersion }> {
    return readEntityState(this.store, solution, entity);
  }

  read(solution: string, entity: string, limit?: number): Promise<ModelRegistryView> {
    return readRegistry(this.store, solution, entity, limit);
  }

  entities(solution: string): Promise<string[]> {
    return registryEntities(this.store, solution);
  }
}

/** The alias and device of a device line's state key (`m/<device line>/<device>/state`), if it is one. */
function deviceOfState(key: string): { alias: string; device: string } | undefined {
  const prefix = `m/${deviceLine('')}`;
  if (!key.startsWith(prefix)) return undefined;
  const [alias, device] = key.slice(prefix.length, -'/state'.length).split('/');
  if (alias === undefined || device === undefined) return undefined;
  return { alias: decodeURIComponent(alias), device: decodeURIComponent(device) };
}

function deviceCacheKey(alias: string, device: string): string {
  return `${alias}\u0000${device}`;
}
