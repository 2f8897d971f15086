// VIPER's streamquery: conditions on preprocessed streams (maadstml item 28). VIPER documents the
// answer only as "1 or 0" and no record shape, so tml answers `Result` (1 when any query holds) with
// one item per query, and writes each query's result record (the core's shape, docs/preprocessing.md)
// to `preprocesstopic` (default `topicname`). `wherecondition` names a device (the record key custom
// JSON writes, its uid): its newest values are queried, looked for among the newest `maxrows`.
import { parseQuery } from '../../streams/index.js';
import { checkProducer } from '../operations/produce.js';
import { streamQuery } from '../operations/stream-query.js';
import { describeExisting } from '../operations/validate.js';
import { batch, solutionName } from './batch-endpoints.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';

const topicOf = (params: ViperParams) =>
  params.has('topicname') || !params.has('topic') ? params.string('topicname') : params.string('topic');

/**
 * streamquerybatch: a solution that only runs one streamQuery step every `timedelay` seconds
 * (default 10), per device of `wherecondition` (a comma list) when given. The queries are checked
 * before the solution is made, so a bad call creates nothing; `topicid` and `array` are ignored.
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
    const devices = params.list('wherecondition', { default: [] });
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
        device: params.string('wherecondition', { default: '' }),
        maxRows: params.int('maxrows', { default: 0, min: 0 }),
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
          Partition: r.partition,
          Offset: r.offset,
        })),
      };
    },
  },
};
