// Which training set a training reads (VIPER's `offset` on viperhpdetraining: -1 the newest record,
// n ≥ 0 the record at offset n) and how much of it (`rollbackoffsets`: a percentage of its rows,
// the newest; 0 = all of them).
import type { Backbone } from '../../../backbone/types.js';
import { StepInputError } from '../../errors.js';
import { ofDevice } from '../../device.js';
import { latestRecord, type LatestRecord } from '../../latest-record.js';
import { arrayColumns } from '../../array-rows.js';
import { TRAINING_SET_KIND, type TrainingSetRecord } from '../training-set.js';

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

/**
 * VIPER's array=1: the training set made from the rows of `consumeFrom` (`{"A":1,"B":2}` each), the
 * variables being their fields; `offset` >= 0 reads the rows from that offset on.
 */
export async function arrayTrainingSet(
  backbone: Backbone,
  input: { consumeFrom: string; partition: number; offset?: number; device?: string },
  variables: { dependentVariable?: string; independentVariables?: string[] },
): Promise<{ source: { partition: number; offset: number }; set: TrainingSetRecord }> {
  const dependent = variables.dependentVariable;
  const independent = variables.independentVariables ?? [];
  if (!dependent) {
    throw new StepInputError('dependentVariable', "must name the rows' field to predict when array=1");
  }
  if (independent.length === 0) {
    throw new StepInputError('independentVariables', "must name the rows' input fields when array=1");
  }
  if (independent.includes(dependent)) {
    throw new StepInputError('independentVariables', `names '${dependent}', the dependent variable`);
  }
  const rows = await arrayColumns(backbone, input.consumeFrom, [dependent, ...independent], {
    field: 'consumeFrom',
    partition: input.partition,
    fromOffset: input.offset ?? -1,
    ...(input.device !== undefined ? { device: input.device } : {}),
  });
  const set: TrainingSetRecord = {
    kind: TRAINING_SET_KIND,
    version: 1,
    dependentVariable: dependent,
    independentVariables: independent,
    rows: rows.rows,
    droppedRows: rows.skipped,
    columns: rows.columns,
    lineage: {
      joinedTopic: input.consumeFrom,
      partition: rows.newest.partition,
      offset: rows.newest.offset,
      offsets: { rows: rows.ranges },
    },
    ...(input.device !== undefined ? { device: input.device } : {}),
    createdAt: new Date().toISOString(),
  };
  return { source: rows.newest, set };
}
