// VIPER's streamquery: conditions on preprocessed streams (maadstml item 28). VIPER documents the
// answer only as "1 or 0" and no record shape, so tml answers `Result` (1 when any query holds) with
// one item per query, and writes each query's result record (the core's shape, docs/preprocessing.md)
// to `preprocesstopic` (default `topicname`). `wherecondition` filters records on the JSON field
// `wheresearchkey` (default PreprocessIdentifier, custom JSON's device): [exact], (contains),
// {excludes}, bare = exact (item 32's rule); `offset` n >= 0 queries the window from offset n;
// `array=1` reads the streams as fields of producetotopic array=1 rows; `rawdataoutput=1` (the
// client's default) writes each result's input values and records.
import { parseQuery, whereMatcher } from '../../streams/index.js';
import { ParameterError, showValue } from '../errors.js';
import { checkProducer } from '../operations/produce.js';
import { streamQuery } from '../operations/stream-query.js';
import { describeExisting } from '../operations/validate.js';
import { batch, solutionName } from './batch-endpoints.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';

const topicOf = (params: ViperParams) =>
  params.has('topicname') || !params.has('topic') ? params.string('topicname') : params.string('topic');

/** The options both calls share: where filter, offset, array rows, raw data (client default 1). */
function queryOptions(params: ViperParams) {
  const where = params.string('wherecondition', { default: '' }).trim();
  const whereKey = params.string('wheresearchkey', { default: '' }).trim() || 'PreprocessIdentifier';
  // checked here so a bad filter fails the call (and a batch solution is never made with it)
  if (where !== '') whereMatcher({ key: whereKey, condition: where });
  return {
    ...(where !== '' ? { where, whereKey } : {}),
    offset: params.int('offset', { default: -1, min: -1 }),
    fields: params.bool('array', { default: false }),
    rawData: params.bool('rawdataoutput', { default: true }),
  };
}

/**
 * streamquerybatch's `topicid`: a comma list of devices (record keys, src/streams/device.ts), each
 * queried at every run; -999/-1 (the client's default): none, the streams' values as they come.
 */
function devicesOf(params: ViperParams): string[] {
  const ids = params.list('topicid', { default: [] }).map((t) => t.trim());
  for (const id of ids) {
    if (id === '' || id.length > 200) {
      throw new ParameterError(
        'topicid',
        `must be devices separated by commas, got '${showValue(params.string('topicid'))}'`,
      );
    }
  }
  return [...new Set(ids.filter((id) => !/^-\d+$/.test(id)))];
}

/**
 * streamquerybatch: a solution that only runs one streamQuery step every `timedelay` seconds
 * (default 10), per device of `topicid` (record keys; the client's "separate multiple topic ids by a
 * comma") when given. The queries and options are checked before the solution is made, so a bad
 * call creates nothing.
 */
const streamQueryBatch = batch(
  'streamquerybatch',
  [
    ['name', 'topicname'],
    ['steps', 'preprocessconditions'],
  ],
  async (context, params) => {
    const topic = topicOf(params);
    await describeExisting(context.backbone, topic, 'topic');
    await checkProducer(context, topic, params.string('producerid'));
    const streams = params.list('streamstojoin');
    const conditions = params.string('preprocessconditions');
    for (const query of conditions.split(':').filter((q) => q.trim() !== '')) parseQuery(query, streams);
    const options = queryOptions(params);
    const devices = devicesOf(params);
    const maxRows = params.int('maxrows', { default: 0, min: 0 });
    const every = params.float('timedelay', { default: 0, min: 0 });
    return {
      name: solutionName('streamquery-', topic, 'topicname'),
      description: `streamquerybatch: ${conditions} on ${topic}`,
      inputs: [],
      steps: [
        {
          kind: 'streamQuery',
          everySeconds: every > 0 ? every : 10,
          topic,
          streams,
          conditions,
          ...(devices.length > 0 ? { devices } : {}),
          ...(maxRows > 0 ? { maxRows } : {}),
          ...options,
          description: params.string('description', { default: '' }),
          identifier: params.string('identifier', { default: '' }),
          output: params.string('preprocesstopic', { default: '' }) || topic,
        },
      ],
    };
  },
);

export const streamQueryEndpoints: Record<string, ViperEndpoint> = {
  streamquerybatch: streamQueryBatch,
  viperstreamquerybatch: streamQueryBatch,
  streamquery: {
    async run(context, params) {
      const { produceTo, results } = await streamQuery(context, {
        topic:
          params.has('topicname') || !params.has('topic')
            ? params.string('topicname')
            : params.string('topic'),
        producerId: params.string('producerid'),
        streams: params.list('streamstojoin'),
        conditions: params.string('preprocessconditions'),
        description: params.string('description', { default: '' }),
        identifier: params.string('identifier', { default: '' }),
        produceTo: params.string('preprocesstopic', { default: '' }),
        topicId: params.int('topicid', { default: -999 }),
        maxRows: params.int('maxrows', { default: 0, min: 0 }),
        ...queryOptions(params),
      });
      return {
        Result: results.some((r) => r.result === 1) ? 1 : 0,
        Topic: produceTo,
        Queries: results.map((r) => ({
          Query: r.query,
          Description: r.description,
          Identifier: r.identifier,
          Result: r.result,
          Device: r.device,
          Inputs: r.inputs,
          Terms: r.terms,
          ...(r.rawData ? { RawData: r.rawData, MsgIdData: r.msgIds } : {}),
          Partition: r.partition,
          Offset: r.offset,
        })),
      };
    },
  },
};
