// POST /v1/topics/{topic}/partitions: grow a topic to a number of partitions (never shrink it).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_PARTITIONS } from '../operations/create-topic.js';
import { addPartitions } from '../operations/partitions.js';
import type { ContextOf } from './plugin.js';
import { problems, TopicParams } from './schemas.js';

export const PartitionsBody = Type.Object(
  {
    /** The topic's new partition count: at least its current one (partitions are never removed). */
    count: Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS }),
  },
  { additionalProperties: false },
);

export const PartitionsReply = Type.Object({
  topic: Type.String(),
  partitions: Type.Integer(),
  /** How many partitions this call added (0 when the topic had `count` already). */
  added: Type.Integer(),
});

export function registerPartitionRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/topics/:topic/partitions',
    {
      schema: {
        operationId: 'addPartitions',
        summary: "Grow a topic's partitions to a count (admin); a smaller count than the topic's is refused",
        tags: ['topics'],
        params: TopicParams,
        body: PartitionsBody,
        response: { 200: PartitionsReply, ...problems(400, 403, 404) },
      },
    },
    async (request) => addPartitions(contextOf(request), request.params.topic, request.body.count),
  );
}
