// The newest record of a topic: what the AutoML steps read (the latest joined record, training set,
// model or peer groups), as VIPER's steps each pick up the previous step's latest output.
import type { Backbone } from '../../backbone/types.js';
import { NotFoundError, ParameterError } from '../errors.js';
import { choosePartitions } from './read-records.js';

export interface LatestRecord {
  partition: number;
  offset: number;
  timestamp: number;
  value: string;
}

/**
 * The newest record over the chosen partitions (-1: all; the newest timestamp wins), or a
 * NotFoundError naming `parameter` when the topic holds none.
 */
export async function latestRecord(
  backbone: Backbone,
  topic: string,
  partition: number,
  parameter: string,
  what: string,
): Promise<LatestRecord> {
  const partitions = choosePartitions(await backbone.listOffsets(topic), partition, topic);
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
    throw new NotFoundError('EMPTY_TOPIC', `topic '${topic}' holds no ${what} yet`, parameter);
  }
  return newest;
}

/** Parses a record written by a previous step, naming the step that should have written it. */
export function parseJsonRecord(
  record: LatestRecord,
  topic: string,
  parameter: string,
  what: string,
): unknown {
  try {
    return JSON.parse(record.value) as unknown;
  } catch {
    throw new ParameterError(
      parameter,
      `names topic '${topic}', whose latest record (partition ${record.partition}, offset ${record.offset}) is not ${what}`,
    );
  }
}
