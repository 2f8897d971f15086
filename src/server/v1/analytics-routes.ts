// /v1 stream analytics (docs/stream-analytics.md): correlations between streams and k-means clusters
// of a topic's records, each written to a topic, the same steps as VIPER's streamcorr and streamcluster.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  MAX_CLUSTER_DIMENSIONS,
  MAX_CLUSTER_ITERATIONS,
  MAX_CLUSTER_ROWS,
  MAX_CLUSTERS,
  MAX_CORRELATED_STREAMS,
  MAX_CORRELATION_LAG,
  MAX_STEP_WAIT_MS,
  MAX_CORRELATION_ROWS,
  MAX_SEARCH_ROWS,
} from '../../streams/index.js';
import { MAX_ALERT_RECIPIENTS } from '../alert-mail.js';
import { searchAnomalyCheck, streamCluster, streamCorrelation } from '../operations/stream-analytics.js';
import type { ContextOf } from './plugin.js';
import { problems, TopicName, TopicParams } from './schemas.js';

const Stream = Type.String({ minLength: 1, maxLength: 1000, description: 'a topic, or topic/stream' });
const Path = Type.String({ minLength: 1, maxLength: 1000, description: 'a JSON path, a.b.0.c' });
const Text = Type.String({ maxLength: 4096 });
const Offset = Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER });

const Position = Type.Integer({ minimum: 0, maximum: 1000 });
const OptionalPosition = Type.Integer({ minimum: -1, maximum: 1000, description: '-1: none' });

export const CorrelationBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    /** 2 to 10 (with criteria: subtopics, none = every subtopic found). */
    streams: Type.Array(Stream, { maxItems: MAX_CORRELATED_STREAMS }),
    maxRows: Type.Integer({ minimum: 3, maximum: MAX_CORRELATION_ROWS }),
    offset: Type.Optional(Offset),
    methods: Type.Array(
      Type.Union([Type.Literal('pearson'), Type.Literal('spearman'), Type.Literal('kendall')]),
      { maxItems: 3, uniqueItems: true },
    ),
    maxLag: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CORRELATION_LAG })),
    minLength: Type.Optional(Type.Integer({ minimum: 3, maximum: MAX_CORRELATION_ROWS })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    maxPValue: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    produceTo: Type.Optional(TopicName),
    identifier: Type.Optional(Text),
    description: Type.Optional(Text),
    /** Only this device's records (record key; with criteria, the uid). */
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}` (bare: exact). */
    where: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    whereKey: Type.Optional(Path),
    /** The streams are fields of the topic's JSON rows (one object per record). */
    fields: Type.Optional(Type.Boolean()),
    /** Raw JSON read through criteria (custom JSON's); the streams are subtopics. */
    criteria: Type.Optional(Type.String({ minLength: 1, maxLength: 65536 })),
    /** With criteria: `name=path,…` attributes of each TMLID; trackTmlids writes them to tml-tmlids. */
    attributes: Type.Optional(Type.String({ maxLength: 4096 })),
    trackTmlids: Type.Optional(Type.Boolean()),
    /** JSON path of the identifier field (parts split by '~') and the parts each record carries. */
    identifierKey: Type.Optional(Path),
    identifierPositions: Type.Optional(Type.Array(Position, { maxItems: 100 })),
    /** Write the aligned values correlated and their records (rawData, msgIds). */
    rawData: Type.Optional(Type.Boolean()),
    /** Write the topics the two streams were read from (topics). */
    topicNames: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Nullable = (t: ReturnType<typeof Type.Number>) => Type.Union([t, Type.Null()]);
export const CorrelationReply = Type.Object({
  produceTo: Type.String(),
  computed: Type.Integer(),
  written: Type.Array(
    Type.Object({
      streams: Type.Array(Type.String()),
      method: Type.String(),
      name: Type.String(),
      coefficient: Nullable(Type.Number()),
      pValue: Nullable(Type.Number()),
      lag: Type.Optional(Type.Integer()),
      lags: Type.Optional(Type.Array(Type.Object({ lag: Type.Integer(), coefficient: Type.Number() }))),
      count: Type.Integer(),
      windowStart: Type.Number(),
      windowEnd: Type.Number(),
      identifier: Type.String(),
      description: Type.String(),
      createdAt: Type.String(),
      partition: Type.Integer(),
      offset: Type.Integer(),
    }),
  ),
});

export const ClusterBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    maxRows: Type.Integer({ minimum: 1, maximum: MAX_CLUSTER_ROWS }),
    offset: Type.Optional(Offset),
    valueKeys: Type.Array(Path, { minItems: 1, maxItems: MAX_CLUSTER_DIMENSIONS }),
    filter: Type.Optional(Type.String({ maxLength: 2000, description: 'path=value' })),
    groupKey: Type.Optional(Path),
    idKey: Type.Optional(Path),
    valueCondition: Type.Optional(Type.String({ maxLength: 100, description: '> .5, <= 10, = 3' })),
    clusters: Type.Integer({ minimum: 1, maximum: MAX_CLUSTERS }),
    iterations: Type.Integer({ minimum: 1, maximum: MAX_CLUSTER_ITERATIONS }),
    distance: Type.Union([Type.Literal('euclidean'), Type.Literal('squaredEuclidean')]),
    minimumPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CLUSTER_ROWS })),
    alertOnClusterSize: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_CLUSTER_ROWS })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
    alertEmails: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 254 }), { maxItems: MAX_ALERT_RECIPIENTS }),
    ),
    emailFrequencySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })),
    produceTo: Type.Optional(TopicName),
    identifier: Type.Optional(Text),
    description: Type.Optional(Text),
    /** JSON path of each record's time (2006-01-02T15:04:05[Z|±hh:mm] or epoch ms); default: its timestamp. */
    timeKey: Type.Optional(Path),
    /** JSON path of a text naming what each point's values are. */
    labelKey: Type.Optional(Path),
    /** JSON path of the identifier field (parts separated by '~') the positions read; default `identifier`. */
    identifierKey: Type.Optional(Path),
    identifierPositions: Type.Optional(Type.Array(Position, { maxItems: 100 })),
    latitudePosition: Type.Optional(OptionalPosition),
    longitudePosition: Type.Optional(OptionalPosition),
    locationPosition: Type.Optional(OptionalPosition),
    joinedPosition: Type.Optional(OptionalPosition),
    /** Write every record's values and partition:offset that went into the points. */
    rawData: Type.Optional(Type.Boolean()),
    /** With alertOnClusterSize: a cluster holding more than this % of the points alerts too (default 100). */
    alertOnSharePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /** A PDF report written after the cluster record (docs/stream-analytics.md). */
    report: Type.Optional(
      Type.Object(
        {
          title: Type.Optional(Text),
          description: Type.Optional(Type.String({ maxLength: 65536 })),
          signature: Type.Optional(Text),
          chartTitle: Type.Optional(Text),
          recipients: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Numbers = Type.Array(Type.Number());
export const ClusterReply = Type.Object({
  produceTo: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  clusters: Type.Array(Type.Object({ cluster: Type.Integer(), size: Type.Integer(), centre: Numbers })),
  points: Type.Array(
    Type.Object({
      id: Type.String(),
      cluster: Type.Integer(),
      distance: Type.Number(),
      values: Numbers,
      time: Type.Number(),
      label: Type.Optional(Type.String()),
      identifierParts: Type.Optional(Type.Array(Type.String())),
      latitude: Type.Optional(Type.Number()),
      longitude: Type.Optional(Type.Number()),
      location: Type.Optional(Type.String()),
      joined: Type.Optional(Type.String()),
    }),
  ),
  report: Type.Optional(
    Type.Object({ partition: Type.Integer(), offset: Type.Integer(), bytes: Type.Integer() }),
  ),
  initialCentres: Type.Array(Numbers),
  inertia: Type.Number(),
  iterations: Type.Integer(),
  converged: Type.Boolean(),
  recordsRead: Type.Integer(),
  recordsSkipped: Type.Integer(),
  mail: Type.Object({ sent: Type.Integer(), reason: Type.Optional(Type.String()) }),
  alerts: Type.Array(
    Type.Object({
      kind: Type.String(),
      message: Type.String(),
      subject: Type.String(),
      value: Type.Number(),
      threshold: Type.Number(),
      partition: Type.Integer(),
      offset: Type.Integer(),
    }),
  ),
});

const Emails = Type.Array(Type.String({ minLength: 3, maxLength: 254 }), { maxItems: MAX_ALERT_RECIPIENTS });
const Alert = Type.Object({
  kind: Type.String(),
  message: Type.String(),
  subject: Type.String(),
  value: Type.Number(),
  threshold: Type.Number(),
  partition: Type.Integer(),
  offset: Type.Integer(),
});

export const SearchAnomalyBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    maxRows: Type.Integer({ minimum: 2, maximum: MAX_SEARCH_ROWS }),
    offset: Type.Optional(Offset),
    textKey: Type.Optional(Path),
    terms: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 })),
    flagTerms: Type.Optional(Type.Boolean()),
    threshold: Type.Number({ minimum: 0, maximum: 100 }),
    check: Type.Optional(Type.Boolean()),
    produceTo: Type.Optional(TopicName),
    identifier: Type.Optional(Text),
    alertEmails: Type.Optional(Emails),
    emailFrequencySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000 })),
    /** Wait up to this many ms for the topic to hold a search and its peer before reading. */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STEP_WAIT_MS })),
  },
  { additionalProperties: false },
);

export const SearchAnomalyReply = Type.Object({
  produceTo: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  search: Type.String(),
  words: Type.Array(Type.String()),
  similarity: Type.Number(),
  peerSearches: Type.Integer(),
  matchedTerms: Type.Array(Type.String()),
  anomaly: Type.Boolean(),
  alerts: Type.Array(Alert),
  mail: Type.Object({ sent: Type.Integer(), reason: Type.Optional(Type.String()) }),
});

export function registerAnalyticsRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/topics/:topic/correlations',
    {
      schema: {
        operationId: 'correlateStreams',
        summary:
          'Pearson, Spearman and Kendall correlations (with p-values) and lagged cross-correlations between streams, written to a topic',
        tags: ['flow'],
        params: TopicParams,
        body: CorrelationBody,
        response: { 201: CorrelationReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await streamCorrelation(contextOf(request), {
        topic: request.params.topic,
        ...request.body,
      });
      return reply.code(201).send(correlationReply(result));
    },
  );
  app.post(
    '/topics/:topic/clusters',
    {
      schema: {
        operationId: 'clusterStream',
        summary:
          "k-means over a topic's newest records; assignments and sizes written to a topic, alerts on size",
        tags: ['flow'],
        params: TopicParams,
        body: ClusterBody,
        response: { 201: ClusterReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await streamCluster(contextOf(request), {
        topic: request.params.topic,
        ...request.body,
      });
      return reply.code(201).send(clusterReply(result));
    },
  );
  app.post(
    '/topics/:topic/search-anomalies',
    {
      schema: {
        operationId: 'searchAnomaly',
        summary:
          "The newest search of a topic's window against the searches before it: similarity, anomaly, alert",
        tags: ['flow'],
        params: TopicParams,
        body: SearchAnomalyBody,
        response: { 201: SearchAnomalyReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await searchAnomalyCheck(contextOf(request), {
        topic: request.params.topic,
        ...request.body,
      });
      return reply.code(201).send(searchAnomalyReply(result));
    },
  );
}

/** The /v1 answer of a correlation call (also what `tml analytics correlate` prints locally). */
export function correlationReply(
  result: Awaited<ReturnType<typeof streamCorrelation>>,
): Static<typeof CorrelationReply> {
  return {
    produceTo: result.produceTo,
    computed: result.computed,
    written: result.written.map((c) => ({ ...c, createdAt: c.createdAt.toISOString() })),
  };
}

/** The /v1 answer of a cluster call (also what `tml analytics cluster` prints locally). */
export function clusterReply(result: Awaited<ReturnType<typeof streamCluster>>): Static<typeof ClusterReply> {
  const r = result.record;
  return {
    produceTo: result.produceTo,
    partition: result.partition,
    offset: result.offset,
    clusters: r.clusters,
    points: r.points,
    initialCentres: r.initialCentres,
    inertia: r.inertia,
    iterations: r.iterations,
    converged: r.converged,
    recordsRead: r.recordsRead,
    recordsSkipped: r.recordsSkipped,
    ...(result.report
      ? {
          report: {
            partition: result.report.partition,
            offset: result.report.offset,
            bytes: result.report.bytes,
          },
        }
      : {}),
    mail: result.mail,
    alerts: result.alerts.map((a) => ({
      kind: a.kind,
      message: a.message,
      subject: a.subject,
      value: a.value,
      threshold: a.threshold,
      partition: a.partition,
      offset: a.offset,
    })),
  };
}

/** The /v1 answer of a search-anomaly call (also what `tml analytics search-anomaly` prints locally). */
export function searchAnomalyReply(
  result: Awaited<ReturnType<typeof searchAnomalyCheck>>,
): Static<typeof SearchAnomalyReply> {
  const r = result.record;
  return {
    produceTo: result.produceTo,
    partition: result.partition,
    offset: result.offset,
    search: r.search,
    words: r.words,
    similarity: r.similarity,
    peerSearches: r.peerSearches,
    matchedTerms: r.matchedTerms,
    anomaly: r.anomaly,
    alerts: result.alerts.map((a) => ({
      kind: a.kind,
      message: a.message,
      subject: a.subject,
      value: a.value,
      threshold: a.threshold,
      partition: a.partition,
      offset: a.offset,
    })),
    mail: result.mail,
  };
}
