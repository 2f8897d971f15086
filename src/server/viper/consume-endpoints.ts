// consumefromtopic and consumefromtopicbatch (viper-protocol.md §2.4). The client does not require a
// `consumerid` (its own check names only topic and companyname): without one the call is an anonymous
// read that keeps no position, so `offset` alone says where it starts. `topicid` and `preprocesstype`
// filter the records (record-filters.ts).
import { consume, MAX_READ_WAIT_MS } from '../operations/consume.js';
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

/** consumefromtopicbatch's `timedelay` seconds (MAX_READ_WAIT_MS at most), 0 for consumefromtopic. */
function waitMs(params: ViperParams, batch: boolean): number {
  if (!batch) return 0;
  const seconds = params.float('timedelay', { default: 0, min: 0, max: MAX_READ_WAIT_MS / 1000 });
  return Math.round(seconds * 1000);
}

const read = (batch: boolean): ViperEndpoint => ({
  async run(context, params: ViperParams) {
    const consumerId = params.has('consumerid') ? params.string('consumerid') : undefined;
    const result = await consume(context, {
      topic: params.string('topic'),
      consumerId,
      offset: params.int('offset', { default: 0 }),
      partition: params.int('partition', { default: -1 }),
      rollbackPercent: params.int('rollbackoffsets', { default: 0 }),
      match: recordMatch(topicIdMatch(params), preprocessTypeMatch(params)),
      waitMs: waitMs(params, batch),
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
});

export const consumeEndpoints: Record<string, ViperEndpoint> = {
  consumefromtopic: read(false),
  // VIPER repeats the read in the background, pausing `timedelay` seconds between rounds, and the
  // caller sees one answer; here the call is one read that, when nothing new is there, waits up to
  // `timedelay` seconds for records (what the loop's next round would have read). A continuous
  // reader is a consumer group or a solution.
  consumefromtopicbatch: read(true),
};
