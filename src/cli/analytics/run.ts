// Where a `tml analytics` step runs: on a tml server through the SDK (--server), or on the local
// backbone through the server's own request check (the /v1 body schema), operation and answer shape,
// as an administrator (whoever opens the data directory holds every record in it).
import type { TSchema } from '@sinclair/typebox';
import type { TmlClient } from '../../client/index.js';
import type { OperationContext } from '../../server/operations/context.js';
import type { CommandContext } from '../context.js';
import { TopicStateError, UsageError } from '../errors.js';

export type AnalyticsStep =
  'preprocess' | 'custom-json' | 'query' | 'correlate' | 'cluster' | 'search-anomaly';

/** The /v1 body without its producer id, as the command line gave it. */
export type StepBody = Record<string, unknown>;

/** The cluster body: the --report-* options become its `report` (the PDF report). */
function clusterBody(body: StepBody): StepBody {
  const { reportTitle, reportDescription, reportSignature, reportChartTitle, ...rest } = body;
  const report = {
    title: reportTitle,
    description: reportDescription,
    signature: reportSignature,
    chartTitle: reportChartTitle,
  };
  const given = Object.entries(report).filter(([, v]) => v !== undefined);
  return given.length === 0 ? rest : { ...rest, report: Object.fromEntries(given) };
}

interface StepFaces {
  /** The /v1 body schema: the server's check of the request. */
  schema: () => Promise<TSchema>;
  remote: (client: TmlClient, topic: string, body: never) => Promise<unknown>;
  local: (context: OperationContext, topic: string, body: never) => Promise<unknown>;
}

const steps: Record<AnalyticsStep, StepFaces> = {
  preprocess: {
    schema: async () => (await import('../../server/v1/flow-schemas.js')).PreprocessBody,
    remote: (client, topic, body) => client.preprocess(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['preprocess']>[1]) => {
      const { preprocess } = await import('../../server/operations/preprocess.js');
      const { preprocessReply } = await import('../../server/v1/flow-routes.js');
      return preprocessReply(await preprocess(context, { ...body, topic, offset: body.offset ?? -1 }));
    },
  },
  'custom-json': {
    schema: async () => (await import('../../server/v1/custom-json-routes.js')).CustomJsonBody,
    remote: (client, topic, body) => client.preprocessCustomJson(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['preprocessCustomJson']>[1]) => {
      const { preprocessJson } = await import('../../server/operations/custom-json.js');
      const { customJsonReply } = await import('../../server/v1/custom-json-routes.js');
      const { form, ...rest } = body;
      return customJsonReply(
        await preprocessJson(context, { ...rest, topic, asArray: form === 'array', form }),
      );
    },
  },
  query: {
    schema: async () => (await import('../../server/v1/stream-query-routes.js')).StreamQueryBody,
    remote: (client, topic, body) => client.streamQuery(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['streamQuery']>[1]) => {
      const { streamQuery } = await import('../../server/operations/stream-query.js');
      return streamQuery(context, { ...body, topic });
    },
  },
  correlate: {
    schema: async () => (await import('../../server/v1/analytics-routes.js')).CorrelationBody,
    remote: (client, topic, body) => client.correlateStreams(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['correlateStreams']>[1]) => {
      const { streamCorrelation } = await import('../../server/operations/stream-analytics.js');
      const { correlationReply } = await import('../../server/v1/analytics-routes.js');
      return correlationReply(await streamCorrelation(context, { ...body, topic }));
    },
  },
  cluster: {
    schema: async () => (await import('../../server/v1/analytics-routes.js')).ClusterBody,
    remote: (client, topic, body) => client.clusterStream(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['clusterStream']>[1]) => {
      const { streamCluster } = await import('../../server/operations/stream-analytics.js');
      const { clusterReply } = await import('../../server/v1/analytics-routes.js');
      return clusterReply(await streamCluster(context, { ...body, topic }));
    },
  },
  'search-anomaly': {
    schema: async () => (await import('../../server/v1/analytics-routes.js')).SearchAnomalyBody,
    remote: (client, topic, body) => client.searchAnomaly(topic, body),
    local: async (context, topic, body: Parameters<TmlClient['searchAnomaly']>[1]) => {
      const { searchAnomalyCheck } = await import('../../server/operations/stream-analytics.js');
      const { searchAnomalyReply } = await import('../../server/v1/analytics-routes.js');
      return searchAnomalyReply(await searchAnomalyCheck(context, { ...body, topic }));
    },
  },
};

/** Runs one step on `topic` and resolves with the /v1 answer (the same shape locally and remotely). */
export async function runStep(
  context: CommandContext,
  step: AnalyticsStep,
  topic: string,
  body: StepBody,
  producerId: string | undefined,
): Promise<unknown> {
  const faces = steps[step];
  if (step === 'cluster') body = clusterBody(body);
  const remote = context.remote();
  if (remote !== undefined) {
    const { connect } = await import('../remote/connect.js');
    const { RemoteTopicOps } = await import('../ops/remote.js');
    const client = await connect(remote);
    const id = producerId ?? (await new RemoteTopicOps(client).producerIdOf(topic));
    return faces.remote(client, topic, { ...body, producerId: id } as never);
  }
  const { localAdminContext } = await import('../../server/local-context.js');
  const { createTopic } = await import('../../server/operations/create-topic.js');
  return context.withBackbone(async (backbone) => {
    const full = { ...body, producerId: producerId ?? 'local' };
    await checkBody(await faces.schema(), full);
    if (!(await backbone.listTopics()).includes(topic)) {
      throw new TopicStateError(`topic '${topic}' does not exist`);
    }
    const operations = await localAdminContext(backbone, context.config());
    // As `tml produce`: the local administrator acts as the topic's producer (registered now for a
    // topic that has none, as createtopics does for an existing topic).
    full.producerId = producerId ?? (await createTopic(operations, { topic })).producerId;
    try {
      return await faces.local(operations, topic, full as never);
    } catch (error) {
      // As over --server: what the server answers 400 (the request's input is wrong, nothing was
      // written) is a usage error, worded as the server words it.
      const { toServerError } = await import('../../server/error-mapping.js');
      const answer = toServerError(error);
      if (answer.status === 400) throw new UsageError(answer.message);
      throw error;
    }
  });
}

/** The server's check of a /v1 body, worded as the server words its first problem (a usage error). */
async function checkBody(schema: TSchema, body: StepBody): Promise<void> {
  const { TypeCompiler } = await import('@sinclair/typebox/compiler');
  const check = TypeCompiler.Compile(schema);
  if (check.Check(body)) return;
  const first = check.Errors(body).First();
  const field = (first?.path ?? '').split('/').filter(Boolean).join('.') || 'body';
  const message = first?.message ?? 'does not match the schema';
  throw new UsageError(`parameter '${field}' ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
}
