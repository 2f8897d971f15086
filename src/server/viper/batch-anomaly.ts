// The anomaly batch endpoints' solutions: peer groups of `streamstoanalyse` learnt every window
// (viperanomalytrainbatch) and every new row scored against them (viperanomalypredictbatch).
import { findSolution, streamsBehind } from '../operations/batch-solutions.js';
import type { OperationContext } from '../operations/context.js';
import { checkModelFolder, deadlineAfter, normalizeFolder } from '../../streams/index.js';
import { ParameterError, ServerError, showValue } from '../errors.js';
import type { ViperParams } from './params.js';
import { checkConsumer, checkTopicName } from '../operations/validate.js';
import { asParameter, deviceOf } from './batch-model-params.js';
import { deviceParam } from './device-param.js';
import { anomalyRules } from './flags.js';
import { IO_FIELDS, retrain, solutionName, streamsOnly, windowRows, type Spec } from './batch-spec-parts.js';

/** VIPER's training flags: `topic=t,topictype=numeric,threshnumber=n,lag=5,zthresh=3.5,influence=0.5~...`. */
function anomalySettings(params: ViperParams, required: boolean): Spec {
  const flags = required ? params.string('flags') : params.string('flags', { default: '' });
  const settings: Spec = {};
  for (const group of flags.split('~')) {
    for (const pair of group.split(',')) {
      const at = pair.indexOf('=');
      if (at < 0) continue;
      const key = pair.slice(0, at).trim().toLowerCase();
      const raw = pair.slice(at + 1).trim();
      const field =
        key === 'lag' ? 'lag' : key === 'zthresh' ? 'threshold' : key === 'influence' ? 'influence' : '';
      if (field === '' || field in settings) continue; // the first group's value is the solution's
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) {
        throw new ParameterError('flags', `${key} must be a number, got '${showValue(raw)}'`);
      }
      settings[field] = value;
    }
  }
  return settings;
}

export const ANOMALY_FIELDS: Array<[string, string]> = [
  ...IO_FIELDS,
  ['name', 'producepeergroupto'],
  ['inputs', 'streamstoanalyse'],
  ['dependentVariable', 'streamstoanalyse'],
  ['independentVariables', 'streamstoanalyse'],
  ['window', 'rollbackoffsets'],
  ['retrain', 'timedelay'],
  ['anomaly', 'flags'],
  ['outputs.anomalies', 'produceto'],
  ['entityKey', 'topicid'],
  ['io.entity', 'topicid'],
  ['outputs.scoredInputs', 'produceinputstreamtest'],
  ['io.scoredInputsProducerId', 'produceridinputstreamtest'],
  ['outputs.peerGroups', 'producepeergroupto'],
  ['io.peerGroupsProducerId', 'produceridpeergroup'],
  ['anomaly.timeoutSeconds', 'timeout'],
  ['anomaly.scoringTimeoutSeconds', 'timeout'],
  ['registry.folder', 'fullpathtotrainingdata'],
];

/** Every name the client sends for "no id": its default is the empty string. */
const given = (params: ViperParams, name: string): string => params.string(name, { default: '' }).trim();

async function registeredTopic(context: OperationContext, topic: string) {
  return context.store.topics.get(topic) ?? (await context.store.topics.lookup(topic));
}

/**
 * viperanomalytrainbatch, read as viperanomalytrain reads the same parameters: each window's peer
 * groups published to `producepeergroupto`, labelled with `produceridpeergroup` (that topic's
 * producer id); `fullpathtotrainingdata` the folder they are filed under; `timeout` a bound on each
 * window's learning; `consumeridproduceto` a consumer subscribed to `produceto`.
 */
export async function anomalyTrainSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const peerGroupsTo = params.string('producepeergroupto');
  const name = solutionName('anomaly-', peerGroupsTo, 'producepeergroupto');
  const spec = await anomalySpec(context, params, name, 'viperanomalytrainbatch');
  checkTopicName(peerGroupsTo, 'producepeergroupto');
  const timeoutSeconds = params.float('timeout', { default: 120 });
  asParameter('timeout', () => deadlineAfter(0, timeoutSeconds));
  const folder = asParameter('fullpathtotrainingdata', () =>
    normalizeFolder(params.string('fullpathtotrainingdata', { default: '' }), 'fullpathtotrainingdata'),
  );
  const producerId = given(params, 'produceridpeergroup');
  if (producerId !== '' && (await registeredTopic(context, peerGroupsTo))?.producerId !== producerId) {
    throw new ParameterError(
      'produceridpeergroup',
      `'${showValue(producerId)}' is not the producer id of '${peerGroupsTo}' (createtopic gives it)`,
    );
  }
  const reader = given(params, 'consumeridproduceto');
  if (reader !== '') {
    const produceTo = params.string('produceto');
    try {
      await checkConsumer(context, reader, produceTo, 'consumeridproduceto');
    } catch (error) {
      if (error instanceof ServerError) throw new ParameterError('consumeridproduceto', error.message);
      throw error;
    }
  }
  const io = {
    ...(spec.io as Spec | undefined),
    ...(producerId !== '' ? { peerGroupsProducerId: producerId } : {}),
  };
  return {
    ...spec,
    anomaly: { ...(spec.anomaly as Spec), timeoutSeconds },
    ...(folder !== '' ? { registry: { folder } } : {}),
    ...(Object.keys(io).length > 0 ? { io } : {}),
    outputs: { ...(spec.outputs as Spec), peerGroups: peerGroupsTo },
  };
}

export async function anomalySpec(
  context: OperationContext,
  params: ViperParams,
  name: string,
  endpoint: string,
): Promise<Spec> {
  const produceTo = params.string('produceto');
  const streams = params.list('streamstoanalyse');
  for (const topic of streams) await streamsBehind(context, [topic], 'streamstoanalyse');
  // topicid: one device's records of one stream (its records keyed by device)
  const device = deviceParam(params);
  if (device !== undefined && streams.length !== 1) {
    throw new ParameterError(
      'topicid',
      `names device ${device}: give one stream in streamstoanalyse, not ${streams.length}`,
    );
  }
  const { dependent, independent, model } = streamsOnly(streams);
  const rows = windowRows(params, 'rollbackoffsets');
  return {
    name,
    description: `${endpoint}: peer groups of ${streams.join(',')}`,
    inputs: streams.map((topic) => ({ topic })),
    entityKey: device !== undefined,
    ...(device !== undefined ? { io: { entity: device } } : {}),
    window: { records: rows },
    dependentVariable: dependent,
    independentVariables: independent,
    model,
    retrain: retrain(params, rows),
    predict: false,
    anomaly: anomalySettings(params, endpoint === 'viperanomalytrainbatch'),
    outputs: { anomalies: produceTo },
  };
}

/**
 * viperanomalypredictbatch: `consumefrom` is the peer-group topic viperanomalytrainbatch named, so the
 * solution that training created gets `produceto` as its anomalies topic; without one, a new solution
 * over `streamstoanalyse` is made.
 */
export async function anomalyPredictSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const scored = await scoredInputs(context, params);
  await checkInputStream(context, params);
  const base = withRiskRules(params, await anomalyPredictBase(context, params));
  // timeout: VIPER's bound on its call (default 120 s), here on each cycle's scoring
  const scoringTimeoutSeconds = params.float('timeout', { default: 120 });
  asParameter('timeout', () => deadlineAfter(0, scoringTimeoutSeconds));
  const spec: Spec = { ...base, anomaly: { ...(base.anomaly as Spec), scoringTimeoutSeconds } };
  const outputs = {
    ...(spec.outputs as Spec),
    ...(scored.topic !== undefined ? { scoredInputs: scored.topic } : {}),
  };
  const io = { ...(spec.io as Spec | undefined), ...scored.io };
  return { ...spec, ...(Object.keys(io).length > 0 ? { io } : {}), outputs };
}

/**
 * `consumeinputstream`: the joined stream whose rows are scored (as viperanomalypredict) — the solution
 * reads the streams behind it, as viperhpdepredictbatch reads `inputdata`'s, so it must carry every
 * stream analysed; `consumeridinputstream`: a consumer subscribed to it, whose usage the solution's
 * reads (of those streams) count for in AiMS (`inputReader` puts it in the spec's io).
 */
async function checkInputStream(context: OperationContext, params: ViperParams): Promise<void> {
  const inputStream = given(params, 'consumeinputstream');
  const reader = given(params, 'consumeridinputstream');
  if (inputStream === '') {
    if (reader !== '') {
      throw new ParameterError(
        'consumeridinputstream',
        'is given without consumeinputstream, the topic it reads',
      );
    }
    return;
  }
  const { streams } = await streamsBehind(context, [inputStream], 'consumeinputstream');
  const name = solutionName('anomaly-', params.string('consumefrom'), 'consumefrom');
  const existing = await findSolution(context, (v) => v.name === name);
  const analysed =
    existing !== undefined ? existing.spec.inputs.map((i) => i.topic) : params.list('streamstoanalyse');
  const missing = analysed.filter((s) => !streams.includes(s));
  if (missing.length > 0) {
    throw new ParameterError(
      'consumeinputstream',
      `'${showValue(inputStream)}' carries ${streams.map((t) => `'${t}'`).join(', ')}, not ${missing.map((t) => `'${showValue(t)}'`).join(', ')} of the streams analysed`,
    );
  }
  if (reader === '') return;
  try {
    await checkConsumer(context, reader, inputStream, 'consumeridinputstream');
  } catch (error) {
    if (error instanceof ServerError) throw new ParameterError('consumeridinputstream', error.message);
    throw error;
  }
}

/** The solution's reads are of the input stream's streams: they count for consumeridinputstream. */
export function inputReader(params: ViperParams, spec: Spec): Spec {
  const reader = given(params, 'consumeridinputstream');
  if (reader === '') return spec;
  return { ...spec, io: { ...(spec.io as Spec | undefined), consumerId: reader } };
}

/**
 * The prediction's `flags` as viperanomalypredict reads them (riskscore, complete, each stream's
 * rule), set on the solution for its scoring; peer-group settings they name must be the solution's.
 */
function withRiskRules(params: ViperParams, spec: Spec): Spec {
  const { riskscore: _r, complete: _c, rules: _rules, ...anomaly } = spec.anomaly as Spec;
  if (!params.has('flags')) return { ...spec, anomaly };
  for (const [field, value] of Object.entries(anomalySettings(params, false))) {
    if (anomaly[field] !== undefined && anomaly[field] !== value) {
      const flag = field === 'threshold' ? 'zthresh' : field;
      throw new ParameterError(
        'flags',
        `give ${flag}=${String(value)}, but solution ${String(spec.name)} learns its peer groups with ${flag}=${String(anomaly[field])}`,
      );
    }
  }
  const risk = anomalyRules(params.string('flags'));
  const streams = (spec.inputs as Array<{ topic: string }>).map((i) => i.topic);
  for (const rule of risk.rules) {
    if (!streams.includes(rule.stream)) {
      throw new ParameterError(
        'flags',
        `name topic '${showValue(rule.stream)}', which is not in streamstoanalyse`,
      );
    }
    if (rule.text !== undefined) {
      throw new ParameterError(
        'flags',
        `match text (v2) on '${rule.stream}', but the solution's peer groups are numeric`,
      );
    }
  }
  return {
    ...spec,
    anomaly: {
      ...anomaly,
      ...(risk.riskscore !== undefined ? { riskscore: risk.riskscore } : {}),
      ...(risk.complete !== undefined ? { complete: risk.complete } : {}),
      ...(risk.rules.length > 0 ? { rules: risk.rules } : {}),
    },
  };
}

/**
 * `produceinputstreamtest`: the topic each scored row is republished to, as it was scored;
 * `produceridinputstreamtest`: that topic's producer id (createtopic), carried in those records.
 */
async function scoredInputs(
  context: OperationContext,
  params: ViperParams,
): Promise<{ topic?: string; io: Spec }> {
  const topic = params.string('produceinputstreamtest', { default: '' }).trim();
  const producerId = params.string('produceridinputstreamtest', { default: '' }).trim();
  if (topic === '') {
    if (producerId !== '') {
      throw new ParameterError(
        'produceridinputstreamtest',
        "labels produceinputstreamtest's records: name that topic too",
      );
    }
    return { io: {} };
  }
  checkTopicName(topic, 'produceinputstreamtest');
  if (producerId === '') return { topic, io: {} };
  const registration = context.store.topics.get(topic) ?? (await context.store.topics.lookup(topic));
  if (registration?.producerId !== producerId) {
    throw new ParameterError(
      'produceridinputstreamtest',
      `'${showValue(producerId)}' is not the producer id of '${topic}' (createtopic gives it)`,
    );
  }
  return { topic, io: { scoredInputsProducerId: producerId } };
}

async function anomalyPredictBase(context: OperationContext, params: ViperParams): Promise<Spec> {
  const peerGroups = params.string('consumefrom');
  const produceTo = params.string('produceto');
  const name = solutionName('anomaly-', peerGroups, 'consumefrom');
  const existing = await findSolution(context, (v) => v.name === name);
  if (existing !== undefined) {
    const spec = structuredClone(existing.spec) as unknown as Spec;
    checkTrainedStreams(params, spec);
    const registry = spec.registry as { folder?: string } | undefined;
    // as viperanomalypredict: peer groups filed under a folder are asked for by that folder
    asParameter('fullpathtopeergroupdata', () =>
      checkModelFolder(
        registry?.folder,
        params.string('fullpathtopeergroupdata', { default: '' }),
        'fullpathtopeergroupdata',
      ),
    );
    const device = deviceOf(params, spec);
    const rows = rolledBackRows(params, spec);
    const io = {
      ...(spec.io as Spec | undefined),
      ...(device !== undefined ? { entity: device } : {}),
      ...(rows > 0 ? { startOffset: -rows } : {}),
    };
    return {
      ...spec,
      ...(Object.keys(io).length > 0 ? { io } : {}),
      outputs: { ...(spec.outputs as Spec), anomalies: produceTo },
    };
  }
  const spec = await anomalySpec(context, params, name, 'viperanomalypredictbatch');
  // no training call filed them: the peer groups this solution learns are filed under the folder named
  const folder = asParameter('fullpathtopeergroupdata', () =>
    normalizeFolder(params.string('fullpathtopeergroupdata', { default: '' }), 'fullpathtopeergroupdata'),
  );
  return { ...spec, ...(folder !== '' ? { registry: { folder } } : {}) };
}

/**
 * `rollbackoffsets` of a prediction, a percentage as viperanomalypredict reads it: a solution that has
 * not started first scores the newest ⌈window·p/100⌉ stored rows (as maxrows does for
 * viperhpdepredictbatch; committed offsets win). 0: only new rows.
 */
function rolledBackRows(params: ViperParams, spec: Spec): number {
  const percent = params.float('rollbackoffsets', { default: 0 });
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    throw new ParameterError('rollbackoffsets', `must be a percentage from 0 to 100, got ${String(percent)}`);
  }
  const window = (spec.window as { records?: number } | undefined)?.records ?? 0;
  return Math.ceil((window * percent) / 100);
}

/** `streamstoanalyse` of a prediction: the streams the training solution learns peer groups of. */
function checkTrainedStreams(params: ViperParams, spec: Spec): void {
  if (!params.has('streamstoanalyse')) return;
  const asked = [...new Set(params.list('streamstoanalyse'))].sort();
  const trained = (spec.inputs as Array<{ topic: string }>).map((i) => i.topic).sort();
  if (asked.join(',') !== trained.join(',')) {
    throw new ParameterError(
      'streamstoanalyse',
      `names ${asked.map((t) => `'${showValue(t)}'`).join(', ')}, but solution ${String(spec.name)} learns peer groups of ${trained.map((t) => `'${t}'`).join(', ')} (viperanomalytrainbatch's streamstoanalyse)`,
    );
  }
}
