// viperanomalytrain / viperanomalypredict: a peer group per stream (its usual behaviour in the
// latest joined window, src/automl trainPeerGroup) written as one record to `producepeergroupto`;
// then each stream's newest value scored against its peer group, combined into a risk and written
// to `produceto`.
import { randomBytes } from 'node:crypto';
import {
  assessRisk,
  parsePredictionFlags,
  parseTrainingFlags,
  readPeerGroup,
  ruleHolds,
  scoreValue,
  trainPeerGroup,
  InvalidInputError,
  type PeerGroupJSON,
  type RiskAssessment,
  type StreamScore,
} from '../../automl/index.js';
import { parseJoinedRecord, type JoinedRecord } from '../../streams/index.js';
import { StreamsError } from '../../streams/errors.js';
import { ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { latestRecord, parseJsonRecord } from './latest-record.js';
import { checkProducer } from './produce.js';
import { checkActive, checkConsumer, describeExisting } from './validate.js';

export const PEER_GROUPS_KIND = 'tml-peer-groups';

export interface PeerGroupsRecord {
  kind: typeof PEER_GROUPS_KIND;
  Created: string;
  Consumefrom: string;
  Streams: string[];
  PeerGroups: PeerGroupJSON[];
  Lineage: { partition: number; offset: number };
}

async function latestJoined(
  context: OperationContext,
  topic: string,
  partition: number,
  parameter: string,
): Promise<JoinedRecord & { source: { partition: number; offset: number } }> {
  const source = await latestRecord(context.backbone, topic, partition, parameter, 'joined record');
  try {
    return {
      ...parseJoinedRecord(source.value),
      source: { partition: source.partition, offset: source.offset },
    };
  } catch (error) {
    if (error instanceof StreamsError)
      throw new ParameterError(parameter, `names topic '${topic}': ${error.message}`);
    throw error;
  }
}

function flagsError<T>(parameter: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ParameterError(parameter, error.message);
    throw error;
  }
}

function checkStreamsIn(joined: JoinedRecord, streams: string[], topic: string, parameter: string): void {
  if (streams.length === 0) throw new ParameterError('streamstoanalyse', 'must name at least one stream');
  for (const s of streams) {
    if (!joined.values[s]) {
      throw new ParameterError(
        'streamstoanalyse',
        `names '${s}', which is not a stream of the joined record in ${parameter} '${topic}' (it joins: ${joined.streams.join(', ')})`,
      );
    }
  }
}

export interface AnomalyTrainInput {
  consumeFrom: string;
  consumerId: string;
  producePeerGroupTo: string;
  producerIdPeerGroup: string;
  streams: string[];
  flags: string;
  partition: number;
}

export async function anomalyTrain(
  context: OperationContext,
  input: AnomalyTrainInput,
): Promise<{ record: PeerGroupsRecord; partition: number; offset: number; bytesWritten: number }> {
  const flags = flagsError('flags', () => parseTrainingFlags(input.flags));
  await describeExisting(context.backbone, input.consumeFrom, 'consumefrom');
  await describeExisting(context.backbone, input.producePeerGroupTo, 'producepeergroupto');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.producePeerGroupTo, input.producerIdPeerGroup);
  const joined = await latestJoined(context, input.consumeFrom, input.partition, 'consumefrom');
  checkStreamsIn(joined, input.streams, input.consumeFrom, 'consumefrom');
  for (const f of flags) {
    if (!input.streams.includes(f.topic)) {
      throw new ParameterError('flags', `name topic '${f.topic}', which is not in streamstoanalyse`);
    }
    if (f.topictype !== 'numeric') {
      throw new ParameterError(
        'flags',
        `topictype=string (topic '${f.topic}') is not supported: tml's peer groups are numeric`,
      );
    }
  }
  const groups = input.streams.map((stream) => {
    const options = flags.find((f) => f.topic === stream)?.options ?? {};
    return flagsError('flags', () =>
      trainPeerGroup(stream, Float64Array.from(joined.values[stream]), options),
    );
  });
  const record: PeerGroupsRecord = {
    kind: PEER_GROUPS_KIND,
    Created: new Date().toISOString(),
    Consumefrom: input.consumeFrom,
    Streams: input.streams,
    PeerGroups: groups,
    Lineage: joined.source,
  };
  const value = JSON.stringify(record);
  const [written] = await context.backbone.produce(input.producePeerGroupTo, [{ value }]);
  context.metrics.recordsProduced.inc(1);
  return {
    record,
    partition: written.partition,
    offset: written.offset,
    bytesWritten: Buffer.byteLength(value),
  };
}

export interface AnomalyPredictInput {
  /** The peer-group topic. */
  consumeFrom: string;
  consumerId: string;
  /** The joined input stream whose newest values are scored. */
  consumeInputStream: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  flags: string;
  partition: number;
}

export interface AnomalyPrediction extends RiskAssessment {
  Created: string;
  kafkakey: string;
  Scores: Array<StreamScore & { ruleApplied: boolean }>;
}

export async function anomalyPredict(
  context: OperationContext,
  input: AnomalyPredictInput,
): Promise<{ result: AnomalyPrediction; partition: number; offset: number }> {
  const flags = flagsError('flags', () => parsePredictionFlags(input.flags));
  await describeExisting(context.backbone, input.consumeFrom, 'consumefrom');
  await describeExisting(context.backbone, input.consumeInputStream, 'consumeinputstream');
  await describeExisting(context.backbone, input.produceTo, 'produceto');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  const source = await latestRecord(
    context.backbone,
    input.consumeFrom,
    input.partition,
    'consumefrom',
    'peer groups',
  );
  const stored = parseJsonRecord(
    source,
    input.consumeFrom,
    'consumefrom',
    'peer groups',
  ) as Partial<PeerGroupsRecord> | null;
  if (
    stored === null ||
    typeof stored !== 'object' ||
    stored.kind !== PEER_GROUPS_KIND ||
    !Array.isArray(stored.PeerGroups)
  ) {
    throw new ParameterError(
      'consumefrom',
      `names topic '${input.consumeFrom}', whose latest record is not peer groups (viperanomalytrain writes them)`,
    );
  }
  const groups = new Map(
    stored.PeerGroups.map((g) => [g.stream, flagsError('consumefrom', () => readPeerGroup(g))]),
  );
  const joined = await latestJoined(context, input.consumeInputStream, -1, 'consumeinputstream');
  checkStreamsIn(joined, input.streams, input.consumeInputStream, 'consumeinputstream');
  const scores = input.streams.map((stream) => {
    const group = groups.get(stream);
    if (group === undefined) {
      throw new ParameterError(
        'streamstoanalyse',
        `names '${stream}', which has no peer group in '${input.consumeFrom}'`,
      );
    }
    const values = joined.values[stream];
    if (values.length === 0) {
      throw new ParameterError('consumeinputstream', `holds no value of stream '${stream}' to score`);
    }
    const score = scoreValue(group, values[values.length - 1]);
    const rule = flags.rules.find((r) => r.topic === stream);
    return {
      ...score,
      anomaly: rule ? ruleHolds(rule, score) : score.anomaly,
      ruleApplied: rule !== undefined,
    };
  });
  const risk = flagsError('flags', () =>
    assessRisk(scores, { riskscore: flags.riskscore, complete: flags.complete }),
  );
  const result: AnomalyPrediction = {
    ...risk,
    Created: new Date().toISOString(),
    kafkakey: randomBytes(24).toString('base64url').slice(0, 30),
    Scores: scores,
  };
  const [written] = await context.backbone.produce(input.produceTo, [
    { key: result.kafkakey, value: JSON.stringify(result) },
  ]);
  context.metrics.recordsProduced.inc(1);
  return { result, partition: written.partition, offset: written.offset };
}
