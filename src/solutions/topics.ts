// The platform's own topics for continuous solutions. All are compacted (the latest record per key
// is the state); all live on the backbone, so several tml processes on one Kafka cluster share them.
import type { Backbone } from '../backbone/types.js';

export interface SolutionTopics {
  /** Specs and states, keyed by solution name. Its partitions are the unit of work of the workers. */
  catalog: string;
  /** What the worker running each solution reports, keyed by solution name. */
  status: string;
  /** The model registry: versions, per-entity runner state and drift events (see registry.ts). */
  registry: string;
}

export const DEFAULT_SOLUTION_TOPICS: SolutionTopics = {
  catalog: '__tml_solutions',
  status: '__tml_solution_status',
  registry: '__tml_models',
};

/** The topics of a namespace (TML_NAMESPACE): `__tml_<namespace>.solutions`, ... */
export function solutionTopics(namespace = ''): SolutionTopics {
  if (namespace === '') return DEFAULT_SOLUTION_TOPICS;
  return {
    catalog: `__tml_${namespace}.solutions`,
    status: `__tml_${namespace}.solution_status`,
    registry: `__tml_${namespace}.models`,
  };
}

/** The consumer group of a namespace's workers. */
export function workerGroup(namespace = ''): string {
  return namespace === '' ? 'tml.solution-workers' : `tml.${namespace}.solution-workers`;
}

/**
 * Partitions of the catalog: how many pieces the work can be split into between workers. Twelve
 * spreads evenly over 1, 2, 3, 4 or 6 workers.
 */
export const DEFAULT_CATALOG_PARTITIONS = 12;

export async function ensureSolutionTopics(
  backbone: Backbone,
  topics: SolutionTopics = DEFAULT_SOLUTION_TOPICS,
  catalogPartitions = DEFAULT_CATALOG_PARTITIONS,
): Promise<void> {
  const compacted = { 'cleanup.policy': 'compact' as const };
  await backbone.ensureTopic({ name: topics.catalog, partitions: catalogPartitions, config: compacted });
  await backbone.ensureTopic({ name: topics.status, partitions: 1, config: compacted });
  await backbone.ensureTopic({ name: topics.registry, partitions: 1, config: compacted });
}
