// producetotopic and producetotopicbulk: values written as records to a topic by the holder of its
// producer id. Every value is checked before anything is written, and one call is one backbone
// append (atomic per partition), so a refused call stores nothing.
import type { ProducerRecord, RecordMetadata } from '../../backbone/types.js';
import { ForbiddenError, NotFoundError, ParameterError, showValue } from '../errors.js';
import type { OperationContext } from './context.js';
import { checkActive, checkFiniteText, describeExisting } from './validate.js';

export interface ProduceInput {
  topic: string;
  producerId: string;
  values: string[];
  /** VIPER's `identifier` and `topicid`, kept as record headers when given. */
  identifier?: string;
  topicId?: number;
  /** The parameter the values came from, for error messages. */
  valueParameter?: string;
  /**
   * Consecutive values written to the same partition, `chunkSize` at a time, the chunks spread over
   * the partitions in turn (VIPER's `partitionsize`: the slices its producer threads write). Without
   * it the backbone spreads the records one by one.
   */
  chunkSize?: number;
}

export interface ProduceResult {
  topic: string;
  producerId: string;
  records: RecordMetadata[];
  bytesWritten: number;
}

/** The most values one bulk call takes. */
export const MAX_BULK_VALUES = 100_000;

/** The producer id exists and belongs to `topic`: a producer id only produces to its own topic. */
export async function checkProducer(
  context: OperationContext,
  topic: string,
  producerId: string,
): Promise<void> {
  let registration = context.store.topics.get(topic);
  if (registration?.producerId !== producerId) {
    // Perhaps registered by another tml process since this one last looked.
    registration = await context.store.topics.lookup(topic);
  }
  if (registration?.producerId === producerId) {
    checkActive(registration, topic);
    return;
  }
  const owner = context.store.topics.values().find((t) => t.producerId === producerId);
  if (owner === undefined) {
    throw new NotFoundError(
      'UNKNOWN_PRODUCER',
      `producer id '${showValue(producerId)}' is not known`,
      'producerId',
    );
  }
  throw new ForbiddenError(
    `producer id '${producerId}' produces to topic '${owner.topic}', not '${topic}'`,
    'WRONG_TOPIC',
  );
}

/**
 * The checks every record value passes before it is written, whichever face or command sent it:
 * not empty, not a non-finite number's text, within the size limit. A null value (a tombstone,
 * which only the command line's keyed records can carry) is no value to check.
 */
export function checkRecordValue(
  context: Pick<OperationContext, 'limits'>,
  value: string | Uint8Array | null | undefined,
  parameter: string,
  where = '',
): number {
  if (value === null || value === undefined) return 0;
  const size = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
  // Only short values can be all blanks or spell NaN/Infinity: longer ones are not decoded.
  if (size <= SHORT_VALUE_BYTES) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    if (text.trim() === '') throw new ParameterError(parameter, `${where}is empty`);
    checkFiniteText(text, parameter, where);
  }
  if (size > context.limits.maxMessageBytes) {
    throw new ParameterError(
      parameter,
      `${where}is ${size} bytes, over the limit of ${context.limits.maxMessageBytes} bytes`,
    );
  }
  return size;
}

const SHORT_VALUE_BYTES = 1024;

/**
 * Records (keys, partitions, headers and timestamps as given) appended by the holder of the topic's
 * producer id, every value checked before anything is written: the command line's local produce.
 */
export async function appendRecords(
  context: OperationContext,
  input: { topic: string; producerId: string; records: ProducerRecord[]; parameter: string },
): Promise<RecordMetadata[]> {
  await describeExisting(context.backbone, input.topic);
  await checkProducer(context, input.topic, input.producerId);
  input.records.forEach((record, i) => {
    checkRecordValue(
      context,
      record.value,
      input.parameter,
      input.records.length > 1 ? `record ${i + 1} ` : '',
    );
  });
  const written = await context.backbone.produce(input.topic, input.records);
  context.metrics.recordsProduced.inc(written.length);
  context.usage?.noteWrite(
    input.topic,
    input.records.reduce((sum, r) => sum + (r.value === null ? 0 : Buffer.byteLength(r.value)), 0),
    written.length,
  );
  return written;
}

export async function produce(context: OperationContext, input: ProduceInput): Promise<ProduceResult> {
  const parameter = input.valueParameter ?? 'value';
  const chunk = input.chunkSize;
  if (chunk !== undefined && !(Number.isSafeInteger(chunk) && chunk >= 1 && chunk <= MAX_BULK_VALUES)) {
    throw new ParameterError('chunkSize', `must be an integer from 1 to ${MAX_BULK_VALUES}, got ${chunk}`);
  }
  const { partitions } = await describeExisting(context.backbone, input.topic);
  await checkProducer(context, input.topic, input.producerId);
  if (input.values.length === 0) throw new ParameterError(parameter, 'is required');
  if (input.values.length > MAX_BULK_VALUES) {
    throw new ParameterError(
      parameter,
      `has ${input.values.length} values, the most one call takes is ${MAX_BULK_VALUES}`,
    );
  }
  const headers: Record<string, string> = {};
  if (input.identifier) headers.identifier = input.identifier;
  if (input.topicId !== undefined && input.topicId >= 0) headers.topicid = String(input.topicId);
  const records: ProducerRecord[] = [];
  let bytes = 0;
  input.values.forEach((value, i) => {
    const where = input.values.length > 1 ? `item ${i + 1} ` : '';
    if (value.trim() === '') throw new ParameterError(parameter, `${where}is empty`);
    bytes += checkRecordValue(context, value, parameter, where);
    // A device's records are keyed with it: the key per-device steps and `entityKey` read.
    const key = headers.topicid;
    records.push({
      value,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(key !== undefined ? { key } : {}),
      ...(chunk !== undefined ? { partition: Math.floor(i / chunk) % partitions.length } : {}),
    });
  });
  const written = await context.backbone.produce(input.topic, records);
  context.metrics.recordsProduced.inc(written.length);
  context.usage?.noteWrite(input.topic, bytes, written.length);
  return { topic: input.topic, producerId: input.producerId, records: written, bytesWritten: bytes };
}
