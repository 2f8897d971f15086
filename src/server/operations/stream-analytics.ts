// Stream correlations and clusters on request (streamcorr and streamcluster; POST
// /v1/topics/:topic/correlations and /clusters): the guards — the topic exists and the producer id
// may write it, each stream exists, the output topic exists and is active — then the core's step.
import {
  clusterStream,
  correlateStreams,
  searchAnomaly,
  type SearchAnomalyInput,
  type SearchAnomalyRecord,
  type WrittenAlert,
  parseStreamAddress,
  streamAddress,
  type StreamClusterInput,
  type StreamCorrelationInput,
  type StreamCorrelationResult,
  type WrittenCluster,
} from '../../streams/index.js';
import { UnknownTopicError } from '../../backbone/errors.js';
import { NotFoundError, ParameterError, showValue } from '../errors.js';
import type { MailOutcome } from '../alert-mail.js';
import type { OperationContext } from './context.js';
import { checkProducer } from './produce.js';
import { checkActive, describeExisting } from './validate.js';

export interface StreamCorrelationRequest extends Omit<
  StreamCorrelationInput,
  'produceTo' | 'rowsTopic' | 'rawTopic' | 'where'
> {
  /** The topic the streams are read from when they are not topics themselves. */
  topic: string;
  producerId: string;
  /** Where the correlations are written (default: the topic). */
  produceTo?: string;
  /** The streams are fields of the topic's JSON rows (one object per record). */
  fields?: boolean;
  /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}` (bare: exact). */
  where?: string;
  whereKey?: string;
}

export interface StreamClusterRequest extends Omit<StreamClusterInput, 'produceTo'> {
  producerId: string;
  produceTo?: string;
  /** Mail the alerts to these addresses (in the server's allowed domains). */
  alertEmails?: string[];
  /** At most one mail per this many seconds to the same recipients (default 0: every alert). */
  emailFrequencySeconds?: number;
}

/** The recipients, checked before the call writes anything. */
export function alertRecipients(context: OperationContext, to: readonly string[] | undefined): string[] {
  if (to === undefined || to.length === 0) return [];
  if (context.alertMailer === undefined) {
    throw new ParameterError(
      'alertEmails',
      'asks for mail, but this server has no mail server configured (alertMail)',
    );
  }
  return context.alertMailer.recipients(to, 'alertEmails');
}

/** The topic exists; else an error naming the parameter (the VIPER face shows only parameter errors' names). */
async function existing(context: OperationContext, topic: string, parameter: string): Promise<void> {
  try {
    await describeExisting(context.backbone, topic, parameter);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ParameterError(parameter, `names topic '${showValue(topic)}', which does not exist`);
    }
    throw error;
  }
}

async function outputTopic(
  context: OperationContext,
  topic: string,
  produceTo: string | undefined,
): Promise<string> {
  const out = produceTo === undefined || produceTo === '' ? topic : produceTo;
  if (out !== topic) await existing(context, out, 'produceTo');
  checkActive(context.store.topics.get(out), out);
  return out;
}

/** A stream named in a call: `topic/stream` as it is, a topic of that name, else a stream inside `topic`. */
async function resolveStream(context: OperationContext, topic: string, stream: string): Promise<string> {
  if (stream.includes('/')) {
    await existing(context, parseStreamAddress(stream).topic, 'streams');
    return stream;
  }
  try {
    await context.backbone.describeTopic(stream);
    return stream;
  } catch (error) {
    if (error instanceof UnknownTopicError) return streamAddress(topic, stream);
    throw error;
  }
}

export async function streamCorrelation(
  context: OperationContext,
  input: StreamCorrelationRequest,
): Promise<StreamCorrelationResult & { produceTo: string }> {
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const produceTo = await outputTopic(context, input.topic, input.produceTo);
  const { fields, where, whereKey, ...rest } = input;
  if (where !== undefined && where !== '' && (whereKey === undefined || whereKey === '')) {
    throw new ParameterError('whereKey', 'must name the JSON path `where` searches');
  }
  if (fields && input.criteria !== undefined) {
    throw new ParameterError('fields', 'and criteria both say how records are read: give one');
  }
  // array rows and raw JSON name fields and subtopics of the topic, not streams to resolve
  const streams = [];
  if (fields || input.criteria !== undefined) streams.push(...input.streams);
  else for (const s of input.streams) streams.push(await resolveStream(context, input.topic, s));
  const result = await correlateStreams(
    { backbone: context.backbone, shapers: context.shapers },
    {
      ...rest,
      streams,
      produceTo,
      ...(fields ? { rowsTopic: input.topic } : {}),
      ...(input.criteria !== undefined ? { rawTopic: input.topic } : {}),
      ...(where !== undefined && where !== '' ? { where: { key: whereKey ?? '', condition: where } } : {}),
    },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(result.written.length);
  return { ...result, produceTo };
}

export async function streamCluster(
  context: OperationContext,
  input: StreamClusterRequest,
): Promise<WrittenCluster & { produceTo: string; mail: MailOutcome }> {
  const to = alertRecipients(context, input.alertEmails);
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const produceTo = await outputTopic(context, input.topic, input.produceTo);
  const result = await clusterStream(
    { backbone: context.backbone, shapers: context.shapers },
    { ...input, produceTo },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(1 + result.alerts.length + (result.report ? 1 : 0));
  // the PDF report goes with the alert mail (VIPER: "the PDF to generate and emailed to users")
  const attachments = result.report
    ? [
        {
          filename: `clusters-${input.topic}.pdf`,
          content: result.report.pdf,
          contentType: 'application/pdf',
        },
      ]
    : [];
  const mail =
    to.length === 0 || context.alertMailer === undefined
      ? { sent: 0, reason: 'no recipients' }
      : await context.alertMailer.send(result.alerts, to, input.emailFrequencySeconds ?? 0, attachments);
  return { ...result, produceTo, mail };
}

export interface SearchAnomalyRequest extends Omit<SearchAnomalyInput, 'produceTo'> {
  producerId: string;
  produceTo?: string;
  alertEmails?: string[];
  emailFrequencySeconds?: number;
}

export async function searchAnomalyCheck(
  context: OperationContext,
  input: SearchAnomalyRequest,
): Promise<{
  record: SearchAnomalyRecord;
  partition: number;
  offset: number;
  alerts: WrittenAlert[];
  produceTo: string;
  mail: MailOutcome;
}> {
  const to = alertRecipients(context, input.alertEmails);
  await describeExisting(context.backbone, input.topic, 'topic');
  await checkProducer(context, input.topic, input.producerId);
  const produceTo = await outputTopic(context, input.topic, input.produceTo);
  const result = await searchAnomaly(
    { backbone: context.backbone, shapers: context.shapers },
    { ...input, produceTo },
    { producerId: input.producerId },
  );
  context.metrics.recordsProduced.inc(1 + result.alerts.length);
  const mail =
    to.length === 0 || context.alertMailer === undefined
      ? { sent: 0, reason: 'no recipients' }
      : await context.alertMailer.send(result.alerts, to, input.emailFrequencySeconds ?? 0);
  return { ...result, produceTo, mail };
}
