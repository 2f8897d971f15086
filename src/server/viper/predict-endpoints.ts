// viperhpdepredict and viperhpdepredictprocess: one request built from VIPER's parameters; the
// process variant asks the core for one summary of the predictions (max, min, avg, median, trend)
// or all of them (processtype=all, the same as viperhpdepredict).
import { isPredictionSummary } from '../../streams/index.js';
import { ParameterError, showValue } from '../errors.js';
import { toServerError } from '../error-mapping.js';
import { predict, type PredictRequest } from '../operations/predict.js';
import { checkTopicName } from '../operations/validate.js';
import type { ViperEndpoint } from './endpoints.js';
import { deviceInput } from './device-param.js';
import { parseInputData } from './inputdata.js';
import type { ViperParams } from './params.js';

interface ViperPredict {
  request: PredictRequest;
  oneRow: boolean;
  /** The VIPER parameter that named the stream (the core calls it `stream`). */
  streamParameter: 'maintopic' | 'inputdata';
}

function predictRequest(params: ViperParams): ViperPredict {
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
  // array=1: the stream's records are rows {"A":1,...} whose fields are the model's inputs
  const array = params.bool('array', { default: false });
  if (array && values !== undefined) {
    throw new ParameterError(
      'array',
      'reads the rows of a topic: give the topic in maintopic or inputdata, not values',
    );
  }
  return {
    oneRow: values !== undefined,
    streamParameter: inputData === '' ? 'maintopic' : 'inputdata',
    request: {
      algokey: params.string('algokey', { default: '' }),
      consumeFrom: params.string('consumefrom', { default: '' }),
      consumerId: params.string('consumerid', { default: '' }),
      partition: params.int('partition', { default: -1 }),
      produceTo: params.string('produceto'),
      producerId: params.string('producerid'),
      ...(values !== undefined ? { inputs: values } : { stream, streamOffset, streams, array }),
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
  { request, streamParameter }: ViperPredict,
  oneObject: boolean,
): Promise<unknown> {
  const result = await predict(context, request).catch((error: unknown) => {
    const e = toServerError(error);
    throw e instanceof ParameterError && e.parameter === 'stream' ? e.renamed(streamParameter) : e;
  });
  // One JSON document always (DESIGN §4): a stream's predictions are one array.
  const answers = result.map((p) => ({ ...(p.shaped as object), Partition: p.partition, Offset: p.offset }));
  return oneObject ? answers[0] : answers;
}

export const predictEndpoints: Record<string, ViperEndpoint> = {
  viperhpdepredict: {
    async run(context, params) {
      const viperRequest = predictRequest(params);
      return run(context, viperRequest, viperRequest.oneRow);
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
      const viperRequest = predictRequest(params);
      return run(
        context,
        { ...viperRequest, request: { ...viperRequest.request, summary: processType } },
        viperRequest.oneRow || processType !== 'all',
      );
    },
  },
};
