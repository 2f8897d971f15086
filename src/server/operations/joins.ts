// createjointopicstreams and producetotopicstream: a joined topic is registered with the streams it
// joins; each producetotopicstream call cuts the latest window of every stream ("roll back maxrows
// offsets") and writes them as ONE joined record (src/streams JoinedRecord) into the joined topic.
import { checkJoinInput, joinTopics, parseStreamAddress, type JoinedRecord } from '../../streams/index.js';
import { requireRole } from '../auth/authenticator.js';
import { ParameterError, showValue } from '../errors.js';
import type { JoinRegistration } from '../store/records.js';
import type { OperationContext } from './context.js';
import { createTopic, type CreateTopicInput, type CreateTopicResult } from './create-topic.js';
import { checkProducer } from './produce.js';
import { checkTopicName, describeExisting } from './validate.js';

export interface CreateJoinInput extends CreateTopicInput {
  streams: string[];
  /** The device the joined topic is for: producetotopicstream joins its records unless told another. */
  device?: string;
}

export interface CreateJoinResult extends CreateTopicResult {
  streams: string[];
  device?: string;
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
    // a stream is a topic or a named stream inside one, `topic/stream` (streams/stream-address.ts)
    const { topic } = parseStreamAddress(s);
    checkTopicName(topic, parameter);
    if (seen.has(s)) throw new ParameterError(parameter, `names '${showValue(s)}' twice`);
    if (s === joined) throw new ParameterError(parameter, `cannot join the joined topic '${s}' into itself`);
    seen.add(s);
    await describeExisting(context.backbone, topic, parameter);
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
    ...(input.device !== undefined ? { device: input.device } : {}),
    createdAt: context.store.joins.get(created.topic)?.createdAt ?? new Date().toISOString(),
  };
  await context.store.joins.put(created.topic, registration);
  return { ...created, streams, ...(input.device !== undefined ? { device: input.device } : {}) };
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
  /** A device (VIPER's `topicid`): only its records are joined; the joined record is keyed with it. */
  device?: string;
}

export interface ProduceJoinedResult {
  topic: string;
  device?: string;
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
  const registration = await joinRegistration(context, topic);
  if (registration === undefined) {
    throw new ParameterError(
      'streams',
      `is required: topic '${topic}' was not created with createjointopicstreams`,
    );
  }
  return registration.streams;
}

export async function produceJoined(
  context: OperationContext,
  input: ProduceJoinedInput,
): Promise<ProduceJoinedResult> {
  checkJoinInput(input);
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const streams = await joinedStreams(context, input.topic, input.streams);
  const device = input.device ?? (await joinRegistration(context, input.topic))?.device;
  const written = await joinTopics(context.backbone, {
    ...input,
    streams,
    ...(device !== undefined ? { device } : {}),
    maxRecordBytes: context.limits.maxMessageBytes,
  });
  context.metrics.recordsProduced.inc(1);
  return {
    topic: input.topic,
    producerId: input.producerId,
    ...(device !== undefined ? { device } : {}),
    ...written,
  };
}

async function joinRegistration(
  context: OperationContext,
  topic: string,
): Promise<JoinRegistration | undefined> {
  return context.store.joins.get(topic) ?? (await context.store.joins.lookup(topic));
}
