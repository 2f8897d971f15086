// VIPER's preprocessing calls: preprocessproducetotopicstream (statistics of a joined topic's streams,
// or of raw JSON when `jsoncriteria` is given, as the newest client sends it) and
// preprocesscustomjson (raw JSON through `jsoncriteria`, per device). Both answer the items written,
// each with its Partition and Offset. `timedelay` waits up to that many seconds for the raw topic to
// hold a record; `pathtotmlattrs` adds each device's (TMLID's) attributes to its items and
// `usemysql=1` tracks the devices in tml's TMLID topic (src/streams/tmlids.ts); the parameters the
// client documents as ignored for raw JSON (`topicid`, `streamstojoin`, `array`, `tmlfilepath`) are
// accepted and not used.
import { MAX_STEP_WAIT_MS } from '../../streams/index.js';
import { preprocessJson } from '../operations/custom-json.js';
import { preprocess, type PreprocessedItem } from '../operations/preprocess.js';
import type { ViperEndpoint } from './endpoints.js';
import { topicName } from './flow-endpoints.js';
import type { ViperParams } from './params.js';

const answer = (items: PreprocessedItem[]) =>
  items.map((i) => ({ ...(i.shaped as object), Partition: i.partition, Offset: i.offset }));

function customJson(context: Parameters<ViperEndpoint['run']>[0], params: ViperParams) {
  return preprocessJson(context, {
    topic: topicName(params),
    producerId: params.string('producerid'),
    criteria: params.string('jsoncriteria'),
    offset: params.int('offset', { default: -1 }),
    maxRows: params.int('maxrows', { default: 0 }),
    logic: params.list('preprocesslogic'),
    identifier: params.string('identifier', { default: '' }),
    conditions: params.string('preprocessconditions', { default: '' }),
    preprocessTopic: params.string('preprocesstopic', { default: '' }),
    rawData: params.bool('rawdataoutput', { default: false }),
    asArray: params.bool('saveasarray', { default: false }),
    waitMs: timeDelayMs(params),
    attributes: params.string('pathtotmlattrs', { default: '' }),
    trackTmlids: params.bool('usemysql', { default: false }),
  });
}

/** `timedelay` seconds ("delay to wait for response from Kafka"): how long to wait for records. */
export function timeDelayMs(params: ViperParams): number {
  return Math.round(params.float('timedelay', { default: 0, min: 0, max: MAX_STEP_WAIT_MS / 1000 }) * 1000);
}

export const preprocessEndpoints: Record<string, ViperEndpoint> = {
  preprocessproducetotopicstream: {
    async run(context, params) {
      if (params.string('jsoncriteria', { default: '' }).trim() !== '') {
        return answer(await customJson(context, params));
      }
      const items = await preprocess(context, {
        topic: topicName(params),
        producerId: params.string('producerid'),
        offset: params.int('offset', { default: -1 }),
        maxRows: params.int('maxrows', { default: 0 }),
        logic: params.list('preprocesslogic'),
        streams: params.list('streamstojoin', { default: [] }),
        identifier: params.string('identifier', { default: '' }),
        topicId: params.int('topicid', { default: -999 }),
        conditions: params.string('preprocessconditions', { default: '' }),
        preprocessTopic: params.string('preprocesstopic', { default: '' }),
        rawData: params.bool('rawdataoutput', { default: false }),
        fields: params.bool('array', { default: false }),
        asArray: params.bool('saveasarray', { default: false }),
      });
      return answer(items);
    },
  },
  preprocesscustomjson: {
    async run(context, params) {
      return answer(await customJson(context, params));
    },
  },
};
