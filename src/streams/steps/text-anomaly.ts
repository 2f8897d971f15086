// Text streams in anomaly detection (VIPER's topictype=string). The joined record keeps numbers only,
// so a text stream's window is read back from the stream itself over the offsets the joined record
// covers (its lineage): the same window the numeric peer groups learn from.
import {
  EmptyWindowError,
  InvalidInputError,
  matchesPattern,
  readTextPeerGroup,
  scoreText,
  trainTextPeerGroup,
  type StreamRule,
  type StreamScore,
  type TextPeerGroupJSON,
} from '../../automl/index.js';
import type { Backbone, ConsumedRecord } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import type { JoinedRecord } from '../join.js';
import { inStream, parseStreamAddress, valueBytes } from '../stream-address.js';
import { sampleValue } from '../values.js';

/** Where a text score's severity is measured from: an unseen value (score 1) is twice the threshold. */
const TEXT_THRESHOLD = 0.5;

/** The text values of a stream over the offsets the joined record covers, oldest first. */
async function textWindow(backbone: Backbone, joined: JoinedRecord, stream: string): Promise<string[]> {
  const address = parseStreamAddress(stream);
  const records: ConsumedRecord[] = [];
  for (const { partition, from, to } of joined.offsets[stream] ?? []) {
    for (let next = from; next < to;) {
      const { records: batch } = await backbone.fetch({
        topic: address.topic,
        partition,
        offset: next,
        maxRecords: Math.min(5000, to - next),
        maxBytes: 16 * 1024 * 1024,
      });
      if (batch.length === 0) break;
      for (const r of batch) if (r.offset < to && inStream(r, address)) records.push(r);
      next = batch[batch.length - 1].offset + 1;
    }
  }
  records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  const texts: string[] = [];
  for (const r of records) {
    const v = sampleValue(valueBytes(r, address));
    if (v !== undefined) texts.push(String(v));
  }
  return texts;
}

export async function textPeerGroups(
  backbone: Backbone,
  joined: JoinedRecord,
  streams: readonly string[],
): Promise<TextPeerGroupJSON[]> {
  const out: TextPeerGroupJSON[] = [];
  for (const stream of streams) {
    const texts = await textWindow(backbone, joined, stream);
    try {
      out.push(trainTextPeerGroup(stream, texts));
    } catch (error) {
      if (error instanceof EmptyWindowError) {
        throw new StepInputError('consumeFrom', `holds no value of text stream '${stream}' in its window`);
      }
      throw error;
    }
  }
  return out;
}

/**
 * The newest text of the stream scored against its peer group. Without a rule an unseen value is an
 * anomaly; a rule's `v2` pattern and `sc` conditions (on 1 − share) combine with its and/or.
 */
export async function scoreTextStream(
  backbone: Backbone,
  joined: JoinedRecord,
  stored: unknown,
  rule: StreamRule | undefined,
): Promise<StreamScore & { ruleApplied: boolean; text: string }> {
  let group: TextPeerGroupJSON;
  try {
    group = readTextPeerGroup(stored);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new StepInputError('consumeFrom', error.message);
    throw error;
  }
  const texts = await textWindow(backbone, joined, group.stream);
  const newest = texts.at(-1);
  if (newest === undefined) {
    throw new StepInputError('inputStream', `holds no value of text stream '${group.stream}' to score`);
  }
  const score = scoreText(group, newest);
  let anomaly = score.anomaly;
  if (rule !== undefined) {
    const tests: boolean[] = rule.conditions.map((c) =>
      c.operator === '>'
        ? score.score > c.threshold
        : c.operator === '<'
          ? score.score < c.threshold
          : score.score === c.threshold,
    );
    if (rule.text !== undefined) tests.push(matchesPattern(rule.text.pattern, newest, rule.text.contains));
    if (tests.length > 0) anomaly = rule.combine === 'or' ? tests.some(Boolean) : tests.every(Boolean);
  }
  return {
    stream: group.stream,
    text: newest,
    value: score.share,
    score: score.score,
    threshold: TEXT_THRESHOLD,
    anomaly,
    direction: 'none',
    probability: score.score,
    ruleApplied: rule !== undefined,
  };
}
