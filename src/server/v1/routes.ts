// The /v1 routes: each adapts JSON to the operation's input and the result to the reply schema.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { setTopicActive } from '../operations/activate-topic.js';
import { consume } from '../operations/consume.js';
import type { ServerServices } from '../operations/context.js';
import { createTopic } from '../operations/create-topic.js';
import { deleteTopics } from '../operations/delete-topics.js';
import { createGroup, groupConsume } from '../operations/groups.js';
import { listTopics } from '../operations/list-topics.js';
import { modifyConsumer, modifyTopic, setGroupActive } from '../operations/modify.js';
import { produce } from '../operations/produce.js';
import { status } from '../operations/status.js';
import { subscribe, unsubscribe } from '../operations/subscribe.js';
import { createToken, listTokens, revokeToken, rotateToken } from '../operations/tokens.js';
import { NotFoundError, showValue } from '../errors.js';
import { registerFlowRoutes } from './flow-routes.js';
import { registerSolutionRoutes } from './solution-routes.js';
import type { ContextOf } from './plugin.js';
import * as S from './schemas.js';

const valueText = (v: string | number): string => (typeof v === 'number' ? String(v) : v);

export function registerRoutes(
  fastify: FastifyInstance,
  services: ServerServices,
  contextOf: ContextOf,
): void {
  // Request types come from the route schemas (the TypeBox type provider), never written twice.
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/topics',
    {
      schema: {
        operationId: 'createTopic',
        summary:
          'Create a topic (admin); answers its producer id. An existing topic answers 200 and its producer id.',
        tags: ['topics'],
        body: S.CreateTopicBody,
        response: { 200: S.CreateTopicReply, 201: S.CreateTopicReply, ...S.problems(400, 403) },
      },
    },
    async (request, reply) => {
      const { topic, partitions, replicationFactor, ...contact } = request.body;
      const result = await createTopic(contextOf(request), {
        topic,
        partitions,
        replicationFactor,
        ...contact,
      });
      return reply.code(result.existed ? 200 : 201).send(result);
    },
  );

  app.get(
    '/topics',
    {
      schema: {
        operationId: 'listTopics',
        summary: 'List the topics',
        tags: ['topics'],
        response: { 200: S.ListTopicsReply, ...S.problems() },
      },
    },
    async (request) => ({ topics: await listTopics(contextOf(request)) }),
  );

  app.delete(
    '/topics/:topic',
    {
      schema: {
        operationId: 'deleteTopic',
        summary: 'Delete a topic, its producer id and its consumer ids (admin)',
        tags: ['topics'],
        params: S.TopicParams,
        response: { 200: S.DeleteTopicReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request) => ({ deleted: await deleteTopics(contextOf(request), [request.params.topic]) }),
  );

  for (const active of [true, false]) {
    app.post(
      `/topics/:topic/${active ? 'activate' : 'deactivate'}`,
      {
        schema: {
          operationId: active ? 'activateTopic' : 'deactivateTopic',
          summary: active
            ? 'Let a topic be produced to and consumed again (admin)'
            : 'Refuse produce and consume calls on a topic (admin)',
          tags: ['topics'],
          params: S.TopicParams,
          response: { 200: S.ActiveReply, ...S.problems(400, 403, 404) },
        },
      },
      async (request) => setTopicActive(contextOf(request), request.params.topic, active),
    );
  }

  app.post(
    '/topics/:topic/records',
    {
      schema: {
        operationId: 'produce',
        summary: "Write one value to a topic with the topic's producer id",
        tags: ['records'],
        params: S.TopicParams,
        body: S.ProduceBody,
        response: { 201: S.ProduceReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await produce(contextOf(request), {
        topic: request.params.topic,
        producerId: request.body.producerId,
        values: [valueText(request.body.value)],
        identifier: request.body.identifier,
        valueParameter: 'value',
      });
      const r = result.records[0];
      return reply.code(201).send({
        topic: result.topic,
        partition: r.partition,
        offset: r.offset,
        bytesWritten: result.bytesWritten,
      });
    },
  );

  app.post(
    '/topics/:topic/records/bulk',
    {
      schema: {
        operationId: 'produceBulk',
        summary: 'Write many values to a topic in one append (all or nothing)',
        tags: ['records'],
        params: S.TopicParams,
        body: S.ProduceBulkBody,
        response: { 201: S.ProduceBulkReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await produce(contextOf(request), {
        topic: request.params.topic,
        producerId: request.body.producerId,
        values: request.body.values.map(valueText),
        valueParameter: 'values',
      });
      const partitions = new Map<number, { partition: number; firstOffset: number; lastOffset: number }>();
      for (const r of result.records) {
        const p = partitions.get(r.partition);
        if (p === undefined)
          partitions.set(r.partition, {
            partition: r.partition,
            firstOffset: r.offset,
            lastOffset: r.offset,
          });
        else p.lastOffset = r.offset;
      }
      return reply.code(201).send({
        topic: result.topic,
        records: result.records.length,
        bytesWritten: result.bytesWritten,
        partitions: [...partitions.values()],
      });
    },
  );

  app.post(
    '/consumers',
    {
      schema: {
        operationId: 'subscribe',
        summary: 'Subscribe to a topic; answers the consumer id that may read it',
        tags: ['consumers'],
        body: S.SubscribeBody,
        response: { 201: S.ConsumerReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { topic, groupId, ...contact } = request.body;
      const result = await subscribe(contextOf(request), { topic, groupId, ...contact });
      return reply.code(201).send({ consumerId: result.consumerId, topic: result.topic });
    },
  );

  app.delete(
    '/consumers/:consumerId',
    {
      schema: {
        operationId: 'unsubscribe',
        summary: 'Remove a consumer id',
        tags: ['consumers'],
        params: S.ConsumerParams,
        response: { 200: S.ConsumerReply, ...S.problems(404) },
      },
    },
    async (request) => {
      const result = await unsubscribe(contextOf(request), request.params.consumerId);
      return { consumerId: result.consumerId, topic: result.topic };
    },
  );

  app.post(
    '/consumers/:consumerId/poll',
    {
      schema: {
        operationId: 'consume',
        summary: "Read the consumer's topic, by default from where its previous read ended",
        tags: ['consumers'],
        params: S.ConsumerParams,
        body: S.PollBody,
        response: { 200: S.PollReply, ...S.problems(400, 403, 404) },
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
      const result = await consume(context, {
        topic: registration.topic,
        consumerId,
        offset: request.body?.offset ?? -1,
        partition: request.body?.partition ?? -1,
        rollbackPercent: request.body?.rollbackPercent ?? 0,
        maxRecords: request.body?.maxRecords,
      });
      return {
        topic: result.topic,
        records: result.records,
        bytesRead: result.bytesRead,
        lastOffset: result.lastOffset,
      };
    },
  );

  app.post(
    '/groups',
    {
      schema: {
        operationId: 'createGroup',
        summary: 'Create a consumer group over topics (admin); an existing name answers 200 and its id',
        tags: ['groups'],
        body: S.CreateGroupBody,
        response: { 200: S.GroupReply, 201: S.GroupReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { groupName, topics, ...contact } = request.body;
      const { group, existed } = await createGroup(contextOf(request), { groupName, topics, ...contact });
      return reply
        .code(existed ? 200 : 201)
        .send({ groupId: group.groupId, groupName: group.groupName, topics: group.topics, existed });
    },
  );

  app.post(
    '/groups/:groupId/poll',
    {
      schema: {
        operationId: 'groupConsume',
        summary: "Read a topic as a member of the group, from the group's committed position",
        tags: ['groups'],
        params: S.GroupParams,
        body: S.GroupPollBody,
        response: { 200: S.GroupPollReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request) => {
      const result = await groupConsume(contextOf(request), {
        groupId: request.params.groupId,
        topic: request.body.topic,
        consumerId: request.body.consumerId,
        offset: request.body.offset ?? -1,
        partition: request.body.partition ?? -1,
        rollbackOffset: request.body.rollbackOffset ?? 0,
        maxRecords: request.body.maxRecords,
      });
      return {
        groupId: result.groupId,
        topic: result.topic,
        records: result.records,
        bytesRead: result.bytesRead,
        lastOffset: result.lastOffset,
      };
    },
  );

  app.patch(
    '/topics/:topic',
    {
      schema: {
        operationId: 'modifyTopic',
        summary: "Change a topic's registered details (admin); fields left out keep their value",
        tags: ['topics'],
        params: S.TopicParams,
        body: S.DetailsBody,
        response: { 200: S.TopicDetailsReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request) => {
      const t = await modifyTopic(contextOf(request), request.params.topic, request.body);
      const { companyname, contactname, contactemail, location, description } = t;
      return {
        topic: t.topic,
        companyname,
        contactname,
        contactemail,
        location,
        description,
        active: t.active,
      };
    },
  );

  app.patch(
    '/consumers/:consumerId',
    {
      schema: {
        operationId: 'modifyConsumer',
        summary: "Change a consumer id's registered details",
        tags: ['consumers'],
        params: S.ConsumerParams,
        body: S.DetailsBody,
        response: { 200: S.ConsumerDetailsReply, ...S.problems(400, 404) },
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
      const c = await modifyConsumer(context, consumerId, registration.topic, request.body);
      const { companyname, contactname, contactemail, location, description } = c;
      return {
        consumerId: c.consumerId,
        topic: c.topic,
        companyname,
        contactname,
        contactemail,
        location,
        description,
      };
    },
  );

  for (const active of [true, false]) {
    app.post(
      `/groups/:groupId/${active ? 'activate' : 'deactivate'}`,
      {
        schema: {
          operationId: active ? 'activateGroup' : 'deactivateGroup',
          summary: active ? 'Let a group read again (admin)' : 'Refuse reads by a group (admin)',
          tags: ['groups'],
          params: S.GroupParams,
          response: { 200: S.GroupActiveReply, ...S.problems(403, 404) },
        },
      },
      async (request) => {
        const g = await setGroupActive(contextOf(request), '', request.params.groupId, active);
        return { groupId: g.groupId, groupName: g.groupName, active: g.active };
      },
    );
  }

  app.get(
    '/status',
    {
      config: { public: true },
      schema: {
        operationId: 'status',
        summary: 'Whether this server is busy (VIPER areyoubusy); no token needed',
        tags: ['server'],
        security: [],
        response: { 200: S.StatusReply },
      },
    },
    async () => status(services),
  );

  app.post(
    '/tokens',
    {
      schema: {
        operationId: 'createToken',
        summary: 'Create a token (admin); the token is in this answer only',
        tags: ['tokens'],
        body: S.CreateTokenBody,
        response: { 201: S.CreateTokenReply, ...S.problems(400, 403) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createToken(
            contextOf(request),
            request.body.role,
            request.body.label,
            request.body.expiresInSeconds,
          ),
        ),
  );

  app.post<{ Params: { id: string }; Body: S.RotateTokenBody }>(
    '/tokens/:id/rotate',
    {
      schema: {
        operationId: 'rotateToken',
        summary: 'Replace a token by a new one (admin); the old one stops now or after graceSeconds',
        tags: ['tokens'],
        params: S.TokenParams,
        body: S.RotateTokenBody,
        response: { 201: S.RotateTokenReply, ...S.problems(400, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await rotateToken(contextOf(request), request.params.id, request.body?.graceSeconds ?? 0)),
  );

  app.get(
    '/tokens',
    {
      schema: {
        operationId: 'listTokens',
        summary: 'List tokens (admin): ids, roles and labels, never the tokens',
        tags: ['tokens'],
        response: { 200: S.ListTokensReply, ...S.problems(403) },
      },
    },
    async (request) => ({ tokens: listTokens(contextOf(request)) }),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        operationId: 'revokeToken',
        summary: 'Revoke a token (admin); the last admin token cannot be revoked',
        tags: ['tokens'],
        params: S.TokenParams,
        response: { 200: S.TokenInfo, ...S.problems(403, 404, 409) },
      },
    },
    async (request) => revokeToken(contextOf(request), request.params.id),
  );

  registerFlowRoutes(app, contextOf);
  registerSolutionRoutes(app, contextOf);
}
