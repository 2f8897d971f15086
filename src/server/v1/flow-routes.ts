// The /v1 routes of the TML flow: the same operations as the VIPER face (src/server/operations),
// with camelCase JSON bodies and answers.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { alignedLength } from '../../streams/index.js';
import { anomalyPredict, anomalyTrain } from '../operations/anomaly.js';
import { consume } from '../operations/consume.js';
import { createJoinTopic, produceJoined } from '../operations/joins.js';
import { optimizeInputs } from '../operations/optimize.js';
import { predict } from '../operations/predict.js';
import { preprocess } from '../operations/preprocess.js';
import { createTrainingData } from '../operations/training-data.js';
import { train } from '../operations/training.js';
import { viperStats } from '../operations/viper-stats.js';
import { modelAlgo, modelAlias } from '../operations/model-alias.js';
import { NotFoundError, ParameterError, showValue } from '../errors.js';
// /v1 accepts VIPER's flags syntax for peer-group options and rules.
import { anomalyRules, peerGroupOptions } from '../viper/flags.js';
import type { ContextOf } from './plugin.js';
import * as F from './flow-schemas.js';
import { registerStreamQueryRoutes } from './stream-query-routes.js';
import { registerAnalyticsRoutes } from './analytics-routes.js';
import { registerCustomJsonRoutes } from './custom-json-routes.js';
import { ConsumerParams, TopicParams, problems } from './schemas.js';

export function registerFlowRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  registerStreamQueryRoutes(fastify, contextOf);
  registerAnalyticsRoutes(fastify, contextOf);
  registerCustomJsonRoutes(fastify, contextOf);
  // Request types come from the route schemas (the TypeBox type provider), never written twice.
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/joins',
    {
      schema: {
        operationId: 'createJoinTopic',
        summary:
          'Create a joined topic over streams (admin); an existing one answers 200 and its producer id',
        tags: ['flow'],
        body: F.CreateJoinBody,
        response: { 200: F.CreateJoinReply, 201: F.CreateJoinReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await createJoinTopic(contextOf(request), request.body);
      return reply.code(result.existed ? 200 : 201).send(result);
    },
  );

  app.post(
    '/joins/:topic/records',
    {
      schema: {
        operationId: 'produceJoined',
        summary: "Write one joined record: each stream's latest maxRows records",
        tags: ['flow'],
        params: TopicParams,
        body: F.ProduceJoinedBody,
        response: { 201: F.ProduceJoinedReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { producerId, maxRows, offset, streams } = request.body;
      const r = await produceJoined(contextOf(request), {
        topic: request.params.topic,
        producerId,
        offset: offset ?? -1,
        maxRows: maxRows ?? 0,
        streams,
      });
      const j = r.joined;
      return reply.code(201).send({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        bytesWritten: r.bytesWritten,
        rows: alignedLength(j, j.streams),
        streams: j.streams.map((s) => ({ topic: s, rows: j.values[s].length, skipped: j.skipped[s] })),
      });
    },
  );

  app.post(
    '/joins/:topic/preprocessed',
    {
      schema: {
        operationId: 'preprocess',
        summary: "Statistics over each stream's latest window, written as <stream>_preprocessed_<Type> items",
        tags: ['flow'],
        params: TopicParams,
        body: F.PreprocessBody,
        response: { 201: F.PreprocessReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { producerId, maxRows, logic, streams, identifier, offset, ...options } = request.body;
      const items = await preprocess(contextOf(request), {
        topic: request.params.topic,
        producerId,
        offset: offset ?? -1,
        maxRows,
        logic,
        streams,
        identifier,
        ...options,
      });
      return reply.code(201).send(preprocessReply(items));
    },
  );

  app.post(
    '/training-sets',
    {
      schema: {
        operationId: 'createTrainingSet',
        summary: "A training set from the joined topic's latest record, aligned to the shortest stream",
        tags: ['flow'],
        body: F.TrainingSetBody,
        response: { 201: F.TrainingSetReply, ...problems(400, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const r = await createTrainingData(contextOf(request), {
        ...request.body,
        partition: request.body.partition ?? -1,
      });
      return reply.code(201).send({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        rows: r.record.rows,
        droppedRows: r.record.droppedRows,
        bytesWritten: r.bytesWritten,
      });
    },
  );

  app.post(
    '/models',
    {
      schema: {
        operationId: 'trainModel',
        summary: 'AutoML over the latest training set; the champion is written to produceTo and registered',
        tags: ['flow'],
        body: F.TrainBody,
        response: { 201: F.TrainReply, ...problems(400, 403, 404, 422, 429) },
      },
    },
    async (request, reply) => {
      const { modelruns, islogistic, timeoutSeconds, partition, ...b } = request.body;
      const r = await train(contextOf(request), {
        ...b,
        partition: partition ?? -1,
        modelruns: modelruns ?? 10,
        islogistic: islogistic ?? false,
        timeoutSeconds: timeoutSeconds ?? 120,
        alias: modelAlias(b.consumerId),
      });
      const m = r.record;
      return reply.code(201).send({
        algokey: m.alias,
        algo: modelAlgo(m.alias, m.algorithm),
        algorithm: m.algorithm,
        dependentVariable: m.dependentVariable,
        independentVariables: m.independentVariables,
        forecastAccuracy: m.forecastAccuracy,
        metrics: m.metrics,
        leaderboard: r.selection.leaderboard,
        rows: m.trainingRows,
        topic: r.version.record?.topic ?? b.produceTo,
        partition: r.version.record?.partition ?? -1,
        offset: r.version.record?.offset ?? -1,
        createdAt: m.createdAt,
        ...(m.controls !== undefined ? { controls: m.controls } : {}),
      });
    },
  );

  app.post(
    '/predictions',
    {
      schema: {
        operationId: 'predict',
        summary: 'Predict from one row of inputs or every row of a joined stream; written to produceTo',
        tags: ['flow'],
        body: F.PredictBody,
        response: { 201: F.PredictReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { inputs, stream, maxRows, ...rest } = request.body;
      if ((inputs === undefined) === (stream === undefined)) {
        throw new ParameterError(
          'inputs',
          'give either inputs (one row of numbers) or stream (a joined topic)',
        );
      }
      const r = await predict(contextOf(request), {
        ...rest,
        ...(inputs !== undefined ? { inputs } : { stream }),
        maxRows: maxRows ?? 0,
      });
      return reply.code(201).send({
        predictions: r.map((p) => ({
          prediction: p.prediction,
          ...(p.probability1 !== undefined ? { probability1: p.probability1 } : {}),
          ...(p.accuracyThreshold !== undefined ? { accuracyThreshold: p.accuracyThreshold } : {}),
          inputs: p.inputs,
          ...(p.interval !== undefined ? { interval: p.interval } : {}),
          ...(p.predictionSet !== undefined ? { predictionSet: p.predictionSet, coverage: p.coverage } : {}),
          ...(p.explanation !== undefined
            ? {
                explanation: {
                  ...p.explanation,
                  contributions: Object.fromEntries(
                    p.featureNames.map((name, f) => [name, p.explanation!.contributions[f]]),
                  ),
                },
              }
            : {}),
          algokey: p.alias,
          partition: p.partition,
          offset: p.offset,
        })),
      });
    },
  );

  app.post(
    '/optimizations',
    {
      schema: {
        operationId: 'optimize',
        summary: "The inputs, within bounds, that minimise or maximise the model's prediction",
        tags: ['flow'],
        body: F.OptimizeBody,
        response: { 201: F.OptimizeReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { minimize, constraints, constraintType, stretchBounds, epsilon, ...rest } = request.body;
      const r = await optimizeInputs(contextOf(request), {
        ...rest,
        minimize: minimize ?? true,
        constraints: constraints ?? 'best',
        constraintType: constraintType ?? 1,
        stretchBounds: stretchBounds ?? 20,
        epsilon: epsilon ?? 10,
      });
      const o = r.record;
      return reply.code(201).send({
        objective: o.objective,
        value: o.value,
        optimalValues: Object.fromEntries(o.optimalValues.map((v) => [v.variable, v.value])),
        bounds: o.bounds,
        partition: r.partition,
        offset: r.offset,
      });
    },
  );

  app.post(
    '/peer-groups',
    {
      schema: {
        operationId: 'trainPeerGroups',
        summary: "Each stream's usual behaviour in the latest joined window, written to produceTo",
        tags: ['flow'],
        body: F.PeerGroupsBody,
        response: { 201: F.PeerGroupsReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await anomalyTrain(contextOf(request), {
        consumeFrom: b.consumeFrom,
        consumerId: b.consumerId,
        produceTo: b.produceTo,
        producerId: b.producerId,
        streams: b.streams,
        options: peerGroupOptions(b.flags, b.streams),
        partition: b.partition ?? -1,
        ...anomalyControls(b),
        ...(b.folder !== undefined ? { folder: b.folder } : {}),
        ...(b.summaryTo !== undefined
          ? {
              summaryTo: b.summaryTo,
              summaryProducerId: b.summaryProducerId ?? '',
              summaryConsumerId: b.summaryConsumerId ?? '',
            }
          : {}),
      });
      return reply.code(201).send({
        topic: b.produceTo,
        partition: r.partition,
        offset: r.offset,
        peerGroups: r.record.peerGroups,
      });
    },
  );

  app.post(
    '/anomalies',
    {
      schema: {
        operationId: 'scoreAnomalies',
        summary: "Score each stream's newest value against its peer group; the risk is written to produceTo",
        tags: ['flow'],
        body: F.AnomaliesBody,
        response: { 201: F.AnomaliesReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const {
        record: result,
        partition,
        offset,
      } = await anomalyPredict(contextOf(request), {
        consumeFrom: b.consumeFrom,
        consumerId: b.consumerId,
        inputStream: b.inputStream,
        produceTo: b.produceTo,
        producerId: b.producerId,
        streams: b.streams,
        ...anomalyRules(b.flags ?? ''),
        partition: b.partition ?? -1,
        ...anomalyControls(b),
        ...(b.folder !== undefined ? { folder: b.folder } : {}),
        ...(b.inputTestTo !== undefined
          ? { inputTestTo: b.inputTestTo, inputTestProducerId: b.inputTestProducerId ?? '' }
          : {}),
      });
      return reply.code(201).send({
        risk: result.risk,
        alert: result.alert,
        anomalousStreams: result.anomalousStreams,
        scores: result.scores,
        partition,
        offset,
      });
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        operationId: 'stats',
        summary: 'Topics, record counts and registrations (VIPER viperstats)',
        tags: ['flow'],
        response: { 200: F.StatsReply, ...problems() },
      },
    },
    async (request) => viperStats(contextOf(request)),
  );

  app.post(
    '/consumers/:consumerId/joined',
    {
      schema: {
        operationId: 'consumeJoined',
        summary: "Read the consumer's joined topic, each record as JSON (VIPER consumefromstreamtopic)",
        tags: ['consumers'],
        params: ConsumerParams,
        body: F.JoinedPollBody,
        response: { 200: F.JoinedPollReply, ...problems(400, 403, 404) },
      },
    },
    async (request) => {
      const context = contextOf(request);
      const { consumerId } = request.params;
      const registration = context.store.consumers.get(consumerId);
      if (registration === undefined) {
        throw new NotFoundError(
          'UNKNOWN_CONSUMER',
          `consumer id '${showValue(consumerId)}' is not subscribed`,
          'consumerId',
        );
      }
      const r = await consume(context, {
        topic: registration.topic,
        consumerId,
        offset: request.body?.offset ?? -1,
        partition: request.body?.partition ?? -1,
        rollbackPercent: 0,
        maxRecords: request.body?.maxRecords,
      });
      return {
        topic: r.topic,
        lastOffset: r.lastOffset,
        records: r.records.map((rec) => ({
          partition: rec.partition,
          offset: rec.offset,
          timestamp: rec.timestamp,
          value: parseJson(rec.value),
        })),
      };
    },
  );
}

function parseJson(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The /v1 answer of a preprocess call (also what `tml analytics preprocess` prints locally). */
export function preprocessReply(
  items: Awaited<ReturnType<typeof preprocess>>,
): Static<typeof F.PreprocessReply> {
  return {
    items: items.map((i) => ({
      topic: i.name,
      writtenTo: i.preprocessTopic,
      stream: i.stream,
      type: i.statistic.charAt(0).toUpperCase() + i.statistic.slice(1).toLowerCase(),
      value: i.value,
      messages: i.count,
      conditions: i.conditions,
      ...(i.rawData ? { rawData: i.rawData, msgIds: i.msgIds } : {}),
      partition: i.partition,
      offset: i.offset,
    })),
  };
}

/** The optional controls both anomaly routes pass on as given. */
function anomalyControls(b: { rollbackPercent?: number; timeoutSeconds?: number; mainTopic?: string }) {
  return {
    ...(b.rollbackPercent !== undefined ? { rollbackPercent: b.rollbackPercent } : {}),
    ...(b.timeoutSeconds !== undefined ? { timeoutSeconds: b.timeoutSeconds } : {}),
    ...(b.mainTopic !== undefined ? { mainTopic: b.mainTopic } : {}),
  };
}
