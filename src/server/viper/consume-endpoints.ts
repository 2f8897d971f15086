// consumefromtopic and consumefromtopicbatch (viper-protocol.md §2.4). The client does not require a
// `consumerid` (its own check names only topic and companyname): without one the call is an anonymous
// read that keeps no position, so `offset` alone says where it starts. `topicid` and `preprocesstype`
// filter the records (record-filters.ts).
import { consume } from '../operations/consume.js';
import type { ReadRecord } from '../operations/read-records.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';
import { preprocessTypeMatch, recordMatch, topicIdMatch } from './record-filters.js';

export function topicReads(records: ReadRecord[]) {
  return records.map((r) => ({
    Topic: r.topic,
    Partition: r.partition,
    Offset: r.offset,
    Timestamp: r.timestamp,
    Key: r.key,
    Value: r.value,
  }));
}

const read: ViperEndpoint = {
  async run(context, params: ViperParams) {
    const consumerId = params.has('consumerid') ? params.string('consumerid') : undefined;
    const result = await consume(context, {
      topic: params.string('topic'),
      consumerId,
      offset: params.int('offset', { default: 0 }),
      partition: params.int('partition', { default: -1 }),
      rollbackPercent: params.int('rollbackoffsets', { default: 0 }),
      match: recordMatch(topicIdMatch(params), preprocessTypeMatch(params)),
    });
    return {
      Topic: result.topic,
      // the reader, as the answer's key has always said; "" for an anonymous read
      Consumerid: result.consumerId ?? '',
      LastOffset: result.lastOffset,
      BytesRead: result.bytesRead,
      StreamTopicDetails: { TopicReads: topicReads(result.records) },
    };
  },
};

export const consumeEndpoints: Record<string, ViperEndpoint> = {
  consumefromtopic: read,
  // VIPER repeats the read in the background every `timedelay` seconds and the caller sees one answer;
  // here the call is that one read (a continuous reader is a consumer group or a solution).
  consumefromtopicbatch: read,
};
