// The live /v1 endpoints behind the console (and the SDK's followSolution / tailTopic): Server-Sent
// Events of a solution's outputs and of any topic, and the lag of consumer groups. They read the
// topics the solutions write, so they follow a solution wherever its worker runs.
import { setTimeout as sleep } from 'node:timers/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConsumedRecord } from '../../backbone/types.js';
import { requireRole } from '../auth/authenticator.js';
import type { EventStreams, EventStream } from '../console/event-stream.js';
import { showRecord } from '../console/record-view.js';
import { TopicFollower, type StartAt } from '../console/topic-follower.js';
import { ForbiddenError, NotFoundError, ParameterError } from '../errors.js';
import type { OperationContext } from '../operations/context.js';
import { isInternalTopic } from '../operations/validate.js';
import type { ContextOf } from './plugin.js';
import { MAX_OFFSET, MAX_PARTITION, problems } from './schemas.js';

/** 20 updates a second at most: what a chart can show smoothly, and few enough writes per stream. */
const TICK_MS = 50;
/** The side topics (versions, drift, optima, alerts) change rarely: read every 10th tick. */
const SIDE_EVERY = 10;
const MAX_HISTORY = 20_000;
/** Predictions read, parsed and sent per step: ~3 µs each, so a step stays within a few ms. */
const READ_RECORDS = 1000;
const TAIL_VALUE_LIMIT = 4096;
const ALERT = Buffer.from('"alert":true');

const EventsQuery = Type.Object(
  {
    history: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_HISTORY,
        description: 'Recent predictions sent first (default 2,000)',
      }),
    ),
    entity: Type.Optional(Type.String({ maxLength: 200, description: 'Only this entity (default: all)' })),
  },
  { additionalProperties: false },
);
const TailQuery = Type.Object(
  {
    offset: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_OFFSET,
        description: 'Start at this offset (default: the newest records)',
      }),
    ),
    time: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_OFFSET,
        description: 'Start at the first record at or after this time (ms since the epoch)',
      }),
    ),
    back: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: 'Without offset or time: start this many records before the end (default 20)',
      }),
    ),
    partition: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_PARTITION, description: 'Only this partition (default: all)' }),
    ),
    consumerId: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'A user token reads a topic its consumer id is subscribed to',
      }),
    ),
  },
  { additionalProperties: false },
);
type TailQuery = Static<typeof TailQuery>;

const SseReply = Type.String({ description: 'text/event-stream' });

export function registerLiveRoutes(app: FastifyInstance, contextOf: ContextOf, streams: EventStreams): void {
  app.addHook('preClose', async () => streams.closeAll());

  app.get<{ Params: { name: string }; Querystring: Static<typeof EventsQuery> }>(
    '/solutions/:name/events',
    {
      schema: {
        operationId: 'solutionEvents',
        summary:
          'Server-Sent Events of a solution: status, predictions (batched, up to 20 a second), new model versions, drift events, optima and anomaly alerts',
        tags: ['solutions', 'live'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }),
        querystring: EventsQuery,
        response: { 200: SseReply, ...problems(404) },
      },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const catalog = await context.solutions();
      const view = await catalog.describe(request.params.name);
      const { outputs } = view.spec;
      const entity = request.query.entity;
      const history = request.query.history ?? 2000;
      const open = async (topic: string | undefined, back: number) =>
        topic === undefined
          ? undefined
          : TopicFollower.open(context.backbone, topic, { kind: 'latest', back }).catch(() => undefined);
      const predictions = await open(outputs.predictions, history);
      const side = (
        await Promise.all([
          open(outputs.params, 50).then((f) => f && { event: 'version', follower: f }),
          open(outputs.drift, 200).then((f) => f && { event: 'drift', follower: f }),
          open(outputs.optimal, 1).then((f) => f && { event: 'optimum', follower: f }),
          open(outputs.anomalies, 2000).then((f) => f && { event: 'anomaly', follower: f }),
        ])
      ).filter((s): s is { event: string; follower: TopicFollower } => s !== undefined);

      const stream = streams.open(reply);
      stream.send('solution', view);
      let statusAt = view.status?.updatedAt ?? 0;
      let tick = 0;
      while (!stream.signal.aborted) {
        const started = performance.now();
        const waited = stream.waitedMs;
        let full = false;
        try {
          if (predictions !== undefined) {
            // A browser more than MAX_HISTORY behind skips ahead (and is told so). A step parses and
            // serialises at most READ_RECORDS predictions, so that a long history (or a burst) goes out
            // over several steps, each holding the event loop a few ms, not one step holding it long.
            const batch = await predictions.read(READ_RECORDS, MAX_HISTORY);
            full = batch.records.length >= READ_RECORDS;
            if (batch.skipped > 0) {
              streams.skipped?.inc(batch.skipped);
              stream.send('skipped', { predictions: batch.skipped });
            }
            const points = predictionPoints(batch.records, entity);
            if (points.offset.length > 0 && !stream.send('predictions', points)) await stream.drained();
          }
          if (tick % SIDE_EVERY === 0) {
            for (const { event, follower } of side) {
              const batch = await follower.read(500, 2000);
              // every row gets a risk score; only the alerts are events worth a browser's time, and
              // the others are not even parsed
              const records =
                event === 'anomaly'
                  ? batch.records.filter((r) => r.value?.includes(ALERT) === true)
                  : batch.records;
              const items = parsed(records, entity).filter(
                (item) => event !== 'anomaly' || item.alert === true,
              );
              if (items.length > 0) stream.send(event, items);
            }
            const now = await catalog.describe(view.name).catch(() => undefined);
            if (now === undefined) {
              stream.send('deleted', { solution: view.name });
              break;
            }
            if ((now.status?.updatedAt ?? 0) !== statusAt || now.state !== view.state) {
              statusAt = now.status?.updatedAt ?? 0;
              view.state = now.state;
              stream.send('status', { state: now.state, status: now.status });
            }
          }
        } catch (error) {
          stream.send('problem', { message: (error as Error).message });
          await sleep(1000, undefined, { signal: stream.signal }).catch(() => undefined);
        }
        tick++;
        streams.observeTick(stream, started, waited);
        // catching up: the next step as soon as others had their turn
        await pause(stream, started, full);
      }
      stream.close();
    },
  );

  app.get<{ Params: { topic: string }; Querystring: TailQuery }>(
    '/topics/:topic/tail',
    {
      schema: {
        operationId: 'tailTopic',
        summary:
          'Server-Sent Events of the records of a topic from an offset, a time or the newest on: JSON parsed, binary and large values cut and labelled',
        tags: ['topics', 'live'],
        params: Type.Object({ topic: Type.String({ minLength: 1, maxLength: 249 }) }),
        querystring: TailQuery,
        response: { 200: SseReply, ...problems(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const { topic } = request.params;
      const query = request.query;
      checkTailAllowed(context, topic, query.consumerId);
      const description = await context.backbone.describeTopic(topic);
      if (
        query.partition !== undefined &&
        !description.partitions.some((p) => p.partition === query.partition)
      ) {
        throw new ParameterError('partition', `topic ${topic} has no partition ${query.partition}`);
      }
      const start: StartAt =
        query.offset !== undefined
          ? { kind: 'offset', offset: query.offset }
          : query.time !== undefined
            ? { kind: 'time', timestamp: query.time }
            : { kind: 'latest', back: query.back ?? 20 };
      const follower = await TopicFollower.open(context.backbone, topic, start, query.partition);
      const stream = streams.open(reply);
      stream.send('start', {
        topic,
        positions: Object.fromEntries(follower.positions),
        partitions: description.partitions,
      });
      let idle = 0;
      while (!stream.signal.aborted) {
        const started = performance.now();
        const waited = stream.waitedMs;
        try {
          // a tail reads on from where it was asked to (the user chose the offset): the socket's
          // back-pressure alone paces it, and the browser keeps only the newest rows
          const batch = await follower.read(200, Infinity, 4 * TAIL_VALUE_LIMIT * 200);
          if (batch.records.length > 0) {
            idle = 0;
            const shown = batch.records.map((r) => showRecord(r, TAIL_VALUE_LIMIT));
            if (!stream.send('records', shown)) await stream.drained();
          } else if (++idle % 100 === 0) {
            // a deleted topic ends the tail with a reason instead of polling nothing forever
            await context.backbone.describeTopic(topic);
          }
        } catch (error) {
          stream.send('problem', { message: (error as Error).message });
          break;
        }
        streams.observeTick(stream, started, waited);
        await pause(stream, started);
      }
      stream.close();
    },
  );

  app.get(
    '/consumer-groups',
    {
      schema: {
        operationId: 'listConsumerGroups',
        summary:
          "Consumer groups with their members and each partition's committed offset, end offset and lag (admin)",
        tags: ['groups'],
        response: {
          200: Type.Object({ groups: Type.Array(Type.Object({}, { additionalProperties: true })) }),
          ...problems(403),
        },
      },
    },
    async (request) => {
      const context = contextOf(request);
      requireRole(context.principal, 'admin', 'listConsumerGroups');
      return { groups: await consumerGroupLag(context) };
    },
  );
}

async function pause(stream: EventStream, started: number, soon = false): Promise<void> {
  const wait = soon ? 5 : Math.max(5, TICK_MS - (performance.now() - started));
  await sleep(wait, undefined, { signal: stream.signal }).catch(() => undefined);
}

function checkTailAllowed(context: OperationContext, topic: string, consumerId: string | undefined): void {
  if (isInternalTopic(topic)) {
    requireRole(context.principal, 'admin', 'tailTopic');
    return;
  }
  if (context.principal.role === 'admin') return;
  if (consumerId === undefined) {
    throw new ForbiddenError(
      `'tailTopic' needs an admin token, or the consumer id a user subscribed to ${topic}`,
    );
  }
  const consumer = context.store.consumers.get(consumerId);
  if (consumer === undefined)
    throw new NotFoundError('UNKNOWN_CONSUMER', `consumer ${consumerId} is not known`, 'consumerId');
  if (consumer.topic !== topic) {
    throw new ForbiddenError(`consumer ${consumerId} is subscribed to ${consumer.topic}, not ${topic}`);
  }
  if (consumer.active === false) {
    throw new ForbiddenError(`consumer ${consumerId} is deactivated`, 'CONSUMER_INACTIVE');
  }
}

type Item = Record<string, unknown>;

function parsed(records: ConsumedRecord[], entity: string | undefined): Item[] {
  const out: Item[] = [];
  for (const record of records) {
    if (record.value === null) continue;
    try {
      const item = JSON.parse(record.value.toString('utf8')) as Item;
      if (entity !== undefined && item.entity !== entity) continue;
      // where the record sits, beside (never over) the fields the solution wrote
      out.push({
        ...item,
        record: { partition: record.partition, offset: record.offset, timestamp: record.timestamp },
      });
    } catch {
      // a record a solution did not write: nothing to show
    }
  }
  return out;
}

/** Predictions as columns: a chart appends them as they are, and the events stay small. */
export interface PredictionPoints {
  /** The row's time (ms since the epoch). */
  time: number[];
  /** When the prediction was published (the record's time): the browser measures its lag from it. */
  at: number[];
  prediction: number[];
  /** null where the row had no actual value. */
  actual: Array<number | null>;
  version: number[];
  /** The champion's algorithm that made each prediction. */
  algorithm: string[];
  offset: number[];
  entity: string[];
}

function predictionPoints(records: ConsumedRecord[], entity: string | undefined): PredictionPoints {
  const points: PredictionPoints = {
    time: [],
    at: [],
    prediction: [],
    actual: [],
    version: [],
    algorithm: [],
    offset: [],
    entity: [],
  };
  for (const item of parsed(records, entity)) {
    if (typeof item.prediction !== 'number') continue;
    const record = item.record as { offset: number; timestamp: number };
    points.time.push(typeof item.rowTimestamp === 'number' ? item.rowTimestamp : record.timestamp);
    points.at.push(record.timestamp);
    points.prediction.push(item.prediction);
    points.actual.push(typeof item.actual === 'number' ? item.actual : null);
    points.version.push(typeof item.modelVersion === 'number' ? item.modelVersion : 0);
    points.algorithm.push(typeof item.algorithm === 'string' ? item.algorithm : '');
    points.offset.push(record.offset);
    points.entity.push(typeof item.entity === 'string' ? item.entity : '');
  }
  return points;
}

export interface GroupLag {
  groupId: string;
  state: string;
  members: number;
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag: number }>;
  lag: number;
}

async function consumerGroupLag(context: OperationContext): Promise<GroupLag[]> {
  const out: GroupLag[] = [];
  for (const groupId of (await context.backbone.listGroups()).sort()) {
    const [description, committed] = await Promise.all([
      context.backbone.describeGroup(groupId),
      context.backbone.committedOffsets(groupId),
    ]);
    const ends = new Map<string, Map<number, number>>();
    for (const topic of new Set(committed.map((c) => c.topic))) {
      const offsets = await context.backbone.listOffsets(topic).catch(() => []);
      ends.set(topic, new Map(offsets.map((o) => [o.partition, o.latest])));
    }
    const partitions = committed.map((c) => {
      const end = ends.get(c.topic)?.get(c.partition) ?? c.offset;
      return {
        topic: c.topic,
        partition: c.partition,
        committed: c.offset,
        end,
        lag: Math.max(0, end - c.offset),
      };
    });
    out.push({
      groupId,
      state: description.state,
      members: description.members.length,
      partitions,
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    });
  }
  return out;
}
