// A `tml worker` on Kafka runs the solutions of one deployment: the catalog of its namespace must be
// there already (`tml serve` creates it). A worker whose TML_NAMESPACE names no deployment would
// otherwise create an empty catalog and idle forever; it says so and exits instead.
import type { Backbone } from '../backbone/types.js';
import type { SolutionTopics } from '../solutions/topics.js';
import { UsageError } from './errors.js';

export async function checkWorkerNamespace(
  backbone: Backbone,
  namespace: string,
  topics: SolutionTopics,
): Promise<void> {
  if (backbone.kind !== 'kafka') return; // embedded: the worker owns its data directory
  if ((await backbone.listTopics()).includes(topics.catalog)) return;
  throw new UsageError(
    `TML_NAMESPACE='${namespace}': the Kafka cluster has no solutions catalog '${topics.catalog}'; ` +
      'start `tml serve` with this namespace first, or give the namespace your server uses',
  );
}
