// The newest record of a topic: what each step of the flow reads (the latest joined record, training
// set, model or peer groups), as every step picks up the previous step's latest output.
import type { Backbone } from '../backbone/types.js';
import type { ConsumedRecord } from '../backbone/types.js';
import { devicePartitions, MAX_DEVICE_SCAN, ofDevice } from './device.js';
import { StepInputError, StepNotFoundError } from './errors.js';

export interface LatestRecord {
  partition: number;
  offset: number;
  timestamp: number;
  value: string;
}

/**
 * The newest record over the chosen partitions (-1: all; the newest timestamp wins), or a
 * StepNotFoundError naming `field` when the topic holds none. With `device`, the newest record of
 * that device (record key), or a StepNotFoundError naming `topicId` when the topic holds none.
 */
export async function latestRecord(
  backbone: Backbone,
  topic: string,
  partition: number,
  field: string,
  what: string,
  device?: string,
): Promise<LatestRecord> {
  const offsets = await backbone.listOffsets(topic);
  const partitions =
    partition === -1 ? devicePartitions(offsets, device) : offsets.filter((p) => p.partition === partition);
  if (partitions.length === 0) {
    throw new StepInputError(
      'partition',
      `must be -1 (all) or a partition of topic '${topic}' (0..${offsets.length - 1}), got ${partition}`,
    );
  }
  let newest: LatestRecord | undefined;
  for (const p of partitions) {
    if (p.latest <= p.earliest) continue;
    const r =
      device === undefined
        ? (
            await backbone.fetch({ topic, partition: p.partition, offset: p.latest - 1, maxRecords: 1 })
          ).records.at(-1)
        : await newestOfDevice(backbone, topic, p, device);
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
  if (newest === undefined && device !== undefined) {
    throw new StepInputError('topicId', `is ${device}, a device topic '${topic}' holds no ${what} of`);
  }
  if (newest === undefined) {
    throw new StepNotFoundError('EMPTY_TOPIC', `topic '${topic}' holds no ${what} yet`, field);
  }
  return newest;
}

/**
 * The newest record of a device in one partition: read back from the end in spans growing 4× (the
 * device's newest record is usually near the end), at most MAX_DEVICE_SCAN records.
 */
async function newestOfDevice(
  backbone: Backbone,
  topic: string,
  p: { partition: number; earliest: number; latest: number },
  device: string,
): Promise<ConsumedRecord | undefined> {
  const floor = Math.max(p.earliest, p.latest - MAX_DEVICE_SCAN);
  let end = p.latest;
  for (let span = 16; end > floor; span *= 4) {
    const from = Math.max(floor, end - span);
    let found: ConsumedRecord | undefined;
    for (let next = from; next < end;) {
      const { records } = await backbone.fetch({
        topic,
        partition: p.partition,
        offset: next,
        maxRecords: Math.min(5_000, end - next),
        maxBytes: 16 * 1024 * 1024,
      });
      if (records.length === 0) break;
      for (const r of records) if (r.offset < end && r.value !== null && ofDevice(r, device)) found = r;
      next = records[records.length - 1].offset + 1;
    }
    if (found !== undefined) return found;
    end = from;
  }
  return undefined;
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
