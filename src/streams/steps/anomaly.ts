// The anomaly steps. Train: a peer group per stream (its usual behaviour in the latest joined
// window, src/automl trainPeerGroup), written as one record. Predict: each stream's newest value
// scored against its peer group, rules applied, combined into a risk and written.
import {
  assessRisk,
  InvalidInputError,
  readPeerGroup,
  ruleHolds,
  scoreValue,
  trainPeerGroup,
  type Completeness,
  type PeerGroupJSON,
  type PeerGroupOptions,
  type RiskAssessment,
  type StreamRule,
  type StreamScore,
  type TextPeerGroupJSON,
} from '../../automl/index.js';
import { scoreTextStream, textPeerGroups } from './text-anomaly.js';
import type { Backbone } from '../../backbone/types.js';
import { StepInputError, StreamsError } from '../errors.js';
import { parseJoinedRecord, type JoinedRecord } from '../join.js';
import { latestRecord, parseJsonRecord } from '../latest-record.js';
import { recordKey, type RecordShapers } from '../shapers.js';

/** What the anomaly train step produces: one peer group per stream, and where its window came from. */
export interface PeerGroupsRecord {
  createdAt: string;
  /** The joined topic the windows were read from. */
  consumeFrom: string;
  streams: string[];
  peerGroups: PeerGroupJSON[];
  /** topictype=string streams: how often each value occurred (absent: none). */
  textPeerGroups?: TextPeerGroupJSON[];
  lineage: { partition: number; offset: number };
}

export interface PeerGroupsInput {
  /** The joined topic. */
  consumeFrom: string;
  produceTo: string;
  partition: number;
  streams: string[];
  /** Options per stream (default options for a stream not named); `text`: a text stream. */
  options: Array<{ stream: string; options: PeerGroupOptions; text?: boolean }>;
  /** A device: its newest joined record; the peer groups are keyed with it. */
  device?: string;
  /** 1–100: learn from the newest ⌈n·p/100⌉ values of each stream; 0 (default) or 100: all of them. */
  rollbackPercent?: number;
}

export interface AnomalyInput {
  /** The peer-group topic. */
  consumeFrom: string;
  partition: number;
  /** The joined input stream whose newest values are scored. */
  inputStream: string;
  produceTo: string;
  streams: string[];
  rules: StreamRule[];
  riskscore?: number;
  complete?: Completeness;
  /** A device: its peer groups and its newest joined input; the result is keyed with it. */
  device?: string;
}

export interface AnomalyRecord extends RiskAssessment {
  createdAt: string;
  /** Text streams' scores carry `text` (value: its share of the peer group, score: 1 − share). */
  scores: Array<StreamScore & { ruleApplied: boolean; text?: string }>;
}

/** The engine's complaints about options and rules are the caller's to fix, under `field`. */
function inputError<T>(field: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError(field, error.message);
    throw error;
  }
}

async function latestJoined(
  backbone: Backbone,
  topic: string,
  partition: number,
  field: string,
  device: string | undefined,
): Promise<JoinedRecord & { source: { partition: number; offset: number } }> {
  const source = await latestRecord(backbone, topic, partition, field, 'joined record', device);
  try {
    return {
      ...parseJoinedRecord(source.value),
      source: { partition: source.partition, offset: source.offset },
    };
  } catch (error) {
    if (error instanceof StreamsError)
      throw new StepInputError(field, `names topic '${topic}': ${error.message}`);
    throw error;
  }
}

function checkStreamsIn(joined: JoinedRecord, streams: string[], topic: string, field: string): void {
  if (streams.length === 0) throw new StepInputError('streams', 'must name at least one stream');
  for (const s of streams) {
    if (!joined.values[s]) {
      throw new StepInputError(
        'streams',
        `names '${s}', which is not a stream of the joined record in ${field} '${topic}' (it joins: ${joined.streams.join(', ')})`,
      );
    }
  }
}

/**
 * A peer group per stream of a window (its usual behaviour): the pure part of the train step,
 * shared by the one-shot call and a solution's promotion. Bad options name `flags`.
 */
export function peerGroupsOf(
  columns: ReadonlyArray<{ stream: string; values: Float64Array }>,
  options: (stream: string) => PeerGroupOptions,
): PeerGroupJSON[] {
  return columns.map(({ stream, values }) =>
    inputError('flags', () => trainPeerGroup(stream, values, options(stream))),
  );
}

export async function trainPeerGroups(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: PeerGroupsInput,
): Promise<{ record: PeerGroupsRecord; partition: number; offset: number; bytesWritten: number }> {
  const { backbone } = services;
  const percent = input.rollbackPercent ?? 0;
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    throw new StepInputError('rollbackPercent', `must be a percentage from 0 to 100, got ${String(percent)}`);
  }
  const joined = await latestJoined(
    backbone,
    input.consumeFrom,
    input.partition,
    'consumeFrom',
    input.device,
  );
  checkStreamsIn(joined, input.streams, input.consumeFrom, 'consumeFrom');
  const newest = (values: number[]) =>
    percent === 0 ? values : values.slice(values.length - Math.ceil((values.length * percent) / 100));
  const isText = (stream: string) => input.options.some((o) => o.stream === stream && o.text === true);
  const groups = peerGroupsOf(
    input.streams
      .filter((s) => !isText(s))
      .map((stream) => ({ stream, values: Float64Array.from(newest(joined.values[stream])) })),
    (stream) => input.options.find((o) => o.stream === stream)?.options ?? {},
  );
  const texts = await textPeerGroups(backbone, joined, input.streams.filter(isText));
  const record: PeerGroupsRecord = {
    createdAt: new Date().toISOString(),
    consumeFrom: input.consumeFrom,
    streams: input.streams,
    peerGroups: groups,
    ...(texts.length > 0 ? { textPeerGroups: texts } : {}),
    lineage: joined.source,
  };
  const value = JSON.stringify(services.shapers.peerGroups(record));
  const [written] = await backbone.produce(input.produceTo, [
    input.device !== undefined ? { key: input.device, value } : { value },
  ]);
  return {
    record,
    partition: written.partition,
    offset: written.offset,
    bytesWritten: Buffer.byteLength(value),
  };
}

export async function scoreAnomalies(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: AnomalyInput,
): Promise<{ record: AnomalyRecord; shaped: unknown; partition: number; offset: number }> {
  const { backbone } = services;
  const source = await latestRecord(
    backbone,
    input.consumeFrom,
    input.partition,
    'consumeFrom',
    'peer groups',
    input.device,
  );
  const stored = services.shapers.readPeerGroups(
    parseJsonRecord(source, input.consumeFrom, 'consumeFrom', 'peer groups'),
  );
  if (stored === undefined) {
    throw new StepInputError(
      'consumeFrom',
      `names topic '${input.consumeFrom}', whose latest record is not peer groups (the anomaly train step writes them)`,
    );
  }
  const groups = new Map(
    stored.peerGroups.map((g) => [g.stream, inputError('consumeFrom', () => readPeerGroup(g))]),
  );
  const texts = new Map((stored.textPeerGroups ?? []).map((g) => [g.stream, g]));
  const joined = await latestJoined(backbone, input.inputStream, -1, 'inputStream', input.device);
  checkStreamsIn(joined, input.streams, input.inputStream, 'inputStream');
  const scores: AnomalyRecord['scores'] = [];
  for (const stream of input.streams) {
    const rule = input.rules.find((r) => r.stream === stream);
    const text = texts.get(stream);
    if (text !== undefined) {
      scores.push(await scoreTextStream(backbone, joined, text, rule));
      continue;
    }
    if (rule?.text !== undefined) {
      throw new StepInputError('flags', `match text (v2), but stream '${stream}' has a numeric peer group`);
    }
    const group = groups.get(stream);
    if (group === undefined) {
      throw new StepInputError(
        'streams',
        `names '${stream}', which has no peer group in '${input.consumeFrom}'`,
      );
    }
    const values = joined.values[stream];
    if (values.length === 0)
      throw new StepInputError('inputStream', `holds no value of stream '${stream}' to score`);
    const score = scoreValue(group, values[values.length - 1]);
    scores.push({
      ...score,
      anomaly: rule ? ruleHolds(rule, score) : score.anomaly,
      ruleApplied: rule !== undefined,
    });
  }
  const risk = inputError('flags', () =>
    assessRisk(scores, { riskscore: input.riskscore, complete: input.complete }),
  );
  const record: AnomalyRecord = { ...risk, createdAt: new Date().toISOString(), scores };
  const key = recordKey();
  const shaped = services.shapers.anomaly(record, key);
  const [written] = await backbone.produce(input.produceTo, [
    { key: input.device ?? key, value: JSON.stringify(shaped) },
  ]);
  return { record, shaped, partition: written.partition, offset: written.offset };
}
