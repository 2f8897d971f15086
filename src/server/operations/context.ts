// What every operation receives: the backbone, the registrations, the limits, the metrics and who is
// asking. The VIPER and /v1 faces build it per request; operations never see HTTP.
import type { AlertMailer } from '../alert-mail.js';
import type { TrainingPool } from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import type { RecordShapers } from '../../streams/index.js';
import type { SolutionCatalog } from '../../solutions/catalog-types.js';
import type { Principal } from '../auth/authenticator.js';
import type { KeyedMutex } from '../keyed-mutex.js';
import type { ServerMetrics } from '../metrics.js';
import type { ServerStore } from '../store/records.js';
import type { TrainingSlots } from '../training-slots.js';
import type { UsageRecorder } from './aims/usage.js';

export interface ServerLimits {
  /** The largest record value accepted, in bytes. */
  maxMessageBytes: number;
  /** The most records one consume call returns. */
  maxConsumeRecords: number;
  topicDefaults: { partitions: number; replicationFactor: number };
  /** Trainings one token may run at once (`maxTrainingsPerToken`, default 2). */
  maxTrainingsPerToken: number;
  /** Consumer ids one token may hold (`maxRegistrationsPerToken`, default 10,000). */
  maxRegistrationsPerToken: number;
}

/** Shared by every request of one server. */
export interface ServerServices {
  backbone: Backbone;
  store: ServerStore;
  limits: ServerLimits;
  metrics: ServerMetrics;
  locks: KeyedMutex;
  /** How the core's records are written into topics (the VIPER face's keys). */
  shapers: RecordShapers;
  /** Mails alert records (config file `alertMail`); absent: no mail server is configured. */
  alertMailer?: AlertMailer;
  /** Worker threads for AutoML training (one pool per server, started on first use); absent: inline. */
  trainingPool?: () => TrainingPool;
  /** Where this server listens, for areyoubusy. */
  address: () => { host: string; port: number };
  /** Requests being served now, for areyoubusy. */
  inFlight: () => number;
  /** Trainings in flight per token; absent (the local command line): unbounded. */
  trainings?: TrainingSlots;
  /** The solutions' catalog, opened on first use (it creates its topics on the backbone). */
  solutions: () => Promise<SolutionCatalog>;
  /** Reads and writes counted for AiMS; absent (the local command line): not counted. */
  usage?: UsageRecorder;
  /** ms since the epoch (default Date.now): AiMS's rules count days by it, tests move it. */
  clock?: () => number;
}

export interface OperationContext extends ServerServices {
  principal: Principal;
}
