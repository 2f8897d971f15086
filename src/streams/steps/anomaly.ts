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
import { checkDeadline, type Deadline } from '../deadline.js';
import { checkModelFolder, normalizeFolder } from './controls/model-folder.js';

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
  /** The main (joined) topic the caller named (VIPER's Maintopic). */
  mainTopic?: string;
  /** The folder the peer groups were filed under (model-folder.ts); predictions naming one must match. */
  folder?: string;
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
  /** Past it, nothing is written and the step fails naming `timeoutSeconds`. */
  deadline?: Deadline;
  mainTopic?: string;
  /** The folder the peer groups are filed under (a name; no files are written). */
  folder?: string;
  /** Also write the peer-groups record here (VIPER's produceto: the training summary). */
  summaryTo?: string;
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
  /**
   * 1–100: score each of the newest ⌈n·p/100⌉ joined rows (n: the shortest numeric stream), one
   * record per row, oldest first; 0 (default): the newest row only. Text streams: their newest value.
   */
  rollbackPercent?: number;
  deadline?: Deadline;
  mainTopic?: string;
  /** When given, the peer groups must have been filed under this folder. */
  folder?: string;
  /** Also write the input rows scored here (VIPER's produceinputstreamtest). */
  inputTestTo?: string;
}

/** The formatted input a prediction scored, written to `inputTestTo`. */
export interface AnomalyInputRecord {
  kind: 'tml-anomaly-input';
  inputStream: string;
  streams: string[];
  /** Each stream's values scored, oldest row first. */
  values: Record<string, Array<number | string>>;
  createdAt: string;
}

export interface AnomalyRecord extends RiskAssessment {
  createdAt: string;
  mainTopic?: string;
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
  const folder = normalizeFolder(input.folder ?? '', 'folder');
  const record: PeerGroupsRecord = {
    createdAt: new Date().toISOString(),
    consumeFrom: input.consumeFrom,
    streams: input.streams,
    peerGroups: groups,
    ...(texts.length > 0 ? { textPeerGroups: texts } : {}),
    lineage: joined.source,
    ...(input.mainTopic !== undefined ? { mainTopic: input.mainTopic } : {}),
    ...(folder !== '' ? { folder } : {}),
  };
  const value = JSON.stringify(services.shapers.peerGroups(record));
  const keyed = input.device !== undefined ? { key: input.device, value } : { value };
  checkDeadline(input.deadline);
  const [written] = await backbone.produce(input.produceTo, [keyed]);
  // the training summary (VIPER's produceto): the same record, for readers of that topic
  if (input.summaryTo !== undefined) await backbone.produce(input.summaryTo, [keyed]);
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
): Promise<{
  record: AnomalyRecord;
  shaped: unknown;
  partition: number;
  offset: number;
  /** Every record written (one per row scored), oldest row first; `record` is the last. */
  records: AnomalyRecord[];
  inputTest?: { partition: number; offset: number };
}> {
  const { backbone } = services;
  const percent = input.rollbackPercent ?? 0;
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    throw new StepInputError('rollbackPercent', `must be a percentage from 0 to 100, got ${String(percent)}`);
  }
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
  if (input.folder !== undefined) checkModelFolder(stored.folder, input.folder, 'folder');
  const groups = new Map(
    stored.peerGroups.map((g) => [g.stream, inputError('consumeFrom', () => readPeerGroup(g))]),
  );
  const texts = new Map((stored.textPeerGroups ?? []).map((g) => [g.stream, g]));
  const joined = await latestJoined(backbone, input.inputStream, -1, 'inputStream', input.device);
  checkStreamsIn(joined, input.streams, input.inputStream, 'inputStream');
  // text streams: their newest value, the same in every row's scores
  const textScores = new Map<string, AnomalyRecord['scores'][number]>();
  for (const stream of input.streams) {
    const rule = input.rules.find((r) => r.stream === stream);
    const text = texts.get(stream);
    if (text !== undefined) {
      textScores.set(stream, await scoreTextStream(backbone, joined, text, rule));
      continue;
    }
    if (rule?.text !== undefined) {
      throw new StepInputError('flags', `match text (v2), but stream '${stream}' has a numeric peer group`);
    }
    if (!groups.has(stream)) {
      throw new StepInputError(
        'streams',
        `names '${stream}', which has no peer group in '${input.consumeFrom}'`,
      );
    }
    if (joined.values[stream].length === 0)
      throw new StepInputError('inputStream', `holds no value of stream '${stream}' to score`);
  }
  const numeric = input.streams.filter((s) => !textScores.has(s));
  const shortest = Math.min(...numeric.map((s) => joined.values[s].length));
  const rows = numeric.length === 0 || percent === 0 ? 1 : Math.ceil((shortest * percent) / 100);
  const createdAt = new Date().toISOString();
  const records: AnomalyRecord[] = [];
  const scored: AnomalyInputRecord['values'] = Object.fromEntries(input.streams.map((s) => [s, []]));
  for (let r = rows - 1; r >= 0; r--) {
    const scores: AnomalyRecord['scores'] = [];
    for (const stream of input.streams) {
      const text = textScores.get(stream);
      if (text !== undefined) {
        scores.push(text);
        scored[stream].push(text.text ?? '');
        continue;
      }
      const values = joined.values[stream];
      const value = values[values.length - 1 - r];
      const rule = input.rules.find((x) => x.stream === stream);
      const score = scoreValue(groups.get(stream)!, value);
      scores.push({
        ...score,
        anomaly: rule ? ruleHolds(rule, score) : score.anomaly,
        ruleApplied: rule !== undefined,
      });
      scored[stream].push(value);
    }
    const risk = inputError('flags', () =>
      assessRisk(scores, { riskscore: input.riskscore, complete: input.complete }),
    );
    records.push({
      ...risk,
      createdAt,
      ...(input.mainTopic !== undefined ? { mainTopic: input.mainTopic } : {}),
      scores,
    });
  }
  const keys = records.map(() => recordKey());
  const shapedAll = records.map((record, i) => services.shapers.anomaly(record, keys[i]));
  checkDeadline(input.deadline);
  let inputTest: { partition: number; offset: number } | undefined;
  if (input.inputTestTo !== undefined) {
    const formatted: AnomalyInputRecord = {
      kind: 'tml-anomaly-input',
      inputStream: input.inputStream,
      streams: input.streams,
      values: scored,
      createdAt,
    };
    const [w] = await backbone.produce(input.inputTestTo, [
      { key: input.device ?? recordKey(), value: JSON.stringify(formatted) },
    ]);
    inputTest = { partition: w.partition, offset: w.offset };
  }
  const written = await backbone.produce(
    input.produceTo,
    shapedAll.map((shaped, i) => ({ key: input.device ?? keys[i], value: JSON.stringify(shaped) })),
  );
  const last = written[written.length - 1];
  return {
    record: records[records.length - 1],
    shaped: shapedAll[shapedAll.length - 1],
    partition: last.partition,
    offset: last.offset,
    records,
    ...(inputTest !== undefined ? { inputTest } : {}),
  };
}
