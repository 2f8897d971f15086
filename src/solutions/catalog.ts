// The operations on solutions (create, list, describe, pause, resume, delete, the registry), over the
// catalog, status and registry topics. One implementation behind /v1, the VIPER batch endpoints and
// the CLI; the workers (worker.ts) act on what it writes.
import { MetadataStore } from '../backbone/metadata-store.js';
import type { Backbone } from '../backbone/types.js';
import { CatalogLog, type CatalogEntry } from './catalog-log.js';
import type {
  ModelRegistryView,
  SolutionCatalog,
  SolutionState,
  SolutionStatus,
  SolutionView,
} from './catalog-types.js';
import { SolutionExistsError, UnknownSolutionError } from './errors.js';
import { incarnation, readRegistry, registryEntities, registryKeys } from '../streams/registry/index.js';
import { validateSolutionSpec } from './spec.js';
import { updatedSpec } from './spec-update.js';
import {
  DEFAULT_CATALOG_PARTITIONS,
  DEFAULT_SOLUTION_TOPICS,
  ensureSolutionTopics,
  type SolutionTopics,
} from './topics.js';

export interface SolutionCatalogOptions {
  topics?: SolutionTopics;
  catalogPartitions?: number;
  now?: () => number;
}

class TopicSolutionCatalog implements SolutionCatalog {
  constructor(
    private readonly backbone: Backbone,
    private readonly topics: SolutionTopics,
    private readonly log: CatalogLog,
    private readonly status: MetadataStore,
    private readonly registry: MetadataStore,
    private readonly now: () => number,
  ) {}

  async create(input: unknown): Promise<SolutionView> {
    const spec = validateSolutionSpec(input);
    await this.log.refresh();
    if (this.log.get(spec.name) !== undefined) throw new SolutionExistsError(spec.name);
    const at = this.now();
    const entry: CatalogEntry = { name: spec.name, spec, state: 'running', createdAt: at, updatedAt: at };
    await this.write(entry);
    return this.view(entry);
  }

  async update(name: string, patch: unknown): Promise<SolutionView> {
    const entry = await this.entry(name);
    const spec = updatedSpec(entry.spec, patch);
    // the same createdAt: the same incarnation, so the registry, champions and committed offsets stay
    const updated: CatalogEntry = { ...entry, spec, updatedAt: this.now() };
    await this.write(updated);
    return this.view(updated);
  }

  async list(): Promise<SolutionView[]> {
    await this.log.refresh();
    await this.status.refresh();
    return Promise.all(this.log.items().map((item) => this.view(item.entry)));
  }

  async describe(name: string): Promise<SolutionView> {
    return this.view(await this.entry(name));
  }

  pause(name: string): Promise<SolutionView> {
    return this.setState(name, 'paused');
  }

  resume(name: string): Promise<SolutionView> {
    return this.setState(name, 'running');
  }

  async delete(name: string): Promise<void> {
    const entry = await this.entry(name);
    await this.backbone.produce(this.topics.catalog, [{ key: name, value: null }]);
    await this.log.refresh();
    await this.backbone.produce(this.topics.status, [{ key: name, value: null, partition: 0 }]);
    // The registry of this incarnation goes too: a solution created again under the same name
    // starts a new history (its registry prefix and consumer group carry the creation time).
    const keys = await this.registry.keys(registryKeys.solution(incarnation(entry)));
    for (let i = 0; i < keys.length; i += 500) {
      await this.backbone.produce(
        this.topics.registry,
        keys.slice(i, i + 500).map((key) => ({ key, value: null, partition: 0 })),
      );
    }
  }

  async models(name: string, options: { entity?: string; limit?: number } = {}): Promise<ModelRegistryView> {
    const entry = await this.entry(name);
    return readRegistry(this.registry, incarnation(entry), options.entity ?? '', options.limit);
  }

  async entities(name: string): Promise<string[]> {
    return registryEntities(this.registry, incarnation(await this.entry(name)));
  }

  private async entry(name: string): Promise<CatalogEntry> {
    await this.log.refresh();
    const item = this.log.get(name);
    if (item === undefined) throw new UnknownSolutionError(name);
    return item.entry;
  }

  private async setState(name: string, state: SolutionState): Promise<SolutionView> {
    const entry = await this.entry(name);
    if (entry.state === state) return this.view(entry);
    const updated: CatalogEntry = { ...entry, state, updatedAt: this.now() };
    await this.write(updated);
    return this.view(updated);
  }

  private async write(entry: CatalogEntry): Promise<void> {
    // keyed by name: murmur2 puts a solution on the same catalog partition on both backbones
    await this.backbone.produce(this.topics.catalog, [{ key: entry.name, value: JSON.stringify(entry) }]);
    await this.log.refresh();
  }

  private async view(entry: CatalogEntry): Promise<SolutionView> {
    const status = await this.status.get<SolutionStatus & { incarnation?: string }>(entry.name);
    const current = status !== undefined && status.incarnation === incarnation(entry);
    const { incarnation: _incarnation, ...shown } = status ?? { incarnation: undefined };
    return {
      name: entry.name,
      spec: entry.spec,
      state: entry.state,
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
      ...(current ? { status: shown as SolutionStatus } : {}),
    };
  }
}

/** Opens the solutions' catalog on a backbone, creating its topics when missing. */
export async function openSolutionCatalog(
  backbone: Backbone,
  options: SolutionCatalogOptions = {},
): Promise<SolutionCatalog> {
  const topics = options.topics ?? DEFAULT_SOLUTION_TOPICS;
  await ensureSolutionTopics(backbone, topics, options.catalogPartitions ?? DEFAULT_CATALOG_PARTITIONS);
  const log = new CatalogLog(backbone, topics.catalog);
  await log.refresh();
  const status = await MetadataStore.open(backbone, { topic: topics.status });
  const registry = await MetadataStore.open(backbone, { topic: topics.registry });
  return new TopicSolutionCatalog(backbone, topics, log, status, registry, options.now ?? Date.now);
}
