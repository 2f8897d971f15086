// preprocessbatch: a solution publishing statistics of each window of the streams (or, with
// array=1, of the fields of one topic's rows; with topicid, of one device's records), as
// preprocessproducetotopicstream computes them: conditions, identifier, raw data, array form.
import { streamsBehind } from '../operations/batch-solutions.js';
import type { OperationContext } from '../operations/context.js';
import { ParameterError } from '../errors.js';
import type { ViperParams } from './params.js';
import { arrayRows } from './batch-model-params.js';
import { deviceParam } from './device-param.js';
import { IO_FIELDS, retrain, solutionName, streamsOnly, windowRows, type Spec } from './batch-spec-parts.js';

export const PREPROCESS_FIELDS: Array<[string, string]> = [
  ...IO_FIELDS,
  ['name', 'topicname'],
  ['inputs', 'streamstojoin'],
  ['dependentVariable', 'streamstojoin'],
  ['independentVariables', 'streamstojoin'],
  ['window', 'maxrows'],
  ['retrain', 'timedelay'],
  ['preprocess.conditions', 'preprocessconditions'],
  ['preprocess.identifier', 'identifier'],
  ['preprocess', 'preprocesslogic'],
  ['io.entity', 'topicid'],
  ['entityKey', 'topicid'],
  ['outputs.preprocessed', 'preprocesstopic'],
];

export async function preprocessSpec(context: OperationContext, params: ViperParams): Promise<Spec> {
  const topic =
    params.has('topicname') || !params.has('topic') ? params.string('topicname') : params.string('topic');
  const logic = params.list('preprocesslogic');
  const given = params.list('streamstojoin', { default: [] });
  // array=1: the topic's records are rows, the streams (streamstojoin) their fields
  const array = arrayRows(params);
  if (array && given.length === 0) {
    throw new ParameterError('streamstojoin', "must name the rows' fields to preprocess when array=1");
  }
  const { streams } = array
    ? { streams: given }
    : given.length > 0
      ? await streamsBehind(context, given, 'streamstojoin')
      : await streamsBehind(context, [topic], 'topicname');
  if (array) await streamsBehind(context, [topic], 'topicname');
  const device = deviceParam(params);
  if (device !== undefined && !array && streams.length !== 1) {
    throw new ParameterError(
      'topicid',
      `names device ${device}: give one stream (streamstojoin) or rows (array=1), not ${streams.length} streams`,
    );
  }
  const { dependent, independent, model } = streamsOnly(streams);
  const rows = windowRows(params, 'maxrows');
  const conditions = params.string('preprocessconditions', { default: '' }).trim();
  const identifier = params.string('identifier', { default: '' });
  return {
    name: solutionName('preprocess-', topic, 'topicname'),
    description: `preprocessbatch: ${logic.join(',')} over ${streams.join(',')}`,
    inputs: array ? [{ topic, variables: streams }] : streams.map((s) => ({ topic: s })),
    entityKey: device !== undefined,
    ...(device !== undefined ? { io: { entity: device } } : {}),
    window: { records: rows },
    dependentVariable: dependent,
    independentVariables: independent,
    model,
    retrain: retrain(params, rows),
    predict: false,
    preprocess: {
      statistics: logic,
      ...(conditions !== '' ? { conditions } : {}),
      ...(identifier !== '' ? { identifier } : {}),
      ...(params.bool('rawdataoutput', { default: false }) ? { rawData: true } : {}),
      ...(params.bool('saveasarray', { default: false }) ? { form: 'array' } : {}),
    },
    outputs: { preprocessed: params.string('preprocesstopic', { default: topic }) },
  };
}
