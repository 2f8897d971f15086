// An operation context for the local command line: whoever can open the data directory already
// holds every record in it, so `tml token ...` runs as an administrator without a token.
import type { Backbone } from '../backbone/types.js';
import type { TmlConfig } from '../config/config.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ServerMetrics } from './metrics.js';
import type { OperationContext } from './operations/context.js';
import { openServerStore } from './store/metadata-collection.js';
import { viperShapers } from './viper/records.js';

export async function localAdminContext(backbone: Backbone, config: TmlConfig): Promise<OperationContext> {
  let catalog: ReturnType<OperationContext['solutions']> | undefined;
  return {
    backbone,
    // a one-shot command: it reads the store up to its end and needs no follower
    store: await openServerStore(backbone, { follow: false }),
    limits: {
      maxMessageBytes: config.maxMessageBytes,
      maxConsumeRecords: 1000,
      topicDefaults: config.topicDefaults,
      maxTrainingsPerToken: config.maxTrainingsPerToken,
      maxRegistrationsPerToken: config.maxRegistrationsPerToken,
    },
    metrics: new ServerMetrics({ processMetrics: false }),
    locks: new KeyedMutex(),
    shapers: viperShapers,
    address: () => ({ host: '', port: 0 }),
    inFlight: () => 0,
    solutions: () =>
      (catalog ??= Promise.all([import('../solutions/catalog.js'), import('../solutions/topics.js')]).then(
        ([{ openSolutionCatalog }, { solutionTopics }]) =>
          openSolutionCatalog(backbone, { topics: solutionTopics(config.namespace) }),
      )),
    principal: { tokenId: 'local', role: 'admin' },
  };
}
