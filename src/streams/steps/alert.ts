// Alerts: every alerting step writes the same record, so one consumer (or the mailer) reads them
// all. An alert is a named stream `alerts` of the topic it is written to (docs/stream-analytics.md).
import type { Backbone } from '../../backbone/types.js';
import { recordKey, type RecordShapers } from '../shapers.js';
import { STREAM_HEADER, VALUE_HEADER } from '../stream-address.js';
import { queryStreams, type StreamQueryInput, type WrittenQueryResult } from './stream-query.js';

/** The named stream alerts are written as. */
export const ALERT_STREAM = 'alerts';

/** `aims`: an AiMS rule (an idle consumer id, a solution paused or resumed). */
export type AlertKind = 'clusterSize' | 'anomaly' | 'searchAnomaly' | 'streamQuery' | 'aims';

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

/** The alert of a scored anomaly record, when it raised one. */
export function anomalyAlert(
  record: { risk: number; alert: boolean; anomalousStreams: string[]; scores: unknown[] },
  source: string,
  riskscore: number,
  createdAt = new Date(),
): AlertRecord[] {
  if (!record.alert) return [];
  return [
    {
      kind: 'anomaly',
      source,
      message: `streams ${record.anomalousStreams.join(', ')} of '${source}' are anomalous: risk ${record.risk.toFixed(3)} >= ${riskscore}`,
      subject: record.anomalousStreams.join(','),
      value: record.risk,
      threshold: riskscore,
      details: { anomalousStreams: record.anomalousStreams, scores: record.scores },
      identifier: '',
      createdAt,
    },
  ];
}

/** One alert per stream query that holds. */
export function queryAlerts(
  results: ReadonlyArray<{
    query: string;
    result: 0 | 1;
    identifier: string;
    description: string;
    inputs: Record<string, unknown>;
    partition: number;
    offset: number;
  }>,
  source: string,
  createdAt = new Date(),
): AlertRecord[] {
  return results
    .filter((r) => r.result === 1)
    .map((r) => ({
      kind: 'streamQuery' as const,
      source,
      message: `query '${r.query}' on '${source}' holds${r.description ? ` (${r.description})` : ''}`,
      subject: r.query,
      value: 1,
      threshold: 1,
      details: { inputs: r.inputs, result: { partition: r.partition, offset: r.offset } },
      identifier: r.identifier,
      createdAt,
    }));
}

/**
 * A stream query as every face and solution runs it: the results, then one alert record for each
 * that holds, written after them into the same topic.
 */
export async function queryStreamsWithAlerts(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: StreamQueryInput & { produceTo: string },
): Promise<{ results: WrittenQueryResult[]; alerts: WrittenAlert[] }> {
  const results = await queryStreams(services.backbone, input);
  const alerts = await writeAlerts(services, input.produceTo, queryAlerts(results, input.topic));
  return { results, alerts };
}
