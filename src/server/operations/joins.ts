// createjointopicstreams and producetotopicstream: a joined topic is registered with the streams it
// joins; each producetotopicstream call cuts the latest window of every stream ("roll back maxrows
// offsets") and writes them as ONE joined record (src/streams JoinedRecord) into the joined topic.
import { joinLatestWindows, type JoinedRecord, type PartitionRange } from '../../streams/index.js';
import { requireRole } from '../auth/authenticator.js';
import { ParameterError, showValue } from '../errors.js';
import type { JoinRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { createTopic, type CreateTopicInput, type CreateTopicResult } from './create-topic.js';
import { checkProducer } from './produce.js';
import { checkTopicName, describeExisting } from './validate.js';

export interface CreateJoinInput extends CreateTopicInput {
  streams: string[];
}

export interface CreateJoinResult extends CreateTopicResult {
  streams: string[];
}

/** The streams, each an existing topic, none twice, not the joined topic itself. */
async function checkStreams(
  context: OperationContext,
  streams: string[],
  joined: string,
  parameter: string,
): Promise<string[]> {
  if (streams.length === 0) throw new ParameterError(parameter, 'must name at least one topic to join');
  const seen = new Set<string>();
  for (const s of streams) {
    checkTopicName(s, parameter);
    if (seen.has(s)) throw new ParameterError(parameter, `names '${showValue(s)}' twice`);
    if (s === joined) throw new ParameterError(parameter, `cannot join the joined topic '${s}' into itself`);
    seen.add(s);
    await describeExisting(context.backbone, s, parameter);
  }
  return streams;
}

export async function createJoinTopic(
  context: OperationContext,
  input: CreateJoinInput,
): Promise<CreateJoinResult> {
  requireRole(context.principal, 'admin', 'createjointopicstreams');
  checkTopicName(input.topic, 'topic');
  const streams = await checkStreams(context, input.streams, input.topic, 'streams');
  const created = await createTopic(context, input);
  const registration: JoinRegistration = {
    topic: created.topic,
    streams,
    createdAt: context.store.joins.get(created.topic)?.createdAt ?? new Date().toISOString(),
  };
  await context.store.joins.put(created.topic, registration);
  return { ...created, streams };
}

export interface ProduceJoinedInput {
  topic: string;
  producerId: string;
  /** -1: the newest `maxRows` records of each stream; >= 0: from this offset on (capped by maxRows). */
  offset: number;
  /** Roll each stream back this many records (VIPER `maxrows`); 0 with offset >= 0: no cap. */
  maxRows: number;
  /** Overrides the registered streams (VIPER `streamstojoin`). */
  streams?: string[];
}

export interface ProduceJoinedResult {
  topic: string;
  producerId: string;
  partition: number;
  offset: number;
  bytesWritten: number;
  joined: JoinedRecord;
}

/** The joined topic's streams: `streamstojoin` when given, else the registration. */
export async function joinedStreams(
  context: OperationContext,
  topic: string,
  override: string[] | undefined,
): Promise<string[]> {
  if (override !== undefined && override.length > 0) {
    return checkStreams(context, override, topic, 'streams');
  }
  let registration = context.store.joins.get(topic);
  if (registration === undefined) {
    await context.store.joins.refresh();
    registration = context.store.joins.get(topic);
  }
  if (registration === undefined) {
    throw new ParameterError(
      'streams',
      `is required: topic '${topic}' was not created with createjointopicstreams`,
    );
  }
  return registration.streams;
}

/** How many of a stream's newest records a window keeps for `offset` / `maxRows`. */
async function windowLength(
  context: OperationContext,
  stream: string,
  offset: number,
  maxRows: number,
): Promise<number> {
  if (offset === -1) return maxRows;
  let n = 0;
  for (const p of await context.backbone.listOffsets(stream)) {
    n += Math.max(0, p.latest - Math.max(p.earliest, offset));
  }
  return maxRows > 0 ? Math.min(n, maxRows) : n;
}

export async function produceJoined(
  context: OperationContext,
  input: ProduceJoinedInput,
): Promise<ProduceJoinedResult> {
  if (input.offset < -1) {
    throw new ParameterError('offset', `must be -1 (roll back from the end) or >= 0, got ${input.offset}`);
  }
  if (input.maxRows < 0) throw new ParameterError('maxRows', `must be >= 0, got ${input.maxRows}`);
  if (input.offset === -1 && input.maxRows < 1) {
    throw new ParameterError(
      'maxRows',
      'must be >= 1 with offset=-1 (how many offsets to roll each stream back)',
    );
  }
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const streams = await joinedStreams(context, input.topic, input.streams);
  const lengths = await Promise.all(
    streams.map((s) => windowLength(context, s, input.offset, input.maxRows)),
  );
  // Every stream is cut with its own length when offset >= 0; with offset=-1 they share maxrows.
  const joined = await joinStreams(context, streams, lengths);
  const value = JSON.stringify(joined);
  const [written] = await context.backbone.produce(input.topic, [{ key: input.topic, value }]);
  context.metrics.recordsProduced.inc(1);
  return {
    topic: input.topic,
    producerId: input.producerId,
    partition: written.partition,
    offset: written.offset,
    bytesWritten: Buffer.byteLength(value),
    joined,
  };
}

async function joinStreams(
  context: OperationContext,
  streams: string[],
  lengths: number[],
): Promise<JoinedRecord> {
  const createdAt = Date.now();
  if (lengths.every((n) => n === lengths[0]) && lengths[0] > 0) {
    return joinLatestWindows(context.backbone, streams, { lastOffsets: lengths[0], now: createdAt });
  }
  const parts: JoinedRecord[] = [];
  for (let i = 0; i < streams.length; i++) {
    if (lengths[i] === 0) {
      parts.push({
        version: 1,
        streams: [streams[i]],
        values: { [streams[i]]: [] },
        timestamps: { [streams[i]]: [] },
        offsets: { [streams[i]]: [] as PartitionRange[] },
        skipped: { [streams[i]]: 0 },
        createdAt,
      });
    } else {
      parts.push(
        await joinLatestWindows(context.backbone, [streams[i]], { lastOffsets: lengths[i], now: createdAt }),
      );
    }
  }
  const joined: JoinedRecord = {
    version: 1,
    streams,
    values: {},
    timestamps: {},
    offsets: {},
    skipped: {},
    createdAt,
  };
  for (const part of parts) {
    const s = part.streams[0];
    joined.values[s] = part.values[s];
    joined.timestamps[s] = part.timestamps[s];
    joined.offsets[s] = part.offsets[s];
    joined.skipped[s] = part.skipped[s];
  }
  return joined;
}
