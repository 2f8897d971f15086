// The stream-cluster step (VIPER's streamcluster): k-means over the JSON records of a topic's
// newest window. Each record gives a point from the numbers at `valueKeys` (JSON paths), after an
// optional filter (`path=value`) and value condition (`> .5`); with `groupKey` the points are the
// groups (each the mean of its records). The result — every cluster's size and centre, every
// point's cluster — is one record of the output topic; clusters larger than `alertOnClusterSize`
// raise one alert record (steps/alert.ts).
import {
  InvalidInputError,
  kMeansIterations,
  type ClusterDistance,
  type KMeansResult,
} from '../../automl/index.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import { STREAM_HEADER } from '../stream-address.js';
import { latestRecords } from '../window.js';
import { writeAlerts, type WrittenAlert } from './alert.js';
import { pointsOf, type ClusterPoint, type PointOptions } from './cluster-points.js';
import { CLUSTER_REPORT_STREAM, clusterReportPdf, type ClusterReportFormat } from './cluster-report.js';

export { valueAtPath } from './cluster-points.js';

export interface StreamClusterInput extends PointOptions {
  /** The topic whose records are clustered (JSON objects). */
  topic: string;
  maxRows: number;
  offset?: number;
  /** JSON paths (`a.b.0.c`) of the numbers forming each point: one dimension each. */
  valueKeys: string[];
  /** `path=value`: only records whose `path` holds `value`. */
  filter?: string;
  /** A JSON path: one point per distinct value (the mean of its records). */
  groupKey?: string;
  /** A JSON path naming each record (without groupKey); default `partition:offset`. */
  idKey?: string;
  /** `> .5`, `<= 10`, `= 3`: only records whose first value meets it. */
  valueCondition?: string;
  /** Write every record's values and `partition:offset` that went into the points (rawData, msgIds). */
  rawData?: boolean;
  /**
   * With alertOnClusterSize > 0: a cluster holding more than this percentage (0–100) of the points
   * alerts too (default 100: only by size).
   */
  alertOnSharePercent?: number;
  /** Write a PDF report of the clusters after the cluster record (steps/cluster-report.ts). */
  report?: ClusterReportFormat;
  clusters: number;
  iterations: number;
  distance: ClusterDistance;
  /** The fewest points (records, or groups) the analysis needs; default: `clusters`. */
  minimumPoints?: number;
  /** 0: no alert; else an alert when a cluster holds more than this many points. */
  alertOnClusterSize?: number;
  produceTo: string;
  identifier?: string;
  description?: string;
  seed?: number;
}

export interface ClusterRecord {
  topic: string;
  name: string;
  distance: ClusterDistance;
  clusters: Array<{ cluster: number; size: number; centre: number[] }>;
  points: Array<ClusterPoint & { cluster: number; distance: number }>;
  /** The points' first and last times (epoch ms). */
  windowStart: number;
  windowEnd: number;
  /** With rawData: every record's values that went into the points, and its `partition:offset`. */
  rawData?: number[][];
  msgIds?: string[];
  /** The k-means++ centres the run started from (row per cluster). */
  initialCentres: number[][];
  inertia: number;
  iterations: number;
  converged: boolean;
  valueKeys: string[];
  /** Records read, and those left out (no value at the paths, filtered, or outside the condition). */
  recordsRead: number;
  recordsSkipped: number;
  identifier: string;
  description: string;
  createdAt: Date;
}

export interface WrittenCluster {
  record: ClusterRecord;
  partition: number;
  offset: number;
  /** Where the PDF report was written, its size and the PDF itself (for mail). */
  report?: { partition: number; offset: number; bytes: number; pdf: Uint8Array };
  alerts: WrittenAlert[];
}

export const CLUSTER_STREAM = 'clusters';
export const MAX_CLUSTER_ROWS = 5000;
export const MAX_CLUSTERS = 20;
export const MAX_CLUSTER_ITERATIONS = 1000;
export const MAX_CLUSTER_DIMENSIONS = 10;

export function checkClusterInput(input: StreamClusterInput): void {
  const int = (field: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new StepInputError(field, `must be ${min}..${max}, got ${v}`);
  };
  int('maxRows', input.maxRows, 1, MAX_CLUSTER_ROWS);
  int('clusters', input.clusters, 1, MAX_CLUSTERS);
  int('iterations', input.iterations, 1, MAX_CLUSTER_ITERATIONS);
  int('offset', input.offset ?? -1, -1, Number.MAX_SAFE_INTEGER);
  int('alertOnClusterSize', input.alertOnClusterSize ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const share = input.alertOnSharePercent ?? 100;
  if (!(share >= 0 && share <= 100))
    throw new StepInputError('alertOnSharePercent', `must be 0..100, got ${share}`);
  for (const at of input.identifierPositions ?? []) int('identifierPositions', at, 0, 1000);
  for (const field of [
    'latitudePosition',
    'longitudePosition',
    'locationPosition',
    'joinedPosition',
  ] as const) {
    int(field, input[field] ?? -1, -1, 1000);
  }
  const keys = input.valueKeys.filter((k) => k.trim() !== '');
  if (keys.length === 0)
    throw new StepInputError('valueKeys', 'must name the JSON path of the value to cluster on');
  if (keys.length > MAX_CLUSTER_DIMENSIONS) {
    throw new StepInputError('valueKeys', `names ${keys.length} paths; at most ${MAX_CLUSTER_DIMENSIONS}`);
  }
}

export async function clusterStream(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: StreamClusterInput,
  call: CallDetails = {},
): Promise<WrittenCluster> {
  checkClusterInput(input);
  const offset = input.offset ?? -1;
  const { records } = await latestRecords(
    services.backbone,
    input.topic,
    offset === -1 ? { lastOffsets: input.maxRows } : { fromOffset: offset, lastOffsets: input.maxRows },
  );
  const { points, sources, skipped } = pointsOf(records, input);
  const needed = Math.max(input.clusters, input.minimumPoints ?? 0);
  if (points.length < needed) {
    throw new StepInputError(
      points.length < input.clusters ? 'clusters' : 'minimumPoints',
      `needs ${needed} points (${input.clusters} clusters${needed > input.clusters ? `, minimum ${needed}` : ''}); the window of topic '${input.topic}' gives ${points.length} (${records.length} records read, ${skipped} without a value at the paths, filtered or outside the condition)`,
    );
  }
  const d = input.valueKeys.length;
  const flat = Float64Array.from(points.flatMap((p) => p.values));
  const run = kMeansIterations(flat, d, {
    clusters: input.clusters,
    iterations: input.iterations,
    distance: input.distance,
    seed: input.seed,
  });
  let result: KMeansResult;
  try {
    let step = run.next();
    // one iteration at a time: other requests are served between iterations
    while (step.done !== true) {
      await new Promise((resolve) => setImmediate(resolve));
      step = run.next();
    }
    result = step.value;
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError('valueKeys', error.message);
    throw error;
  }
  const rows = (a: Float64Array) =>
    Array.from({ length: input.clusters }, (_, c) => Array.from(a.subarray(c * d, c * d + d)));
  const centres = rows(result.centres);
  const record: ClusterRecord = {
    topic: input.topic,
    name: CLUSTER_STREAM,
    distance: input.distance,
    clusters: result.sizes.map((size, c) => ({ cluster: c, size, centre: centres[c] })),
    points: points.map((p, i) => ({ ...p, cluster: result.labels[i], distance: result.distances[i] })),
    windowStart: points[0].time,
    windowEnd: points[points.length - 1].time,
    ...(input.rawData ? { rawData: sources.map((s) => s.values), msgIds: sources.map((s) => s.msgId) } : {}),
    initialCentres: rows(result.initialCentres),
    inertia: result.inertia,
    iterations: result.iterations,
    converged: result.converged,
    valueKeys: input.valueKeys,
    recordsRead: records.length,
    recordsSkipped: skipped,
    identifier: input.identifier ?? '',
    description: input.description ?? '',
    createdAt: new Date(),
  };
  const key = recordKey();
  // the report is made before anything is written: a report that fails writes nothing
  const pdf = input.report === undefined ? undefined : await clusterReportPdf(record, input.report);
  const [written, reported] = await services.backbone.produce(input.produceTo, [
    {
      key,
      value: JSON.stringify(services.shapers.cluster(record, call, key)),
      headers: { [STREAM_HEADER]: Buffer.from(CLUSTER_STREAM) },
    },
    ...(pdf === undefined
      ? []
      : [
          {
            key,
            value: JSON.stringify({
              kind: 'clusterReport',
              topic: input.topic,
              title: input.report?.title ?? '',
              contentType: 'application/pdf',
              pdf: Buffer.from(pdf).toString('base64'),
              createdAt: record.createdAt,
            }),
            headers: { [STREAM_HEADER]: Buffer.from(CLUSTER_REPORT_STREAM) },
          },
        ]),
  ]);
  const limit = input.alertOnClusterSize ?? 0;
  const share = input.alertOnSharePercent ?? 100;
  const large =
    limit > 0 ? record.clusters.filter((c) => c.size > limit || (100 * c.size) / points.length > share) : [];
  const alerts = await writeAlerts(
    services,
    input.produceTo,
    large.map((c) => ({
      kind: 'clusterSize' as const,
      source: input.topic,
      message:
        c.size > limit
          ? `cluster ${c.cluster} of topic '${input.topic}' holds ${c.size} points, more than ${limit}`
          : `cluster ${c.cluster} of topic '${input.topic}' holds ${c.size} of ${points.length} points, more than ${share}%`,
      subject: `cluster ${c.cluster}`,
      value: c.size,
      threshold: limit,
      details: {
        cluster: c.cluster,
        centre: c.centre,
        sizes: result.sizes,
        clusterRecord: { partition: written.partition, offset: written.offset },
      },
      identifier: input.identifier ?? '',
      createdAt: record.createdAt,
    })),
  );
  return {
    record,
    partition: written.partition,
    offset: written.offset,
    ...(pdf !== undefined && reported !== undefined
      ? { report: { partition: reported.partition, offset: reported.offset, bytes: pdf.length, pdf } }
      : {}),
    alerts,
  };
}
