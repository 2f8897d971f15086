// The VIPER face: each endpoint reads its parameters with VIPER's names and defaults, calls the one
// implementation of its operation, and shapes the answer with VIPER's keys (viper-protocol.md §2).
import { ParameterError } from '../errors.js';
import type { OperationContext } from '../operations/context.js';
import { setTopicActive } from '../operations/activate-topic.js';
import { createTopic } from '../operations/create-topic.js';
import { deleteTopics } from '../operations/delete-topics.js';
import { createGroup, groupConsume } from '../operations/groups.js';
import { listTopics } from '../operations/list-topics.js';
import { modifyConsumer, modifyGroup, modifyTopic, setGroupActive } from '../operations/modify.js';
import { addPartitions } from '../operations/partitions.js';
import { produce } from '../operations/produce.js';
import { checkContact } from '../operations/validate.js';
import { subscribe, unsubscribe } from '../operations/subscribe.js';
import { batchEndpoints } from './batch-endpoints.js';
import { consumeEndpoints, topicReads } from './consume-endpoints.js';
import { mirrorEndpoints } from './mirror-endpoint.js';
import { preprocessTypeMatch } from './record-filters.js';
import { produceEndpoints, valueParameter } from './produce-endpoints.js';
import { anomalyEndpoints } from './anomaly-endpoints.js';
import { flowEndpoints } from './flow-endpoints.js';
import { preprocessEndpoints } from './preprocess-endpoints.js';
import { predictEndpoints } from './predict-endpoints.js';
import { streamQueryEndpoints } from './stream-query-endpoint.js';
import { analyticsEndpoints } from './analytics-endpoints.js';
import { contact, topicShape } from './common-params.js';
import type { ViperParams } from './params.js';

export interface ViperEndpoint {
  run(context: OperationContext, params: ViperParams): Promise<unknown>;
}

const createTopics: ViperEndpoint = {
  async run(context, params) {
    const result = await createTopic(context, {
      topic: params.string('topic'),
      ...topicShape(context, params),
      ...contact(params),
    });
    return {
      ...(result.existed ? { WARN: 'Topic already exists' } : {}),
      Topic: result.topic,
      ProducerId: result.producerId,
    };
  },
};

const setActive = (active: boolean): ViperEndpoint => ({
  async run(context, params) {
    const result = await setTopicActive(context, params.string('topic'), active);
    return { Topic: result.topic, Active: result.active, Status: 'success' };
  },
});

function produceValues(params: ViperParams): { values: string[]; valueParameter: string } {
  const parameter = valueParameter(params);
  return {
    values: params
      .string(parameter)
      .split(',')
      .map((v) => v.trim()),
    valueParameter: parameter,
  };
}

const setGroup = (active: boolean): ViperEndpoint => ({
  async run(context, params) {
    const group = await setGroupActive(
      context,
      params.string('groupname', { default: '' }),
      params.string('groupid', { default: '' }),
      active,
    );
    return { Groupid: group.groupId, Groupname: group.groupName, Active: group.active, Status: 'success' };
  },
});

/** Only the details given: an empty value leaves the registered one as it is. */
function changes(params: ViperParams) {
  const c = contact(params);
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== ''));
}

export const viperEndpoints: Record<string, ViperEndpoint> = {
  activategroup: setGroup(true),
  deactivategroup: setGroup(false),

  modifytopicdetails: {
    async run(context, params) {
      if (params.bool('isgroup', { default: false })) {
        if (params.int('partition', { default: 0 }) !== 0) {
          throw new ParameterError('partition', 'changes a topic, not a group (isgroup=1)');
        }
        const group = await modifyGroup(context, params.string('topic'), changes(params));
        return { Groupid: group.groupId, Groupname: group.groupName, Status: 'success' };
      }
      // partition: the topic's new partition count (0, the client's default: unchanged); the
      // details are checked first so that a refused change leaves the partitions as they were
      const partitions = params.int('partition', { default: 0, min: 0 });
      const details = changes(params);
      checkContact(details);
      const grown =
        partitions > 0 ? await addPartitions(context, params.string('topic'), partitions) : undefined;
      const topic = await modifyTopic(context, params.string('topic'), details);
      return {
        Topic: topic.topic,
        Companyname: topic.companyname,
        ...(grown !== undefined ? { Partitions: grown.partitions, Added: grown.added } : {}),
        Status: 'success',
      };
    },
  },

  modifyconsumerdetails: {
    async run(context, params) {
      const consumer = await modifyConsumer(
        context,
        params.string('consumerid'),
        params.string('topic'),
        changes(params),
      );
      return {
        Consumerid: consumer.consumerId,
        Topic: consumer.topic,
        Companyname: consumer.companyname,
        Status: 'success',
      };
    },
  },

  createtopics: createTopics,
  activatetopic: setActive(true),
  activatetopics: setActive(true),
  deactivatetopic: setActive(false),
  deactivatetopics: setActive(false),

  listtopics: {
    async run(context) {
      const topics = await listTopics(context);
      return {
        Topics: topics.map((t) => ({
          Topic: t.topic,
          Partitions: t.partitions,
          Records: t.records,
          Active: t.active,
          ...(t.producerId ? { ProducerId: t.producerId } : {}),
          Companyname: t.companyname,
          Description: t.description,
          ...(t.createdAt ? { Created: t.createdAt } : {}),
        })),
      };
    },
  },

  deletetopics: {
    async run(context, params) {
      const deleted = await deleteTopics(context, params.list('topic'));
      return { Deleted: deleted, Status: 'success' };
    },
  },

  producetotopicbulk: {
    async run(context, params) {
      const { values, valueParameter } = produceValues(params);
      const result = await produce(context, {
        topic: params.string('topic'),
        producerId: params.string('producerid'),
        values,
        valueParameter,
        chunkSize: params.int('partitionsize', { default: 100 }),
      });
      const partitions = new Map<number, { Partition: number; FirstOffset: number; LastOffset: number }>();
      for (const r of result.records) {
        const p = partitions.get(r.partition);
        if (p === undefined)
          partitions.set(r.partition, {
            Partition: r.partition,
            FirstOffset: r.offset,
            LastOffset: r.offset,
          });
        else p.LastOffset = r.offset;
      }
      return {
        Topic: result.topic,
        ProducerId: result.producerId,
        Records: result.records.length,
        BytesWritten: result.bytesWritten,
        Partitions: [...partitions.values()],
      };
    },
  },

  subscribeconsumer: {
    async run(context, params) {
      const result = await subscribe(context, {
        topic: params.string('topic'),
        groupId: params.string('groupid', { default: '' }),
        ...contact(params),
      });
      return { Consumerid: result.consumerId, Topic: result.topic };
    },
  },

  unsubscribeconsumer: {
    async run(context, params) {
      const result = await unsubscribe(context, params.string('consumerid'));
      return { Consumerid: result.consumerId, Topic: result.topic, Status: 'success' };
    },
  },

  createconsumergroup: {
    async run(context, params) {
      const { group, existed } = await createGroup(context, {
        groupName: params.string('groupname'),
        topics: params.list('topic'),
        ...contact(params),
      });
      return {
        ...(existed ? { Status: 'Group name already exists' } : {}),
        Groupid: group.groupId,
        Groupname: group.groupName,
        Topic: group.topics.join(','),
      };
    },
  },

  consumergroupconsumefromtopic: {
    async run(context, params) {
      const result = await groupConsume(context, {
        groupId: params.string('groupid'),
        topic: params.string('topic'),
        consumerId: params.string('consumerid'),
        offset: params.int('offset', { default: -1 }),
        partition: params.int('partition', { default: -1 }),
        rollbackOffset: params.int('rollbackoffset', { default: 0 }),
        match: preprocessTypeMatch(params),
      });
      return {
        LastOffset: result.lastOffset,
        BytesRead: result.bytesRead,
        Groupid: result.groupId,
        Topic: result.topic,
        Consumerid: result.consumerId,
        TopicReads: topicReads(result.records),
      };
    },
  },

  ...produceEndpoints,
  ...consumeEndpoints,
  ...mirrorEndpoints,
  ...flowEndpoints,
  ...anomalyEndpoints,
  ...predictEndpoints,
  ...batchEndpoints,
  ...streamQueryEndpoints,
  ...analyticsEndpoints,
  ...preprocessEndpoints,
};

/** Endpoints of viper-protocol.md that tml does not serve yet; they answer a clear error. */
export const plannedEndpoints = new Set(['chatgptstream']);
