// The newest record of a topic: what each step of the flow reads (the latest joined record, training
// set, model or peer groups), as every step picks up the previous step's latest output.
import type { Backbone } from '../backbone/types.js';
import { StepInputError, StepNotFoundError } from './errors.js';

export interface LatestRecord {
  partition: number;
  offset: number;
  timestamp: number;
  value: string;
}

/**
 * The newest record over the chosen partitions (-1: all; the newest timestamp wins), or a
 * StepNotFoundError naming `field` when the topic holds none.
 */
export async function latestRecord(
  backbone: Backbone,
  topic: string,
  partition: number,
  field: string,
  what: string,
): Promise<LatestRecord> {
  const offsets = await backbone.listOffsets(topic);
  const partitions = partition === -1 ? offsets : offsets.filter((p) => p.partition === partition);
  if (partitions.length === 0) {
    throw new StepInputError(
      'partition',
      `must be -1 (all) or a partition of topic '${topic}' (0..${offsets.length - 1}), got ${partition}`,
    );
  }
  let newest: LatestRecord | undefined;
  for (const p of partitions) {
    if (p.latest <= p.earliest) continue;
    const { records } = await backbone.fetch({
      topic,
      partition: p.partition,
      offset: p.latest - 1,
      maxRecords: 1,
    });
    const r = records.at(-1);
    if (r === undefined || r.value === null) continue;
    if (newest === undefined || r.timestamp > newest.timestamp) {
      newest = {
        partition: p.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        value: r.value.toString('utf8'),
      };
    }
  }
  if (newest === undefined) {
    throw new StepNotFoundError('EMPTY_TOPIC', `topic '${topic}' holds no ${what} yet`, field);
  }
  return newest;
}

/** Parses a record written by a previous step, naming the step that should have written it. */
export function parseJsonRecord(record: LatestRecord, topic: string, field: string, what: string): unknown {
  try {
    return JSON.parse(record.value) as unknown;
  } catch {
    throw new StepInputError(
      field,
      `names topic '${topic}', whose latest record (partition ${record.partition}, offset ${record.offset}) is not ${what}`,
    );
  }
}
