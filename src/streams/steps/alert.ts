// Alerts: every alerting step writes the same record, so one consumer (or the mailer) reads them
// all. An alert is a named stream `alerts` of the topic it is written to (docs/stream-analytics.md).
import type { Backbone } from '../../backbone/types.js';
import { recordKey, type RecordShapers } from '../shapers.js';
import { STREAM_HEADER, VALUE_HEADER } from '../stream-address.js';

/** The named stream alerts are written as. */
export const ALERT_STREAM = 'alerts';

export type AlertKind = 'clusterSize' | 'anomaly' | 'searchAnomaly' | 'streamQuery';

export interface AlertRecord {
  kind: AlertKind;
  /** The topic (or stream) the alert is about. */
  source: string;
  /** One sentence a person can act on. */
  message: string;
  /** What crossed the threshold: a cluster, a stream, a query. */
  subject: string;
  /** The measured value and the threshold it crossed. */
  value: number;
  threshold: number;
  /** The step's own facts (cluster sizes, scores, query terms). */
  details: Record<string, unknown>;
  identifier: string;
  createdAt: Date;
}

export interface WrittenAlert extends AlertRecord {
  topic: string;
  partition: number;
  offset: number;
}

export async function writeAlerts(
  services: { backbone: Backbone; shapers: RecordShapers },
  topic: string,
  alerts: readonly AlertRecord[],
): Promise<WrittenAlert[]> {
  if (alerts.length === 0) return [];
  const keys = alerts.map(() => recordKey());
  const written = await services.backbone.produce(
    topic,
    alerts.map((a, i) => ({
      key: keys[i],
      value: JSON.stringify(services.shapers.alert(a, keys[i])),
      headers: { [STREAM_HEADER]: Buffer.from(ALERT_STREAM), [VALUE_HEADER]: Buffer.from(String(a.value)) },
    })),
  );
  return alerts.map((a, i) => ({ ...a, topic, partition: written[i].partition, offset: written[i].offset }));
}
