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
import { batchIo, type BatchIoTopics } from './batch-io.js';
import { arrayRows, predictingControls, trainingModelControls } from './batch-model-params.js';
import { deviceParam } from './device-param.js';
import { ANOMALY_FIELDS, anomalyPredictSpec, anomalyTrainSpec, inputReader } from './batch-anomaly.js';
import { PREPROCESS_FIELDS, preprocessSpec } from './batch-preprocess.js';
import {
  IO_FIELDS,
  parameterOf,
  retrain,
  solutionName,
  variables,
  windowRows,
  type Spec,
} from './batch-spec-parts.js';

export { BATCH_PREFIX, parameterOf, solutionName } from './batch-spec-parts.js';

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
  ...IO_FIELDS,
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
  ['automl.classificationRule', 'processlogic'],
  ['automl.algorithms', 'modelsearchtuner'],
  ['registry.identifier', 'identifier'],
  ['registry.folder', 'fullpathtotrainingdata'],
  ['io.entity', 'topicid'],
];

/**
 * The solution viperhpdetrainingbatch describes: it learns from `consumefrom` and publishes to
 * `produceto`. Per device (`topicid`) or with `array=1`, `consumefrom` is one topic whose records
 * carry every variable as a field (keyed by device with topicid; topicid ≥ 0 learns that device only).
 */
async function trainingSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const produceTo = params.string('produceto');
  const consumeFrom = params.list('consumefrom');
  const topicId = params.int('topicid', { default: -999 });
  const perEntity = topicId !== -999;
  const device = deviceParam(params);
  const array = arrayRows(params);
  const oneTopic = perEntity || array;
  const source: StreamsSource = oneTopic
    ? { streams: consumeFrom }
    : await streamsBehind(context, consumeFrom, 'consumefrom');
  if (oneTopic && consumeFrom.length !== 1) {
    throw new ParameterError(
      'consumefrom',
      `must name one topic of rows when ${perEntity ? 'topicid' : 'array=1'} is given`,
    );
  }
  if (oneTopic) await streamsBehind(context, consumeFrom, 'consumefrom'); // it exists
  const { dependent, independent } = variables(params, source);
  const rows = windowRows(params, 'rollbackoffsets', source.rows);
  const timeout = params.float('timeout', { default: 120, min: 0.01 });
  const islogistic = params.bool('islogistic', { default: false });
  const controls = trainingModelControls(params, islogistic);
  return {
    name: solutionName('', produceTo, 'produceto'),
    description: `viperhpdetrainingbatch: ${consumeFrom.join(',')} → ${produceTo}`,
    inputs: oneTopic
      ? [{ topic: consumeFrom[0], variables: [dependent, ...independent] }]
      : source.streams.map((topic) => ({ topic })),
    entityKey: perEntity,
    window: { records: rows },
    dependentVariable: dependent,
    independentVariables: independent,
    retrain: retrain(params, rows),
    automl: {
      modelruns: params.int('modelruns', { default: 10, min: 1 }),
      islogistic,
      timeBudgetMs: Math.round(timeout * 1000),
      ...controls.automl,
    },
    registry: controls.registry,
    ...(device !== undefined ? { io: { entity: device } } : {}),
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
  ...IO_FIELDS,
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
  ['registry.predictWith', 'usedeploy'],
  ['io.entity', 'topicid'],
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
  const spec = predictingControls(
    params,
    await solutionPublishingTo(context, params, 'viperhpdepredictbatch', algokey),
    true,
  );
  const inputs = await predictedInputs(context, params, spec, inputData);
  // maxrows: a new solution first predicts the newest maxrows rows already stored (offset wins)
  const maxRows = params.int('maxrows', { default: 0, min: 0 });
  const io = { ...(spec.io as Spec | undefined), ...(maxRows > 0 ? { startOffset: -maxRows } : {}) };
  return {
    ...spec,
    inputs,
    predict: true,
    ...(Object.keys(io).length > 0 ? { io } : {}),
    outputs: { ...(spec.outputs as Spec), predictions: produceTo },
  };
}

/**
 * The inputs a prediction reads: `streamstojoin` (the streams whose newest rows form each input, as
 * viperhpdepredict), else `inputdata`'s streams — with `array=1` inputdata's own rows, one field per
 * variable — else the solution's.
 */
async function predictedInputs(
  context: OperationContext,
  params: ViperParams,
  spec: Spec,
  inputData: string,
): Promise<unknown> {
  const wanted = [String(spec.dependentVariable), ...(spec.independentVariables as string[])];
  const streams = params.list('streamstojoin', { default: [] });
  if (streams.length > 0) {
    await streamsBehind(context, streams, 'streamstojoin');
    const missing = wanted.filter((v) => !streams.includes(v));
    if (missing.length > 0) {
      throw new ParameterError(
        'streamstojoin',
        `must name the model's streams; ${missing.map((m) => `'${showValue(m)}'`).join(', ')} missing`,
      );
    }
    const chosen = streams.filter((stream) => wanted.includes(stream));
    const current = (spec.inputs as Array<{ topic: string; variables?: string[] }>).map((i) => i.topic);
    // the same streams in another order are the same inputs (the solution stays)
    if ([...current].sort().join(',') === [...chosen].sort().join(',')) return spec.inputs;
    return chosen.map((topic) => ({ topic }));
  }
  if (arrayRows(params)) {
    if (inputData === '') {
      throw new ParameterError('array', 'is 1: name the topic of rows in inputdata');
    }
    await streamsBehind(context, [inputData], 'inputdata');
    return [{ topic: inputData, variables: wanted }];
  }
  if (inputData === '') return spec.inputs;
  return (await streamsBehind(context, [inputData], 'inputdata')).streams.map((topic) => ({ topic }));
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
  const spec = predictingControls(
    params,
    await solutionPublishingTo(context, params, 'viperhpdeoptimizebatch'),
    false,
  );
  return { ...spec, optimize, outputs: { ...(spec.outputs as Spec), optimal: produceTo } };
}

/** The topics a call's io parameters refer to (batch-io.ts), from its parameters and the spec built. */
type IoTopicsOf = (params: ViperParams, spec: Spec) => BatchIoTopics;

const inputTopics = (spec: Spec) => (spec.inputs as Array<{ topic: string }>).map((i) => i.topic);

/** consumerid on consumefrom, producerid of produceto: most calls. */
const consumeFromProduceTo: IoTopicsOf = (params, spec) => ({
  consumed: params.list('consumefrom')[0],
  inputs: inputTopics(spec),
  produceTo: params.string('produceto'),
});

export function batch(
  endpoint: string,
  fields: Array<[string, string]>,
  build: (context: OperationContext, params: ViperParams) => Promise<Spec>,
  /** The topics its io parameters refer to; none: the endpoint takes no io parameters. */
  ioTopics?: IoTopicsOf,
  /** The endpoint's last word on the spec, after the io parameters (anomaly predict: its reader). */
  finish: (params: ViperParams, spec: Spec) => Spec = (_params, spec) => spec,
): ViperEndpoint {
  return {
    async run(context, params) {
      const built = await build(context, params);
      // a solution another batch call made keeps the io settings this call does not give
      const io = {
        ...(built.io as Spec | undefined),
        ...(ioTopics !== undefined ? await batchIo(context, params, ioTopics(params, built)) : {}),
      };
      // the solution's records carry the keys of the matching step endpoint (solution-records.ts)
      const spec = finish(params, {
        ...built,
        ...(Object.keys(io).length > 0 ? { io } : {}),
        recordShape: VIPER_RECORD_SHAPE,
      });
      return answer(endpoint, await upsertSolution(context, spec, parameterOf(fields), endpoint));
    },
  };
}

const preprocessBatch = batch('preprocessbatch', PREPROCESS_FIELDS, preprocessSpec, (params, spec) => ({
  consumed: params.string('topicname', { default: params.string('topic', { default: '' }) }),
  inputs: inputTopics(spec),
  produceTo: (spec.outputs as { preprocessed: string }).preprocessed,
  // VIPER's producerid here is the preprocessed topic's (the statistics go back into it by default)
  alsoProducer: params.string('topicname', { default: params.string('topic', { default: '' }) }),
}));

export const batchEndpoints: Record<string, ViperEndpoint> = {
  viperhpdetrainingbatch: batch(
    'viperhpdetrainingbatch',
    TRAINING_FIELDS,
    trainingSpec,
    consumeFromProduceTo,
  ),
  viperhpdepredictbatch: batch('viperhpdepredictbatch', PREDICT_FIELDS, predictSpec, consumeFromProduceTo),
  viperhpdeoptimizebatch: batch('viperhpdeoptimizebatch', PREDICT_FIELDS, optimizeSpec, consumeFromProduceTo),
  viperanomalytrainbatch: batch(
    'viperanomalytrainbatch',
    ANOMALY_FIELDS,
    anomalyTrainSpec,
    consumeFromProduceTo,
  ),
  viperanomalypredictbatch: batch(
    'viperanomalypredictbatch',
    [['name', 'consumefrom'], ...ANOMALY_FIELDS.filter(([field]) => field !== 'name')],
    anomalyPredictSpec,
    consumeFromProduceTo,
    inputReader,
  ),
  // The client calls `preprocessbatch` (its function is viperpreprocessbatch); both names work.
  preprocessbatch: preprocessBatch,
  viperpreprocessbatch: preprocessBatch,
};
