// Where a runner starts reading its inputs: every partition of every input topic (co-partitioned
// when several are joined), or the one its spec's `io.partition` names, from the offsets its
// consumer group last committed — or, for a new solution, from `io.startOffset` (default: the end)
// — and the rows before those offsets that refill the window.
import { UnknownTopicError } from '../../backbone/errors.js';
import type { TopicPartitionOffset } from '../../backbone/types.js';
import { checkCoPartitioned, PositionJoin, windowCapacity, type JoinedRow } from '../../streams/index.js';
import { registryEntities } from '../../streams/registry/index.js';
import { startOffsetOf } from '../spec-io.js';
import { DEFAULT_OUTPUT_RETENTION_MS, inputVariables, type SolutionSpec } from '../spec.js';
import type { RunnerScope } from './types.js';

/** A restart re-reads at most this many records per partition into the window. */
const MAX_REPLAY_RECORDS = 20_000;
const REPLAY_FETCH_RECORDS = 2000;

/** The solution cannot work yet (an input topic is missing): retried, reported once. */
export class NotReadyError extends Error {}

export interface InputStart {
  join: PositionJoin;
  /** Fetch positions of every input partition. */
  positions: TopicPartitionOffset[];
  /** Rows before the positions, to refill the windows (already predicted before the restart). */
  replayed: JoinedRow[];
  /** No offset was ever committed: a new solution. */
  fresh: boolean;
}

/** The position join of the spec's inputs (entity-keyed when the spec says so). */
export function joinOf(spec: SolutionSpec): PositionJoin {
  const variables = inputVariables(spec);
  return new PositionJoin(
    spec.inputs.map((input) => ({
      topic: input.topic,
      variables: variables
        .filter((v) => v.topic === input.topic)
        .map((v) => ({ name: v.variable, field: v.field })),
    })),
    // a spec without inputs (validated: it has steps) only runs its steps: it joins nothing
    { keyed: spec.entityKey === true, none: spec.inputs.length === 0 },
  );
}

export async function startInputs(scope: RunnerScope): Promise<InputStart> {
  const { spec, ctx } = scope;
  const { backbone } = ctx;
  const partitionCounts = new Map<string, number>();
  for (const input of spec.inputs) {
    try {
      partitionCounts.set(input.topic, (await backbone.describeTopic(input.topic)).partitions.length);
    } catch (error) {
      if (error instanceof UnknownTopicError) {
        throw new NotReadyError(`input topic ${input.topic} does not exist (waiting for it)`);
      }
      throw error;
    }
  }
  // reported as the solution's problem, naming the topics; retried, as the topics may be altered
  if (spec.inputs.length > 1) checkCoPartitioned(partitionCounts);
  const only = spec.io?.partition;
  for (const [topic, count] of partitionCounts) {
    if (only !== undefined && only >= count) {
      throw new NotReadyError(`input topic ${topic} has ${count} partition(s), no partition ${only}`);
    }
  }
  const perRow = new Set([spec.outputs.predictions, spec.outputs.anomalies, spec.outputs.scoredInputs]);
  const retentionMs = spec.outputRetentionMs ?? DEFAULT_OUTPUT_RETENTION_MS;
  for (const topic of Object.values(spec.outputs)) {
    if (topic === undefined) continue;
    // writing to partition p needs p + 1 partitions (a topic that exists is checked by the face)
    const partitions = only !== undefined ? { partitions: only + 1 } : {};
    await backbone.ensureTopic(
      perRow.has(topic)
        ? { name: topic, ...partitions, config: { 'retention.ms': retentionMs } }
        : { name: topic, ...partitions },
    );
  }

  const committed = await backbone.committedOffsets(groupIdOf(scope.incarnation));
  // A solution that has learnt before but has no committed offset for a partition (the topic was
  // deleted and created again, or it gained partitions) reads that partition from its start.
  const continuing = (await registryEntities(ctx.registry, scope.incarnation)).length > 0;
  const replayRecords = Math.min(windowCapacity(spec.window), MAX_REPLAY_RECORDS);
  const positions: TopicPartitionOffset[] = [];
  const ranges: Array<{ tp: TopicPartitionOffset; from: number }> = [];
  const offsetsOf = new Map<string, Awaited<ReturnType<typeof backbone.listOffsets>>>();
  for (const [topic] of partitionCounts) offsetsOf.set(topic, await backbone.listOffsets(topic));
  // A new solution starts every joined input of a partition at the same offset: the smallest end
  // among them. Their ends are read one after the other while producers append, so they can differ
  // by a record, and starting each at its own end would pair record i of one input with record i+1
  // of another for the solution's whole life.
  const startOf = (partition: number): number =>
    Math.min(
      ...[...offsetsOf.values()].map((list) => list.find((o) => o.partition === partition)?.latest ?? 0),
    );
  for (const [topic, list] of offsetsOf) {
    for (const offsets of list) {
      const { partition, earliest, latest } = offsets;
      if (only !== undefined && partition !== only) continue;
      let done = committed.find((c) => c.topic === topic && c.partition === partition)?.offset;
      if (done !== undefined && (done > latest || done < earliest)) {
        // the topic was deleted and created again, or retention removed rows never read
        scope.board.problem(
          `input ${topic}/${partition}: committed offset ${done} is outside ${earliest}..${latest}; reading from ${earliest}`,
        );
        done = earliest;
      }
      if (done === undefined && continuing) {
        scope.board.problem(`input ${topic}/${partition}: no committed offset; reading from ${earliest}`);
        done = earliest;
      }
      // a new solution learns from the latest window at once (or starts where `io.startOffset`
      // says); a continuing one re-reads its window
      const resumeAt =
        done ?? startOffsetOf(spec.io, earliest, spec.inputs.length > 1 ? startOf(partition) : latest);
      const tp = { topic, partition, offset: resumeAt };
      positions.push(tp);
      // a new solution told to start at an offset learns nothing from before it; one told to start
      // n rows back (or at the window) learns the window before them first, then predicts them
      const start = spec.io?.startOffset ?? 'window';
      const fixedStart =
        done === undefined && (start === 'earliest' || (typeof start === 'number' && start >= 0));
      ranges.push({ tp, from: fixedStart ? resumeAt : Math.max(earliest, resumeAt - replayRecords) });
    }
  }
  const join = joinOf(spec);
  join.seed(positions);
  return { join, positions, replayed: await replay(scope, ranges), fresh: committed.length === 0 };
}

/** The consumer group whose committed offsets are a solution's progress through its inputs. */
export function groupIdOf(incarnation: string): string {
  return `tml.solution.${incarnation}`;
}

/** Re-reads the rows before the committed offsets (they were predicted before; now only learnt). */
async function replay(
  scope: RunnerScope,
  ranges: ReadonlyArray<{ tp: TopicPartitionOffset; from: number }>,
): Promise<JoinedRow[]> {
  const join = joinOf(scope.spec);
  for (const { tp, from } of ranges) {
    let offset = from;
    while (offset < tp.offset) {
      const { records } = await scope.ctx.backbone.fetch({
        topic: tp.topic,
        partition: tp.partition,
        offset,
        maxRecords: Math.min(REPLAY_FETCH_RECORDS, tp.offset - offset),
      });
      if (records.length === 0) break;
      join.add(
        tp.topic,
        records.filter((r) => r.offset < tp.offset),
      );
      offset = records[records.length - 1].offset + 1;
    }
  }
  return join.take();
}
