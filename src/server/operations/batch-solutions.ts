// What the VIPER batch endpoints need from the solutions: VIPER runs those endpoints continuously, so
// here each call becomes a solution. Calling again with the same parameters reuses it; with other
// parameters it updates it in place (the latest call's settings win, as a re-run notebook expects;
// its registry, champions and input offsets stay), unless they change what its models were learnt
// on (streams, variables, task): then it is replaced and its registry starts again. Every check runs
// before anything is written, so a bad call creates nothing.
import { isDeepStrictEqual } from 'node:util';
import type { SolutionView } from '../../solutions/catalog-types.js';
import { SolutionChangeError, SolutionSpecError, UnknownSolutionError } from '../../solutions/errors.js';
import { patchBetween } from '../../solutions/spec-update.js';
import { validateSolutionSpec, type SolutionSpec } from '../../solutions/spec.js';
import { requireRole } from '../auth/authenticator.js';
import { NotFoundError, ParameterError } from '../errors.js';
import type { OperationContext } from './context.js';
import { latestRecord, parseJsonRecord } from '../../streams/index.js';
import { TRAINING_SET_KIND, type TrainingSetRecord } from '../../streams/index.js';
import { describeExisting } from './validate.js';

export type BatchAction = 'created' | 'reused' | 'updated' | 'replaced';

export interface BatchResult {
  action: BatchAction;
  view: SolutionView;
}

/** JSON drops `undefined` fields: compare specs as they are stored. */
const stored = (spec: SolutionSpec): unknown => JSON.parse(JSON.stringify(spec)) as unknown;

/**
 * Validates `spec` (errors name the VIPER parameter `parameterOf(field)` gave the field), then
 * creates the solution, reuses an identical one, or replaces one of the same name.
 */
export async function upsertSolution(
  context: OperationContext,
  spec: unknown,
  parameterOf: (field: string) => string,
  operation: string,
): Promise<BatchResult> {
  requireRole(context.principal, 'admin', operation);
  let valid: SolutionSpec;
  try {
    valid = validateSolutionSpec(spec);
  } catch (error) {
    if (error instanceof SolutionSpecError) {
      const problem = error.message.slice(`solution spec: ${error.field}: `.length);
      throw new ParameterError(parameterOf(error.field), `(the solution's ${error.field}) ${problem}`);
    }
    throw error;
  }
  const catalog = await context.solutions();
  let existing: SolutionView | undefined;
  try {
    existing = await catalog.describe(valid.name);
  } catch (error) {
    if (!(error instanceof UnknownSolutionError)) throw error;
  }
  if (existing !== undefined && isDeepStrictEqual(stored(existing.spec), stored(valid))) {
    return { action: 'reused', view: existing };
  }
  if (existing === undefined) return { action: 'created', view: await catalog.create(valid) };
  try {
    return { action: 'updated', view: await catalog.update(valid.name, patchBetween(existing.spec, valid)) };
  } catch (error) {
    if (!(error instanceof SolutionChangeError)) throw error;
  }
  // other streams, variables or task: the old models do not fit; a new solution (and registry)
  await catalog.delete(valid.name);
  return { action: 'replaced', view: await catalog.create(valid) };
}

/** The first solution `match` accepts (name order), if any. */
export async function findSolution(
  context: OperationContext,
  match: (view: SolutionView) => boolean,
): Promise<SolutionView | undefined> {
  return (await (await context.solutions()).list()).find(match);
}

/** What a topic of the VIPER flow says about the streams a solution should read. */
export interface StreamsSource {
  streams: string[];
  /** From a training set (createtrainingdata) or a trained model (viperhpdetraining). */
  dependentVariable?: string;
  independentVariables?: string[];
  rows?: number;
}

async function joinStreams(context: OperationContext, topic: string): Promise<string[] | undefined> {
  const join = context.store.joins.get(topic) ?? (await context.store.joins.lookup(topic));
  return join?.streams;
}

/**
 * The streams behind `topic`: a joined topic's streams (createjointopicstreams), the streams of the
 * joined topic a training set was cut from (createtrainingdata), or, for any other topic, the topic
 * itself (a comma list names several streams).
 */
export async function streamsBehind(
  context: OperationContext,
  topics: string[],
  parameter: string,
): Promise<StreamsSource> {
  for (const topic of topics) {
    try {
      await describeExisting(context.backbone, topic, parameter);
    } catch (error) {
      // The VIPER face shows only the message: say which parameter named the missing topic.
      if (error instanceof NotFoundError) {
        throw new NotFoundError(error.code, `parameter '${parameter}': ${error.message}`, parameter);
      }
      throw error;
    }
  }
  if (topics.length > 1) return { streams: topics };
  const [topic] = topics;
  const joined = await joinStreams(context, topic);
  if (joined !== undefined) return { streams: joined };
  const offsets = await context.backbone.listOffsets(topic);
  if (offsets.every((p) => p.latest <= p.earliest)) return { streams: [topic] };
  const latest = await latestRecord(context.backbone, topic, -1, parameter, 'a record');
  let record: unknown;
  try {
    record = parseJsonRecord(latest, topic, parameter, 'JSON');
  } catch {
    return { streams: [topic] }; // a stream of plain values
  }
  const set = record as Partial<TrainingSetRecord> | null;
  if (set?.kind !== TRAINING_SET_KIND || set.lineage === undefined) return { streams: [topic] };
  const streams = await joinStreams(context, set.lineage.joinedTopic);
  if (streams === undefined) {
    throw new ParameterError(
      parameter,
      `names a training set cut from '${set.lineage.joinedTopic}', which is not a joined topic any more`,
    );
  }
  return {
    streams,
    ...(set.dependentVariable !== undefined ? { dependentVariable: set.dependentVariable } : {}),
    ...(set.independentVariables !== undefined ? { independentVariables: set.independentVariables } : {}),
    ...(set.rows !== undefined ? { rows: set.rows } : {}),
  };
}

/**
 * The model viperhpdetraining last wrote to `paramsTopic` (or, with `alias`, that alias's champion,
 * which must have been written there): its variables and the streams of the joined topic its
 * training set came from. Undefined when there is no such registered model.
 */
export async function trainedModelIn(
  context: OperationContext,
  paramsTopic: string,
  alias = '',
): Promise<StreamsSource | undefined> {
  const champions =
    alias !== ''
      ? [await context.store.models.resolve(alias)].filter((m) => m !== undefined)
      : (await context.store.models.aliases()).map((a) => a.champion);
  const models = champions
    .filter((m) => m.record?.topic === paramsTopic)
    .sort((a, b) => b.promotedAt - a.promotedAt);
  const model = models[0]?.model as
    | { featureNames?: string[]; targetName?: string; rows?: number; lineage?: Record<string, unknown> }
    | undefined;
  if (model?.targetName === undefined || model.featureNames === undefined) return undefined;
  const joined = (model.lineage?.joined as { joinedTopic?: string } | undefined)?.joinedTopic;
  const streams = joined !== undefined ? await joinStreams(context, joined) : undefined;
  if (streams === undefined) return undefined;
  return {
    streams,
    dependentVariable: model.targetName,
    independentVariables: model.featureNames,
    ...(model.rows !== undefined ? { rows: model.rows } : {}),
  };
}
