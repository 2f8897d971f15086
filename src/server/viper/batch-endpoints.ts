// The VIPER batch endpoints. VIPER runs them continuously (every `timedelay` seconds); here each call
// creates, reuses or replaces a continuous solution built from its parameters (the mapping table is in
// docs/viper-compatibility.md), and answers at once with the solution it set up. Errors name VIPER's
// parameter, and a bad call creates nothing.
import { DEFAULT_WINDOW_RECORDS } from '../../streams/index.js';
import {
  findSolution,
  streamsBehind,
  trainedModelIn,
  upsertSolution,
  type BatchResult,
  type StreamsSource,
} from '../operations/batch-solutions.js';
import type { OperationContext } from '../operations/context.js';
import { ParameterError, showValue } from '../errors.js';
import type { ViperEndpoint } from './endpoints.js';
import { parseInputData } from './inputdata.js';
import type { ViperParams } from './params.js';
import { VIPER_RECORD_SHAPE } from './solution-records.js';

/** The prefix of the names of the solutions the batch endpoints create. */
export const BATCH_PREFIX = 'viper-';

type Spec = Record<string, unknown>;

/** The solution's name: the prefix and the topic that identifies the call (names have 100 characters). */
export function solutionName(kind: string, topic: string, parameter: string): string {
  const name = `${BATCH_PREFIX}${kind}${topic}`;
  if (name.length > 100) {
    throw new ParameterError(
      parameter,
      `names a topic too long to name a solution after ('${name.slice(0, 40)}…' is over 100 characters)`,
    );
  }
  return name;
}

/** Which VIPER parameter set a spec field: the first prefix that matches wins. */
export function parameterOf(table: Array<[string, string]>): (field: string) => string {
  return (field) =>
    table.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1] ?? field;
}

/** `timedelay` seconds between retrains; 0 (VIPER: no pause) retrains after every tenth of the window. */
function retrain(params: ViperParams, windowRows: number): Spec {
  const seconds = params.float('timedelay', { default: 0, min: 0 });
  return seconds > 0 ? { everySeconds: seconds } : { everyRecords: Math.max(1, Math.round(windowRows / 10)) };
}

/** Rows of the window: the parameter if given (> 0), else what the flow's topics say, else the default. */
function windowRows(params: ViperParams, parameter: string, known?: number): number {
  const given = params.int(parameter, { default: 0, min: 0 });
  return given > 0 ? given : (known ?? DEFAULT_WINDOW_RECORDS);
}

/** The variables of the model: the parameters when given, else what the training set or model says. */
function variables(params: ViperParams, source: StreamsSource): { dependent: string; independent: string[] } {
  const dependent = params.has('dependentvariable')
    ? params.string('dependentvariable')
    : (source.dependentVariable ?? params.string('dependentvariable'));
  const independent = params.has('independentvariables')
    ? params.list('independentvariables')
    : (source.independentVariables ?? params.list('independentvariables'));
  return { dependent, independent };
}

/** A solution over plain streams without a model (anomaly, statistics): one stream or several. */
function streamsOnly(streams: string[]): { dependent: string; independent: string[]; model: false } {
  return { dependent: streams[0], independent: streams.slice(1), model: false };
}

function answer(endpoint: string, result: BatchResult): Record<string, unknown> {
  const { view } = result;
  const spec = view.spec;
  return {
    Solution: view.name,
    Action: result.action,
    State: view.state,
    Condition: view.status?.condition ?? 'starting',
    Streams: spec.inputs.map((i) => i.topic).join(','),
    // a steps-only solution (streamquerybatch) learns nothing: its steps instead of its model
    ...(spec.inputs.length === 0
      ? { Steps: (spec.steps ?? []).map((step) => ({ Kind: step.kind, Output: step.output })) }
      : {
          DependentVariable: spec.dependentVariable,
          IndependentVariables: spec.independentVariables.join(','),
          WindowRecords: spec.window.records,
        }),
    ...(spec.retrain.everySeconds !== undefined ? { RetrainEverySeconds: spec.retrain.everySeconds } : {}),
    ...(spec.retrain.everyRecords !== undefined ? { RetrainEveryRecords: spec.retrain.everyRecords } : {}),
    Outputs: spec.outputs,
    Details: `/v1/solutions/${encodeURIComponent(view.name)}`,
    Endpoint: endpoint,
  };
}

const TRAINING_FIELDS: Array<[string, string]> = [
  ['name', 'produceto'],
  ['outputs.params', 'produceto'],
  ['inputs', 'consumefrom'],
  ['entityKey', 'topicid'],
  ['window', 'rollbackoffsets'],
  ['dependentVariable', 'dependentvariable'],
  ['independentVariables', 'independentvariables'],
  ['retrain', 'timedelay'],
  ['automl.modelruns', 'modelruns'],
  ['automl.timeBudgetMs', 'timeout'],
  ['automl.islogistic', 'islogistic'],
];

/** The solution viperhpdetrainingbatch describes: it learns from `consumefrom` and publishes to `produceto`. */
async function trainingSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const produceTo = params.string('produceto');
  const consumeFrom = params.list('consumefrom');
  const topicId = params.int('topicid', { default: -999 });
  const perEntity = topicId !== -999;
  // Per entity (topicid): one keyed topic whose JSON records carry every variable.
  const source: StreamsSource = perEntity
    ? { streams: consumeFrom }
    : await streamsBehind(context, consumeFrom, 'consumefrom');
  if (perEntity && consumeFrom.length !== 1) {
    throw new ParameterError('consumefrom', 'must name one keyed topic when topicid is given');
  }
  const { dependent, independent } = variables(params, source);
  const rows = windowRows(params, 'rollbackoffsets', source.rows);
  const timeout = params.float('timeout', { default: 120, min: 0.01 });
  return {
    name: solutionName('', produceTo, 'produceto'),
    description: `viperhpdetrainingbatch: ${consumeFrom.join(',')} → ${produceTo}`,
    inputs: perEntity
      ? [{ topic: consumeFrom[0], variables: [dependent, ...independent] }]
      : source.streams.map((topic) => ({ topic })),
    entityKey: perEntity,
    window: { records: rows },
    dependentVariable: dependent,
    independentVariables: independent,
    retrain: retrain(params, rows),
    automl: {
      modelruns: params.int('modelruns', { default: 10, min: 1 }),
      islogistic: params.bool('islogistic', { default: false }),
      timeBudgetMs: Math.round(timeout * 1000),
    },
    outputs: { params: produceTo },
  };
}

/**
 * The solution predictions or optimisations are added to: the one publishing its parameters to
 * `consumefrom`, or a new one built from the model viperhpdetraining wrote there.
 */
async function solutionPublishingTo(
  context: OperationContext,
  params: ViperParams,
  endpoint: string,
  algokey = '',
): Promise<Spec> {
  const paramsTopic = params.string('consumefrom');
  const existing = await findSolution(context, (v) => v.spec.outputs.params === paramsTopic);
  if (existing !== undefined) {
    // its model line is the solution (solution-records.ts: Algokey is its name)
    if (algokey !== '' && algokey !== existing.name) {
      throw new ParameterError(
        'algokey',
        `names '${showValue(algokey)}', but the model in '${showValue(paramsTopic)}' is solution ${existing.name}'s (its Algokey)`,
      );
    }
    return structuredClone(existing.spec) as unknown as Spec;
  }
  const model = await trainedModelIn(context, paramsTopic, algokey);
  if (model === undefined) {
    throw new ParameterError(
      algokey !== '' ? 'algokey' : 'consumefrom',
      algokey !== ''
        ? `names '${showValue(algokey)}', which is not a model viperhpdetraining wrote to '${showValue(paramsTopic)}'`
        : `names '${showValue(paramsTopic)}', where no solution publishes its parameters and viperhpdetraining wrote no model: ` +
            `call viperhpdetrainingbatch (or viperhpdetraining) with produceto=${showValue(paramsTopic)} first`,
    );
  }
  const rows = Math.max(model.rows ?? DEFAULT_WINDOW_RECORDS, 30);
  return {
    name: solutionName('', paramsTopic, 'consumefrom'),
    description: `${endpoint}: the model in ${paramsTopic}, kept learning`,
    inputs: model.streams.map((topic) => ({ topic })),
    window: { records: rows },
    dependentVariable: model.dependentVariable,
    independentVariables: model.independentVariables,
    retrain: retrain(params, rows),
    outputs: { params: paramsTopic },
  };
}

const PREDICT_FIELDS: Array<[string, string]> = [
  ['name', 'consumefrom'],
  ['outputs.params', 'consumefrom'],
  ['outputs.predictions', 'produceto'],
  ['inputs', 'inputdata'],
  ['outputs.optimal', 'produceto'],
  ['optimize.ismin', 'ismin'],
  ['optimize.constraints', 'constraints'],
  ['optimize.constrainttype', 'constrainttype'],
  ['optimize.stretchbounds', 'stretchbounds'],
  ['optimize.epsilon', 'epsilon'],
  ['retrain', 'timedelay'],
];

/**
 * `inputdata` names the joined topic (or stream) whose rows the solution predicts: its streams become
 * the solution's inputs (other streams than before replace the solution: its model fits other rows).
 * Comma values are one row, which viperhpdepredict predicts; a continuous prediction reads a stream.
 */
async function predictSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const produceTo = params.string('produceto');
  const inputData = params.string('inputdata', { default: '' }).trim();
  if (inputData !== '' && parseInputData(inputData) !== undefined) {
    throw new ParameterError(
      'inputdata',
      `holds values ('${showValue(inputData)}'); a batch prediction reads a stream: name its joined topic (viperhpdepredict predicts one row)`,
    );
  }
  const algokey = params.string('algokey', { default: '' }).trim();
  const spec = await solutionPublishingTo(context, params, 'viperhpdepredictbatch', algokey);
  const inputs =
    inputData === ''
      ? spec.inputs
      : (await streamsBehind(context, [inputData], 'inputdata')).streams.map((topic) => ({ topic }));
  return { ...spec, inputs, predict: true, outputs: { ...(spec.outputs as Spec), predictions: produceTo } };
}

async function optimizeSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const produceTo = params.string('produceto');
  const optimize = {
    // absent: VIPER's server defaults (as viperhpdeoptimize: Maximization, 10, 20)
    ismin: params.bool('ismin', { default: false }),
    constraints: params.string('constraints', { default: 'best' }),
    constrainttype: params.int('constrainttype', { default: 1, min: 1, max: 3 }),
    stretchbounds: params.float('stretchbounds', { default: 10, min: 0 }),
    epsilon: params.float('epsilon', { default: 20, min: 0 }),
  };
  const spec = await solutionPublishingTo(context, params, 'viperhpdeoptimizebatch');
  return { ...spec, optimize, outputs: { ...(spec.outputs as Spec), optimal: produceTo } };
}

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

const ANOMALY_FIELDS: Array<[string, string]> = [
  ['name', 'producepeergroupto'],
  ['inputs', 'streamstoanalyse'],
  ['dependentVariable', 'streamstoanalyse'],
  ['independentVariables', 'streamstoanalyse'],
  ['window', 'rollbackoffsets'],
  ['retrain', 'timedelay'],
  ['anomaly', 'flags'],
  ['outputs.anomalies', 'produceto'],
];

async function anomalySpec(
  context: OperationContext,
  params: ViperParams,
  name: string,
  endpoint: string,
): Promise<Spec> {
  const produceTo = params.string('produceto');
  const streams = params.list('streamstoanalyse');
  for (const topic of streams) await streamsBehind(context, [topic], 'streamstoanalyse');
  const { dependent, independent, model } = streamsOnly(streams);
  const rows = windowRows(params, 'rollbackoffsets');
  return {
    name,
    description: `${endpoint}: peer groups of ${streams.join(',')}`,
    inputs: streams.map((topic) => ({ topic })),
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
async function anomalyPredictSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const peerGroups = params.string('consumefrom');
  const produceTo = params.string('produceto');
  const name = solutionName('anomaly-', peerGroups, 'consumefrom');
  const existing = await findSolution(context, (v) => v.name === name);
  if (existing !== undefined) {
    const spec = structuredClone(existing.spec) as unknown as Spec;
    return { ...spec, outputs: { ...(spec.outputs as Spec), anomalies: produceTo } };
  }
  return anomalySpec(context, params, name, 'viperanomalypredictbatch');
}

const PREPROCESS_FIELDS: Array<[string, string]> = [
  ['name', 'topicname'],
  ['inputs', 'streamstojoin'],
  ['dependentVariable', 'streamstojoin'],
  ['independentVariables', 'streamstojoin'],
  ['window', 'maxrows'],
  ['retrain', 'timedelay'],
  ['preprocess', 'preprocesslogic'],
  ['outputs.preprocessed', 'preprocesstopic'],
];

async function preprocessSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const topic =
    params.has('topicname') || !params.has('topic') ? params.string('topicname') : params.string('topic');
  const logic = params.list('preprocesslogic');
  const given = params.list('streamstojoin', { default: [] });
  const { streams } =
    given.length > 0
      ? await streamsBehind(context, given, 'streamstojoin')
      : await streamsBehind(context, [topic], 'topicname');
  const { dependent, independent, model } = streamsOnly(streams);
  const rows = windowRows(params, 'maxrows');
  return {
    name: solutionName('preprocess-', topic, 'topicname'),
    description: `preprocessbatch: ${logic.join(',')} over ${streams.join(',')}`,
    inputs: streams.map((s) => ({ topic: s })),
    window: { records: rows },
    dependentVariable: dependent,
    independentVariables: independent,
    model,
    retrain: retrain(params, rows),
    predict: false,
    preprocess: { statistics: logic },
    outputs: { preprocessed: params.string('preprocesstopic', { default: topic }) },
  };
}

export function batch(
  endpoint: string,
  fields: Array<[string, string]>,
  build: (context: OperationContext, params: ViperParams) => Promise<Spec>,
): ViperEndpoint {
  return {
    async run(context, params) {
      // the solution's records carry the keys of the matching step endpoint (solution-records.ts)
      const spec = { ...(await build(context, params)), recordShape: VIPER_RECORD_SHAPE };
      return answer(endpoint, await upsertSolution(context, spec, parameterOf(fields), endpoint));
    },
  };
}

const preprocessBatch = batch('preprocessbatch', PREPROCESS_FIELDS, preprocessSpec);

export const batchEndpoints: Record<string, ViperEndpoint> = {
  viperhpdetrainingbatch: batch('viperhpdetrainingbatch', TRAINING_FIELDS, trainingSpec),
  viperhpdepredictbatch: batch('viperhpdepredictbatch', PREDICT_FIELDS, predictSpec),
  viperhpdeoptimizebatch: batch('viperhpdeoptimizebatch', PREDICT_FIELDS, optimizeSpec),
  viperanomalytrainbatch: batch('viperanomalytrainbatch', ANOMALY_FIELDS, (context, params) =>
    anomalySpec(
      context,
      params,
      solutionName('anomaly-', params.string('producepeergroupto'), 'producepeergroupto'),
      'viperanomalytrainbatch',
    ),
  ),
  viperanomalypredictbatch: batch(
    'viperanomalypredictbatch',
    [['name', 'consumefrom'], ...ANOMALY_FIELDS.slice(1)],
    anomalyPredictSpec,
  ),
  // The client calls `preprocessbatch` (its function is viperpreprocessbatch); both names work.
  preprocessbatch: preprocessBatch,
  viperpreprocessbatch: preprocessBatch,
};
