// /v1 stream queries: conditions on the newest values of preprocessed streams of one topic
// (docs/preprocessing.md), each result 1 or 0, written with its inputs to a topic.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { streamQuery } from '../operations/stream-query.js';
import type { ContextOf } from './plugin.js';
import { MAX_OFFSET, MAX_TOPIC_ID, problems, TopicName, TopicParams } from './schemas.js';

const StreamName = Type.String({ minLength: 1, maxLength: 1000, description: 'a stream inside the topic' });

export const StreamQueryBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    streams: Type.Array(StreamName, { minItems: 1, maxItems: 1000 }),
    /** `A > 5 and B < 3:C = 0`: queries separated by ':', terms joined by and or by or. */
    conditions: Type.String({ minLength: 1, maxLength: 65536 }),
    description: Type.Optional(Type.String({ maxLength: 65536 })),
    identifier: Type.Optional(Type.String({ maxLength: 4096 })),
    produceTo: Type.Optional(TopicName),
    topicId: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_TOPIC_ID })),
    /** A device (record key, custom JSON's uid): its newest values, among each stream's newest maxRows. */
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** -1 (default): the newest records; n >= 0: the window from offset n of each stream. */
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    /** The streams are fields of the topic's JSON rows (one object per record), not named streams. */
    fields: Type.Optional(Type.Boolean()),
    /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}` (bare: exact). */
    where: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** The JSON path `where` searches (a dotted path into each record's JSON). */
    whereKey: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    /** Write each result's input values and records (rawData, msgIds); default true. */
    rawData: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Input = Type.Object({ value: Type.Number(), partition: Type.Integer(), offset: Type.Integer() });
export const StreamQueryReply = Type.Object({
  produceTo: Type.String(),
  results: Type.Array(
    Type.Object({
      query: Type.String(),
      description: Type.String(),
      identifier: Type.String(),
      join: Type.Union([Type.Literal('and'), Type.Literal('or')]),
      result: Type.Union([Type.Literal(0), Type.Literal(1)]),
      /** The device queried ('' for none). */
      device: Type.String(),
      inputs: Type.Record(Type.String(), Input),
      terms: Type.Array(
        Type.Object({
          stream: Type.String(),
          operator: Type.Union([Type.Literal('>'), Type.Literal('<'), Type.Literal('=')]),
          value: Type.Number(),
          met: Type.Boolean(),
        }),
      ),
      rawData: Type.Optional(Type.Array(Type.Number())),
      msgIds: Type.Optional(Type.Array(Type.String())),
      createdAt: Type.String(),
      partition: Type.Integer(),
      offset: Type.Integer(),
    }),
  ),
});

export function registerStreamQueryRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/topics/:topic/stream-queries',
    {
      schema: {
        operationId: 'streamQuery',
        summary:
          'Conditions on the newest values of preprocessed streams; each result 1 or 0, written to a topic',
        tags: ['flow'],
        params: TopicParams,
        body: StreamQueryBody,
        response: { 201: StreamQueryReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await streamQuery(contextOf(request), { topic: request.params.topic, ...request.body })),
  );
}
