// VIPER's streamquery: conditions on preprocessed streams (maadstml item 28). VIPER documents the
// answer only as "1 or 0" and no record shape, so tml answers `Result` (1 when any query holds) with
// one item per query, and writes each query's result record (the core's shape, docs/preprocessing.md)
// to `preprocesstopic` (default `topicname`). `wherecondition` names a device (the record key custom
// JSON writes, its uid): its newest values are queried, looked for among the newest `maxrows`.
import { streamQuery } from '../operations/stream-query.js';
import type { ViperEndpoint } from './endpoints.js';

export const streamQueryEndpoints: Record<string, ViperEndpoint> = {
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
