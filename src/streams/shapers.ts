// How a step's domain record becomes the value written into a topic. The core writes its own
// neutral JSON unless a face registers shapers (the VIPER face does: its clients read VIPER's keys
// from the topics), so the core never names a face's keys.
import { randomBytes } from 'node:crypto';
import type { ModelRecord } from './steps/model-record.js';
import type { AnomalyRecord, PeerGroupsRecord } from './steps/anomaly.js';
import type { OptimizationRecord } from './steps/optimize.js';
import type { PredictionRecord } from './steps/predict.js';
import type { StatisticRecord } from './steps/preprocess.js';
import type { CoefficientRecord } from './steps/controls/coefficients.js';
import type { CorrelationRecord } from './steps/correlate.js';
import type { ClusterRecord } from './steps/cluster.js';
import type { AlertRecord } from './steps/alert.js';
import type { SearchAnomalyRecord } from './steps/search-anomaly.js';

/** Who asked for a record, for shapers that write it into the record (ids, company, deploy flags). */
export interface CallDetails {
  consumerId?: string;
  producerId?: string;
  companyName?: string;
  deploy?: number;
  produceTo?: string;
  /** The device the call was for (VIPER's `topicid`). */
  device?: string;
}

export interface RecordShapers {
  /** The value written for a trained model; `key` is the record's key. */
  model(record: ModelRecord, call: CallDetails, key: string): unknown;
  /** The model record a topic holds, or undefined when the value is not one. */
  readModel(value: unknown): ModelRecord | undefined;
  prediction(record: PredictionRecord, call: CallDetails, key: string): unknown;
  optimization(record: OptimizationRecord, call: CallDetails, key: string): unknown;
  /** The value written for trained peer groups, and read back (undefined: not peer groups). */
  peerGroups(record: PeerGroupsRecord): unknown;
  readPeerGroups(value: unknown): PeerGroupsRecord | undefined;
  anomaly(record: AnomalyRecord, key: string): unknown;
  statistic(record: StatisticRecord, call: CallDetails, key: string): unknown;
  /** One parameter estimate streamed to a coefficient topic. */
  coefficient(record: CoefficientRecord, call: CallDetails, key: string): unknown;
  correlation(record: CorrelationRecord, call: CallDetails, key: string): unknown;
  cluster(record: ClusterRecord, call: CallDetails, key: string): unknown;
  alert(record: AlertRecord, key: string): unknown;
  searchAnomaly(record: SearchAnomalyRecord, call: CallDetails, key: string): unknown;
}

export const MODEL_RECORD_KIND = 'tml-model';
export const PEER_GROUPS_KIND = 'tml-peer-groups';

/** The core's own shapes: the domain records as they are. */
export const neutralShapers: RecordShapers = {
  model: (record) => ({ kind: MODEL_RECORD_KIND, ...record }),
  readModel(value) {
    const r = value as (Partial<ModelRecord> & { kind?: string }) | null;
    if (r === null || typeof r !== 'object' || r.kind !== MODEL_RECORD_KIND || r.model === undefined)
      return undefined;
    return r as ModelRecord;
  },
  prediction: (record) => record,
  optimization: ({ search: _search, ...record }) => record,
  peerGroups: (record) => ({ kind: PEER_GROUPS_KIND, ...record }),
  readPeerGroups(value) {
    const r = value as (Partial<PeerGroupsRecord> & { kind?: string }) | null;
    if (r === null || typeof r !== 'object' || r.kind !== PEER_GROUPS_KIND || !Array.isArray(r.peerGroups)) {
      return undefined;
    }
    return r as PeerGroupsRecord;
  },
  anomaly: (record) => record,
  statistic: (record) => record,
  coefficient: (record) => record,
  correlation: (record) => record,
  cluster: (record) => record,
  alert: (record) => record,
  searchAnomaly: (record) => record,
};

/** A record key: 30 random URL-safe characters. */
export function recordKey(): string {
  return randomBytes(24).toString('base64url').slice(0, 30);
}
