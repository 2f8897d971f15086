// viperanomalytrain and viperanomalypredict (viper-protocol.md §2.6, §3.5): VIPER's parameters read
// into the core's anomaly steps; the answers in the seed's keys.
import { anomalyPredict, anomalyTrain } from '../operations/anomaly.js';
import type { ViperEndpoint } from './endpoints.js';
import { anomalyRules, peerGroupOptions } from './flags.js';
import { ParameterError } from '../errors.js';
import type { ViperParams } from './params.js';
import { deviceInput } from './device-param.js';

/** The controls both anomaly calls share: timeout, maintopic, rollbackoffsets. */
function commonControls(params: ViperParams) {
  return {
    ...deviceInput(params),
    rollbackPercent: params.float('rollbackoffsets', { default: 0 }),
    // VIPER's bound on its call to HPDE (default 120 s): here a bound on the call's own work
    timeoutSeconds: params.float('timeout', { default: 120 }),
    ...(params.has('maintopic') ? { mainTopic: params.string('maintopic') } : {}),
  };
}

export const anomalyEndpoints: Record<string, ViperEndpoint> = {
  viperanomalytrain: {
    async run(context, params) {
      const streams = params.list('streamstoanalyse');
      // produceto: the training summary, written when its producer id is given (the client
      // requires produceto on every call, so without producerid it names nothing to write)
      const produceTo = params.string('produceto', { default: '' });
      const summaryTo = params.has('producerid') ? produceTo : '';
      const result = await anomalyTrain(context, {
        consumeFrom: params.string('consumefrom'),
        consumerId: params.string('consumerid'),
        produceTo: params.string('producepeergroupto'),
        producerId: params.string('produceridpeergroup'),
        streams,
        options: peerGroupOptions(params.string('flags'), streams),
        partition: params.int('partition', { default: -1 }),
        ...commonControls(params),
        folder: params.string('fullpathtotrainingdata', { default: '' }),
        ...(summaryTo !== ''
          ? {
              summaryTo,
              summaryProducerId: params.string('producerid'),
              summaryConsumerId: params.string('consumeridproduceto', { default: '' }),
            }
          : {
              // no summary: they name nothing to check against, so they must be empty
              ...emptyWithout(params, 'producerid', 'produceto'),
              ...emptyWithout(params, 'consumeridproduceto', 'producerid (the summary is not written)'),
            }),
      });
      return {
        Topic: params.string('producepeergroupto'),
        Consumefrom: result.record.consumeFrom,
        Streams: result.record.streams.join(','),
        PeerGroups: result.record.peerGroups.map((g) => ({
          Stream: g.stream,
          Method: g.method,
          Count: g.window.count,
          Mean: g.window.mean,
          Std: g.window.std,
          Median: g.window.median,
          Lag: g.lag,
          Threshold: g.threshold,
          Influence: g.influence,
        })),
        ...(result.record.mainTopic !== undefined ? { Maintopic: result.record.mainTopic } : {}),
        ...(summaryTo !== '' ? { Produceto: summaryTo } : {}),
        BytesWritten: result.bytesWritten,
        Partition: result.partition,
        Offset: result.offset,
      };
    },
  },

  viperanomalypredict: {
    async run(context, params) {
      const rules = anomalyRules(params.string('flags'));
      const inputTestTo = params.string('produceinputstreamtest', { default: '' });
      const { record, records, shaped, partition, offset, inputTest } = await anomalyPredict(context, {
        consumeFrom: params.string('consumefrom'),
        consumerId: params.string('consumerid'),
        inputStream: params.string('consumeinputstream'),
        inputConsumerId: params.string('consumeridinputstream', { default: '' }),
        produceTo: params.string('produceto'),
        producerId: params.string('producerid'),
        streams: params.list('streamstoanalyse'),
        ...rules,
        partition: params.int('partition', { default: -1 }),
        ...commonControls(params),
        folder: params.string('fullpathtopeergroupdata', { default: '' }),
        ...(inputTestTo !== ''
          ? { inputTestTo, inputTestProducerId: params.string('produceridinputstreamtest') }
          : emptyWithout(params, 'produceridinputstreamtest', 'produceinputstreamtest')),
      });
      const result = shaped as { Created: string; kafkakey: string };
      return {
        Risk: record.risk,
        Alert: record.alert,
        AnomalousStreams: record.anomalousStreams,
        Scores: record.scores.map((s) => ({
          Stream: s.stream,
          Value: s.value,
          Score: s.score,
          Threshold: s.threshold,
          Anomaly: s.anomaly,
          Direction: s.direction,
          Probability: s.probability,
          ...(s.text !== undefined ? { Text: s.text } : {}),
        })),
        ...(record.mainTopic !== undefined ? { Maintopic: record.mainTopic } : {}),
        // rollbackoffsets: every row scored, oldest first (the fields above: the newest row)
        ...(records.length > 1
          ? {
              Rows: records.map((r) => ({
                Risk: r.risk,
                Alert: r.alert,
                AnomalousStreams: r.anomalousStreams,
              })),
            }
          : {}),
        ...(inputTest !== undefined
          ? {
              Produceinputstreamtest: {
                Topic: inputTestTo,
                Partition: inputTest.partition,
                Offset: inputTest.offset,
              },
            }
          : {}),
        Created: result.Created,
        kafkakey: result.kafkakey,
        Topic: params.string('produceto'),
        Partition: partition,
        Offset: offset,
      };
    },
  },
};

/** A parameter that only means something with `other`: read, and refused when given without it. */
function emptyWithout(params: ViperParams, name: string, other: string): Record<string, never> {
  if (params.has(name)) {
    throw new ParameterError(name, `is given without ${other}, the topic it belongs to`);
  }
  return {};
}
