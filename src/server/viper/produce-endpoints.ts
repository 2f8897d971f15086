// producetotopic (viper-protocol.md §2.4), with the two list forms the client documents:
// - several topics (and as many producer ids): `externalprediction` holds one value per topic
//   ("same number of externalprediction (separated by commas)"), or one value written to each;
// - `array=1` with `subtopics=A,B,C` and `externalprediction=vA,vB,vC`: one row of time-synchronised
//   variables, written as ONE record `{"A":vA,"B":vB,"C":vC}` (numbers as JSON numbers), so that the
//   variables share a timestamp and the streams layer reads each by its field name.
import { ParameterError, showValue } from '../errors.js';
import { checkProducer, produce } from '../operations/produce.js';
import { checkFiniteText, describeExisting } from '../operations/validate.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';

/** The seed passes the value in `externalprediction`; some callers use `inputdata`. */
export function valueParameter(params: ViperParams): string {
  return params.has('externalprediction') || !params.has('inputdata') ? 'externalprediction' : 'inputdata';
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `array=1`: the subtopics' values as one JSON object, every name and value checked first. */
function arrayRow(params: ViperParams, parameter: string): string {
  const subtopics =
    params
      .raw('subtopics')
      ?.split(',')
      .map((s) => s.trim()) ?? [];
  if (subtopics.length === 0 || subtopics.some((s) => s === '')) {
    throw new ParameterError(
      'subtopics',
      `must name the variables of the row (A,B,C) when array=1, got '${showValue(params.raw('subtopics') ?? '')}'`,
    );
  }
  const seen = new Set<string>();
  for (const s of subtopics) {
    if (seen.has(s)) throw new ParameterError('subtopics', `names '${showValue(s)}' twice`);
    seen.add(s);
  }
  const values = params
    .string(parameter)
    .split(',')
    .map((v) => v.trim());
  if (values.length !== subtopics.length) {
    throw new ParameterError(
      parameter,
      `must hold one value per subtopic when array=1 (${subtopics.length} subtopics, ${values.length} values)`,
    );
  }
  const row: Record<string, number | string> = {};
  values.forEach((v, i) => {
    if (v === '') throw new ParameterError(parameter, `value ${i + 1} (subtopic '${subtopics[i]}') is empty`);
    checkFiniteText(v, parameter, `value ${i + 1} (subtopic '${subtopics[i]}') `);
    row[subtopics[i]] = NUMBER.test(v) ? Number(v) : v;
  });
  return JSON.stringify(row);
}

export const produceEndpoints: Record<string, ViperEndpoint> = {
  producetotopic: {
    async run(context, params) {
      const topics = params.list('topic');
      const producerIds = params.list('producerid');
      if (topics.length !== producerIds.length) {
        throw new ParameterError(
          'producerid',
          `must name one producer id per topic (${topics.length} topics, ${producerIds.length} producer ids)`,
        );
      }
      const parameter = valueParameter(params);
      const array = params.bool('array', { default: false });
      let values: string[];
      if (array) {
        values = topics.map(() => arrayRow(params, parameter));
      } else if (topics.length > 1) {
        const items = params
          .string(parameter)
          .split(',')
          .map((v) => v.trim());
        if (items.length !== 1 && items.length !== topics.length) {
          throw new ParameterError(
            parameter,
            `must hold one value, or one per topic (${topics.length} topics, ${items.length} values)`,
          );
        }
        values = topics.map((_, i) => items[items.length === 1 ? 0 : i]);
      } else {
        values = [params.string(parameter)];
      }
      const identifier = params.string('identifier', { default: '' });
      const topicId = params.int('topicid', { default: -999 });
      // Every pair is checked before the first write, so a bad pair leaves every topic unchanged.
      for (let i = 0; i < topics.length; i++) {
        await describeExisting(context.backbone, topics[i]);
        await checkProducer(context, topics[i], producerIds[i]);
      }
      const answers = [];
      for (let i = 0; i < topics.length; i++) {
        const result = await produce(context, {
          topic: topics[i],
          producerId: producerIds[i],
          values: [values[i]],
          identifier,
          topicId,
          valueParameter: parameter,
        });
        const r = result.records[0];
        answers.push({
          Topic: result.topic,
          ProducerId: result.producerId,
          Partition: r.partition,
          Offset: r.offset,
          BytesWritten: result.bytesWritten,
          ...(array ? { Subtopics: params.string('subtopics') } : {}),
        });
      }
      return answers.length === 1 ? answers[0] : answers;
    },
  },
};
