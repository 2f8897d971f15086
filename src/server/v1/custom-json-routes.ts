// /v1 custom-JSON preprocessing: raw JSON records read through JSON criteria, every statistic per
// device and subtopic, written as `<subtopic>_preprocessed_<Type>` streams keyed by device
// (docs/preprocessing.md).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_STEP_WAIT_MS } from '../../streams/index.js';
import { preprocessJson } from '../operations/custom-json.js';
import type { ContextOf } from './plugin.js';
import { MAX_OFFSET, problems, TopicName, TopicParams } from './schemas.js';

export const CustomJsonBody = Type.Object(
  {
    producerId: Type.String({ minLength: 1, maxLength: 200 }),
    /** `uid=…,filter:…~subtopics=…~values=…~identifiers=…~datetime=…~msgid=…~latlong=lat:long`. */
    criteria: Type.String({ minLength: 1, maxLength: 65536 }),
    /** Every statistic is computed for every device and subtopic. */
    logic: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }),
    maxRows: Type.Integer({ minimum: 1, maximum: MAX_OFFSET }),
    /** -1: the topic's newest maxRows records; N >= 0: maxRows records from offset N on. */
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    /** Per subtopic, the range of values computed over: `Voltage=200,n`. */
    conditions: Type.Optional(Type.String({ maxLength: 65536 })),
    identifier: Type.Optional(Type.String({ maxLength: 4096 })),
    /** Where the preprocessed streams are written (an existing topic; default: the raw topic). */
    preprocessTopic: Type.Optional(TopicName),
    rawData: Type.Optional(Type.Boolean()),
    /** `streams` (default): a record per statistic; `array`: one JSON array per device; `rows`: one object per device. */
    form: Type.Optional(Type.Union([Type.Literal('streams'), Type.Literal('array'), Type.Literal('rows')])),
    /** Wait up to this many ms for the raw topic to hold a record before reading. */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STEP_WAIT_MS })),
    /** `name=path,…`: each device's (TMLID's) attributes, read from its newest record, in its items. */
    attributes: Type.Optional(Type.String({ maxLength: 4096 })),
    /** Track every device seen, with its attributes, in the topic `tml-tmlids` (one record per device). */
    trackTmlids: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CustomJsonReply = Type.Object({
  items: Type.Array(
    Type.Object({
      /** The preprocessed stream's name, `<subtopic>_preprocessed_<Type>`. */
      topic: Type.String(),
      writtenTo: Type.String(),
      /** The device (the record's uid), the output record's key. */
      device: Type.String(),
      subtopic: Type.String(),
      label: Type.String(),
      type: Type.String(),
      value: Type.Union([Type.Number(), Type.String(), Type.Null()]),
      messages: Type.Integer(),
      windowStart: Type.Number(),
      windowEnd: Type.Number(),
      conditions: Type.String(),
      rawData: Type.Optional(Type.Array(Type.Union([Type.Number(), Type.String()]))),
      msgIds: Type.Optional(Type.Array(Type.String())),
      attributes: Type.Optional(Type.Record(Type.String(), Type.String())),
      partition: Type.Integer(),
      offset: Type.Integer(),
    }),
  ),
});

export function registerCustomJsonRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/topics/:topic/custom-json',
    {
      schema: {
        operationId: 'preprocessCustomJson',
        summary: 'Statistics per device and subtopic of raw JSON records read through JSON criteria',
        tags: ['flow'],
        params: TopicParams,
        body: CustomJsonBody,
        response: { 201: CustomJsonReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { form, ...body } = request.body;
      const items = await preprocessJson(contextOf(request), {
        topic: request.params.topic,
        ...body,
        asArray: form === 'array',
        form,
      });
      return reply.code(201).send(customJsonReply(items));
    },
  );
}

/** The /v1 answer of a custom-JSON call (also what `tml analytics custom-json` prints locally). */
export function customJsonReply(
  items: Awaited<ReturnType<typeof preprocessJson>>,
): Static<typeof CustomJsonReply> {
  return {
    items: items.map((i) => ({
      topic: i.name,
      writtenTo: i.preprocessTopic,
      device: i.device ?? '',
      subtopic: i.stream,
      label: i.label ?? '',
      type: i.statistic.charAt(0).toUpperCase() + i.statistic.slice(1).toLowerCase(),
      value: i.value,
      messages: i.count,
      windowStart: i.windowStart,
      windowEnd: i.windowEnd,
      conditions: i.conditions,
      ...(i.rawData ? { rawData: i.rawData, msgIds: i.msgIds } : {}),
      ...(i.attributes ? { attributes: i.attributes } : {}),
      partition: i.partition,
      offset: i.offset,
    })),
  };
}
