// viperhpdepredict and viperhpdepredictprocess: one request built from VIPER's parameters; the
// process variant asks the core for one summary of the predictions (max, min, avg, median, trend)
// or all of them (processtype=all, the same as viperhpdepredict).
import { isPredictionSummary } from '../../streams/index.js';
import { ParameterError, showValue } from '../errors.js';
import { predict, type PredictRequest } from '../operations/predict.js';
import { checkTopicName } from '../operations/validate.js';
import type { ViperEndpoint } from './endpoints.js';
import { deviceInput } from './device-param.js';
import { parseInputData } from './inputdata.js';
import type { ViperParams } from './params.js';

function predictRequest(params: ViperParams): { request: PredictRequest; oneRow: boolean } {
  // No inputdata: the rows come from `maintopic`, the joined topic (TML's solutions call so).
  const inputData = params.has('maintopic')
    ? params.string('inputdata', { default: '' })
    : params.string('inputdata');
  const values = inputData === '' ? undefined : parseInputData(inputData);
  const stream = inputData === '' ? params.string('maintopic') : inputData;
  if (values === undefined) checkTopicName(stream, inputData === '' ? 'maintopic' : 'inputdata');
  // Read (and checked) on every call: they choose the joined record when the rows come from one.
  const streamOffset = params.int('offset', { default: -1 });
  const streams = params.list('streamstojoin', { default: [] });
  return {
    oneRow: values !== undefined,
    request: {
      algokey: params.string('algokey', { default: '' }),
      consumeFrom: params.string('consumefrom', { default: '' }),
      consumerId: params.string('consumerid', { default: '' }),
      partition: params.int('partition', { default: -1 }),
      produceTo: params.string('produceto'),
      producerId: params.string('producerid'),
      ...(values !== undefined ? { inputs: values } : { stream, streamOffset, streams }),
      ...deviceInput(params),
      maxRows: params.int('maxrows', { default: 0 }),
      useDeployed: params.bool('usedeploy', { default: false }),
      folder: params.string('pathtoalgos', { default: '' }),
      ...(params.has('coverage') ? { coverage: params.float('coverage') } : {}),
      explain: params.bool('explain', { default: false }),
    },
  };
}

/** The written predictions: one object for one row or one summary, an array for a stream's rows. */
async function run(
  context: Parameters<ViperEndpoint['run']>[0],
  request: PredictRequest,
  oneObject: boolean,
): Promise<unknown> {
  const result = await predict(context, request);
  // One JSON document always (DESIGN §4): a stream's predictions are one array.
  const answers = result.map((p) => ({ ...(p.shaped as object), Partition: p.partition, Offset: p.offset }));
  return oneObject ? answers[0] : answers;
}

export const predictEndpoints: Record<string, ViperEndpoint> = {
  viperhpdepredict: {
    async run(context, params) {
      const { request, oneRow } = predictRequest(params);
      return run(context, request, oneRow);
    },
  },

  viperhpdepredictprocess: {
    async run(context, params) {
      const processType = params.string('processtype').trim().toLowerCase();
      if (!isPredictionSummary(processType)) {
        throw new ParameterError(
          'processtype',
          `must be max, min, avg, median, trend or all, got '${showValue(processType)}'`,
        );
      }
      const { request, oneRow } = predictRequest(params);
      return run(context, { ...request, summary: processType }, oneRow || processType !== 'all');
    },
  },
};
