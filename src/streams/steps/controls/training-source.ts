// Which training set a training reads (VIPER's `offset` on viperhpdetraining: -1 the newest record,
// n ≥ 0 the record at offset n) and how much of it (`rollbackoffsets`: a percentage of its rows,
// the newest; 0 = all of them).
import type { Backbone } from '../../../backbone/types.js';
import { StepInputError } from '../../errors.js';
import { ofDevice } from '../../device.js';
import { latestRecord, type LatestRecord } from '../../latest-record.js';
import type { TrainingSetRecord } from '../training-set.js';

export function checkTrainingSource(offset: number, rollbackPercent: number): void {
  if (!Number.isInteger(offset) || offset < -1) {
    throw new StepInputError(
      'offset',
      `must be -1 (the newest training set) or an offset >= 0, got ${offset}`,
    );
  }
  if (!(rollbackPercent >= 0 && rollbackPercent <= 100)) {
    throw new StepInputError('rollbackPercent', `must be a percentage from 0 to 100, got ${rollbackPercent}`);
  }
}

/** The training-set record at `offset` (or the newest with -1), of `device` when one is given. */
export async function trainingSetRecord(
  backbone: Backbone,
  topic: string,
  partition: number,
  offset: number,
  device?: string,
): Promise<LatestRecord> {
  if (offset === -1) return latestRecord(backbone, topic, partition, 'consumeFrom', 'training set', device);
  const partitions = await backbone.listOffsets(topic);
  const chosen = partition === -1 && partitions.length === 1 ? 0 : partition;
  const p = partitions.find((x) => x.partition === chosen);
  if (p === undefined) {
    throw new StepInputError(
      'partition',
      `must name a partition of topic '${topic}' (0..${partitions.length - 1}) when offset is given, got ${partition}`,
    );
  }
  if (offset < p.earliest || offset >= p.latest) {
    throw new StepInputError(
      'offset',
      `is ${offset}, but topic '${topic}' partition ${chosen} holds offsets ${p.earliest}..${p.latest - 1}`,
    );
  }
  const { records } = await backbone.fetch({ topic, partition: chosen, offset, maxRecords: 1 });
  const r = records[0];
  if (r === undefined || r.offset !== offset || r.value === null) {
    throw new StepInputError('offset', `is ${offset}, where topic '${topic}' holds no record`);
  }
  if (!ofDevice(r, device)) {
    throw new StepInputError(
      'topicId',
      `is ${device}, but the record at offset ${offset} of topic '${topic}' is not keyed with it`,
    );
  }
  return { partition: chosen, offset, timestamp: r.timestamp, value: r.value.toString('utf8') };
}

/** The newest `percent` % of the set's rows (rounded up); 0 or 100 keep every row. */
export function newestShare(set: TrainingSetRecord, percent: number): TrainingSetRecord {
  if (percent === 0 || percent === 100) return set;
  const keep = Math.ceil((set.rows * percent) / 100);
  const columns = Object.fromEntries(
    Object.entries(set.columns).map(([name, values]) => [name, values.slice(-keep)]),
  );
  return { ...set, rows: Math.min(keep, set.rows), columns };
}
