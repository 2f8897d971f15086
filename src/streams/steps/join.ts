// The join step: the latest window of each stream, cut at one moment, written as ONE joined record
// into the joined topic (keyed by the topic's name). `offset = -1` rolls every stream back `maxRows`
// offsets; `offset >= 0` takes each stream from that offset on (at most `maxRows` records).
import type { Backbone } from '../../backbone/types.js';
import { InvalidJoinError, StepInputError } from '../errors.js';
import { checkJoinable, joinLatestWindows, type JoinedRecord } from '../join.js';
import { parseStreamAddress } from '../stream-address.js';

export interface JoinInput {
  /** The joined topic written to. */
  topic: string;
  streams: string[];
  /** -1: the newest `maxRows` records of each stream; >= 0: from this offset on. */
  offset: number;
  /** 0 with offset >= 0: no limit. */
  maxRows: number;
  /** Join only this device's records (record key); the joined record is keyed with it. */
  device?: string;
  /**
   * The largest record the joined topic takes: a window that cannot fit is refused before any
   * stream is read. Default: no check (the backbone refuses the record when it is written).
   */
  maxRecordBytes?: number;
}

/**
 * The fewest bytes one record of one stream takes in a joined record: a one-character value and a
 * one-character timestamp, each followed by a comma. A lower bound, so a refused window could
 * never have fitted.
 */
export const MIN_JOINED_ROW_BYTES = 4;

export interface WrittenJoin {
  joined: JoinedRecord;
  partition: number;
  offset: number;
  bytesWritten: number;
}

export function checkJoinInput(input: Pick<JoinInput, 'offset' | 'maxRows'>): void {
  if (input.offset < -1) {
    throw new StepInputError('offset', `must be -1 (roll back from the end) or >= 0, got ${input.offset}`);
  }
  if (input.maxRows < 0) throw new StepInputError('maxRows', `must be >= 0, got ${input.maxRows}`);
  if (input.offset === -1 && input.maxRows < 1) {
    throw new StepInputError(
      'maxRows',
      'must be >= 1 with offset=-1 (how many offsets to roll each stream back)',
    );
  }
}

/** How many of a stream's newest records a window keeps for `offset` / `maxRows`. */
async function windowLength(
  backbone: Backbone,
  stream: string,
  offset: number,
  maxRows: number,
): Promise<number> {
  if (offset === -1) return maxRows;
  let n = 0;
  for (const p of await backbone.listOffsets(parseStreamAddress(stream).topic)) {
    n += Math.max(0, p.latest - Math.max(p.earliest, offset));
  }
  return maxRows > 0 ? Math.min(n, maxRows) : n;
}

/** How many records a stream actually holds for the window (the offsets, not the records, are read). */
async function recordsInWindow(
  backbone: Backbone,
  stream: string,
  offset: number,
  maxRows: number,
): Promise<number> {
  let n = 0;
  // a named stream inside a topic (`<topic>/<stream>`): its topic's offsets bound it from above
  for (const p of await backbone.listOffsets(parseStreamAddress(stream).topic)) {
    const from = offset === -1 ? Math.max(p.earliest, p.latest - maxRows) : Math.max(p.earliest, offset);
    n += Math.max(0, p.latest - from);
  }
  return maxRows > 0 ? Math.min(n, maxRows) : n;
}

export async function joinTopics(backbone: Backbone, input: JoinInput): Promise<WrittenJoin> {
  checkJoinInput(input);
  try {
    await checkJoinable(backbone, input.streams);
  } catch (error) {
    if (error instanceof InvalidJoinError) throw new StepInputError('streams', error.message);
    throw error;
  }
  if (input.maxRecordBytes !== undefined) {
    const counts = await Promise.all(
      input.streams.map((s) => recordsInWindow(backbone, s, input.offset, input.maxRows)),
    );
    const records = counts.reduce((a, b) => a + b, 0);
    if (records * MIN_JOINED_ROW_BYTES > input.maxRecordBytes) {
      throw new StepInputError(
        'maxRows',
        `asks for ${records} records over ${input.streams.length} stream(s): their joined record would take at least ${records * MIN_JOINED_ROW_BYTES} bytes, more than the largest record of ${input.maxRecordBytes} bytes; ask for fewer rows`,
      );
    }
  }
  const lengths = await Promise.all(
    input.streams.map((s) => windowLength(backbone, s, input.offset, input.maxRows)),
  );
  // Every stream is cut with its own length when offset >= 0; with offset=-1 they share maxRows.
  const joined = await joinWindows(backbone, input.streams, lengths, input.device);
  if (input.device !== undefined && input.streams.every((s) => joined.values[s].length === 0)) {
    throw new StepInputError(
      'topicId',
      `is ${input.device}, a device none of ${input.streams.join(', ')} holds a record of (records carry their device as their key)`,
    );
  }
  const value = JSON.stringify(joined);
  const [written] = await backbone.produce(input.topic, [{ key: input.device ?? input.topic, value }]);
  return {
    joined,
    partition: written.partition,
    offset: written.offset,
    bytesWritten: Buffer.byteLength(value),
  };
}

async function joinWindows(
  backbone: Backbone,
  streams: string[],
  lengths: number[],
  device: string | undefined,
): Promise<JoinedRecord> {
  const createdAt = Date.now();
  const spec = device !== undefined ? { device, now: createdAt } : { now: createdAt };
  if (lengths.every((n) => n === lengths[0]) && lengths[0] > 0) {
    return joinLatestWindows(backbone, streams, { ...spec, lastOffsets: lengths[0] });
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
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i];
    const part =
      lengths[i] === 0
        ? undefined
        : await joinLatestWindows(backbone, [s], { ...spec, lastOffsets: lengths[i] });
    joined.values[s] = part?.values[s] ?? [];
    joined.timestamps[s] = part?.timestamps[s] ?? [];
    joined.offsets[s] = part?.offsets[s] ?? [];
    joined.skipped[s] = part?.skipped[s] ?? 0;
    const partitions = part?.partitions?.[s];
    if (partitions !== undefined) (joined.partitions ??= {})[s] = partitions;
  }
  return joined;
}
