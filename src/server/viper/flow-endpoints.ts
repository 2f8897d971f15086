// The VIPER face of the TML flow: joins, training data, AutoML, preprocessing, stats (anomaly
// detection: anomaly-endpoints.ts). Each endpoint reads VIPER's parameter names and defaults (viper-protocol.md §2.4–2.7) and
// shapes the answer with the seed's keys; the work is done by src/server/operations.
import { alignedLength, streamAddress } from '../../streams/index.js';
import { ParameterError } from '../errors.js';
import { checkMainTopic } from '../operations/validate.js';
import { consume } from '../operations/consume.js';
import { createJoinTopic, produceJoined } from '../operations/joins.js';
import { optimizeInputs } from '../operations/optimize.js';
import { createTrainingData } from '../operations/training-data.js';
import { train } from '../operations/training.js';
import { viperStats } from '../operations/viper-stats.js';
import type { ViperOptimization } from './optimization.js';
import type { ViperEndpoint } from './endpoints.js';
import { modelAlias } from '../operations/model-alias.js';
import type { ViperModelRecord } from './records.js';
import { contact, topicShape } from './common-params.js';
import type { ViperParams } from './params.js';
import { trainingControls } from './training-params.js';
import { deviceInput } from './device-param.js';
import { topicIdMatch } from './record-filters.js';

/** VIPER's clients name the joined topic `topicname`; some callers send `topic`. */
export function topicName(params: ViperParams): string {
  return params.has('topicname') || !params.has('topic')
    ? params.string('topicname')
    : params.string('topic');
}

export const flowEndpoints: Record<string, ViperEndpoint> = {
  createjointopicstreams: {
    async run(context, params) {
      const result = await createJoinTopic(context, {
        topic: topicName(params),
        streams: params.list('topicstojoin'),
        ...deviceInput(params),
        ...topicShape(context, params),
        ...contact(params),
      });
      return {
        ...(result.existed ? { WARN: 'Topic already exists' } : {}),
        Topic: result.topic,
        ProducerId: result.producerId,
        Streams: result.streams.join(','),
        ...(result.device !== undefined ? { Topicid: Number(result.device) } : {}),
      };
    },
  },

  producetotopicstream: {
    async run(context, params) {
      const mainTopic = await mainStreamTopic(context, params);
      const streams = params.list('streamstojoin', { default: [] });
      const result = await produceJoined(context, {
        topic: topicName(params),
        producerId: params.string('producerid'),
        offset: params.int('offset', { default: -1 }),
        maxRows: params.int('maxrows', { default: 0 }),
        streams: mainTopic === undefined ? streams : inMainTopic(mainTopic, streams),
        ...deviceInput(params),
      });
      const j = result.joined;
      return [
        ...j.streams.map((s) => ({
          Topic: s,
          Rows: j.values[s].length,
          Skipped: j.skipped[s],
          Offsets: j.offsets[s].map((r) => ({ Partition: r.partition, From: r.from, To: r.to })),
        })),
        {
          Topic: result.topic,
          ProducerId: result.producerId,
          Streams: j.streams.join(','),
          Rows: alignedLength(j, j.streams),
          ...(result.device !== undefined ? { Topicid: Number(result.device) } : {}),
          ...(mainTopic !== undefined ? { Maintopic: mainTopic } : {}),
          BytesWritten: result.bytesWritten,
          Partition: result.partition,
          Offset: result.offset,
        },
      ];
    },
  },

  createtrainingdata: {
    async run(context, params) {
      const result = await createTrainingData(context, {
        consumeFrom: params.string('consumefrom'),
        produceTo: params.string('produceto'),
        dependentVariable: params.string('dependentvariable'),
        independentVariables: params.list('independentvariables'),
        consumerId: params.string('consumerid'),
        producerId: params.string('producerid'),
        partition: params.int('partition', { default: -1 }),
        ...deviceInput(params),
      });
      const r = result.record;
      return {
        Topic: result.topic,
        Consumefrom: r.lineage.joinedTopic,
        DependentVariable: r.dependentVariable,
        IndependentVariables: r.independentVariables.join(','),
        Fieldnames: ['Date', ...r.independentVariables].join(','),
        Rows: r.rows,
        DroppedRows: r.droppedRows,
        ...(r.device !== undefined ? { Topicid: Number(r.device) } : {}),
        BytesWritten: result.bytesWritten,
        Partition: result.partition,
        Offset: result.offset,
      };
    },
  },

  viperhpdetraining: {
    async run(context, params) {
      const result = await train(context, {
        consumeFrom: params.string('consumefrom'),
        produceTo: params.string('produceto'),
        consumerId: params.string('consumerid'),
        producerId: params.string('producerid'),
        partition: params.int('partition', { default: -1 }),
        offset: params.int('offset', { default: -1 }),
        rollbackPercent: params.float('rollbackoffsets', { default: 0 }),
        modelruns: params.int('modelruns', { default: 10 }),
        islogistic: params.bool('islogistic', { default: false }),
        timeoutSeconds: params.float('timeout', { default: 120 }),
        companyName: params.string('companyname', { default: '' }),
        alias: modelAlias(params.string('consumerid')),
        ...trainingControls(params),
        ...deviceInput(params),
        array: params.bool('array', { default: false }),
        ...(params.has('maintopic') ? { mainTopic: params.string('maintopic') } : {}),
      });
      const shaped = result.shaped as ViperModelRecord;
      const { Model: _model, kind: _kind, DescriptiveStats: _stats, ...answer } = shaped;
      return {
        ...answer,
        BytesWritten: result.bytesWritten,
        Partition: result.version.record?.partition,
        Offset: result.version.record?.offset,
      };
    },
  },

  viperhpdeoptimize: {
    async run(context, params) {
      const result = await optimizeInputs(context, {
        algokey: params.string('algokey', { default: '' }),
        consumeFrom: params.string('consumefrom', { default: '' }),
        consumerId: params.string('consumerid', { default: '' }),
        partition: params.int('partition', { default: -1 }),
        produceTo: params.string('produceto'),
        producerId: params.string('producerid'),
        // Absent (older clients): VIPER's server defaults, Maximization, StretchBounds 10, Epsilon 20
        // (viper-protocol.md §2.9); maadstml 3.70 always sends its own (1, 20, 10).
        minimize: params.bool('ismin', { default: false }),
        constraints: params.string('constraints', { default: 'best' }),
        constraintType: params.int('constrainttype', { default: 1 }),
        stretchBounds: params.float('stretchbounds', { default: 10 }),
        epsilon: params.float('epsilon', { default: 20 }),
        useDeployed: params.bool('usedeploy', { default: false }),
        modelOffset: params.int('offset', { default: -1 }),
        ...deviceInput(params),
      });
      const body = result.shaped as ViperOptimization;
      return {
        ...body,
        AdditionDetails: {
          ...body.AdditionDetails,
          ...(result.record.device !== undefined ? { Topicid: Number(result.record.device) } : {}),
          BytesWritten: result.bytesWritten,
          Partition: result.partition,
          Offset: result.offset,
        },
      };
    },
  },

  viperstats: {
    async run(context) {
      const s = await viperStats(context);
      return {
        Backbone: s.backbone,
        Topics: s.topics.map((t) => ({
          Topic: t.topic,
          Partitions: t.partitions,
          Records: t.records,
          Active: t.active,
          Consumers: t.consumers,
        })),
        Producers: s.producers,
        Consumers: s.consumers,
        Groups: s.groups,
        JoinedTopics: s.joinedTopics,
        Models: s.models,
      };
    },
  },

  consumefromstreamtopic: {
    async run(context, params) {
      const result = await consume(context, {
        topic: params.string('topic'),
        consumerId: params.string('consumerid'),
        offset: params.int('offset', { default: 0 }),
        partition: params.int('partition', { default: -1 }),
        rollbackPercent: 0,
        match: topicIdMatch(params),
      });
      return {
        Topic: result.topic,
        Consumerid: result.consumerId,
        LastOffset: result.lastOffset,
        BytesRead: result.bytesRead,
        StreamTopicDetails: {
          TopicReads: result.records.map((r) => ({
            Topic: r.topic,
            Partition: r.partition,
            Offset: r.offset,
            Timestamp: r.timestamp,
            // A joined record is returned as the JSON it is; other values as their text.
            Value: parseJson(r.value),
          })),
        },
      };
    },
  },
};

/**
 * VIPER's `mainstreamtopic`: "the main stream topic that contains the subtopic streams" — the
 * streams to join are named streams inside it (`<mainstreamtopic>/<stream>`, stream-address.ts).
 */
async function mainStreamTopic(
  context: Parameters<ViperEndpoint['run']>[0],
  params: ViperParams,
): Promise<string | undefined> {
  if (!params.has('mainstreamtopic')) return undefined;
  const topic = params.string('mainstreamtopic');
  await checkMainTopic(context, topic, 'mainstreamtopic');
  if (!params.has('streamstojoin')) {
    throw new ParameterError('streamstojoin', `must name the streams inside mainstreamtopic '${topic}'`);
  }
  return topic;
}

/** Each stream as a named stream of the main topic (an address already naming a topic is kept). */
function inMainTopic(topic: string, streams: string[]): string[] {
  return streams.map((s) => (s.includes('/') ? s : streamAddress(topic, s)));
}

function parseJson(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
