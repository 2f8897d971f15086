// Anomaly detection on request (viperanomalytrain / viperanomalypredict, POST /v1/peer-groups and
// /v1/anomalies): the guards — the topics exist, the consumer id may read the source, the producer
// id may write the target — then the core's anomaly steps.
import type { Completeness, PeerGroupOptions, StreamRule } from '../../automl/index.js';
import {
  anomalyAlert,
  deadlineAfter,
  scoreAnomalies,
  trainPeerGroups,
  writeAlerts,
  type WrittenAlert,
  type AnomalyRecord,
  type PeerGroupsRecord,
} from '../../streams/index.js';
import { ParameterError, ServerError } from '../errors.js';
import type { OperationContext } from './context.js';
import { checkProducer } from './produce.js';
import { checkActive, checkConsumer, checkMainTopic, describeExisting } from './validate.js';

export interface AnomalyTrainInput {
  consumeFrom: string;
  consumerId: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  options: Array<{ stream: string; options: PeerGroupOptions }>;
  partition: number;
  /** A device (VIPER's `topicid`). */
  device?: string;
  /** Learn from the newest share of the values (a percentage; 0 = all). */
  rollbackPercent?: number;
  /** A bound on the call's work in seconds; past it nothing is written. */
  timeoutSeconds?: number;
  /** The main (joined) topic: must exist; recorded in the peer groups. */
  mainTopic?: string;
  /** The folder the peer groups are filed under (a name; no files are written). */
  folder?: string;
  /** Also write the peer groups (the training summary) here, with its own producer id. */
  summaryTo?: string;
  summaryProducerId?: string;
  /** When given, a consumer id that must be subscribed to `summaryTo`. */
  summaryConsumerId?: string;
}

/** A guard's complaint, named as the call's `parameter` (the guard itself names none or another). */
async function named(parameter: string, check: () => Promise<unknown>): Promise<void> {
  await check().catch((error: unknown) => {
    if (error instanceof ServerError) throw new ParameterError(parameter, error.message);
    throw error;
  });
}

export async function anomalyTrain(
  context: OperationContext,
  input: AnomalyTrainInput,
): Promise<{ record: PeerGroupsRecord; partition: number; offset: number; bytesWritten: number }> {
  const startedAt = performance.now();
  if (input.timeoutSeconds !== undefined) deadlineAfter(startedAt, input.timeoutSeconds);
  await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  if (input.mainTopic !== undefined) await checkMainTopic(context, input.mainTopic);
  const summaryTo = input.summaryTo;
  if (summaryTo !== undefined) {
    await named('summaryTo', () => describeExisting(context.backbone, summaryTo));
    await named('summaryProducerId', () => checkProducer(context, summaryTo, input.summaryProducerId ?? ''));
    const reader = input.summaryConsumerId;
    if (reader) await named('summaryConsumerId', () => checkConsumer(context, reader, summaryTo));
  }
  const result = await trainPeerGroups(
    { backbone: context.backbone, shapers: context.shapers },
    {
      ...input,
      ...(input.timeoutSeconds !== undefined
        ? { deadline: deadlineAfter(startedAt, input.timeoutSeconds) }
        : {}),
    },
  );
  context.metrics.recordsProduced.inc(summaryTo !== undefined ? 2 : 1);
  return result;
}

export interface AnomalyPredictInput {
  /** The peer-group topic. */
  consumeFrom: string;
  consumerId: string;
  /** The joined input stream whose newest values are scored. */
  inputStream: string;
  /** When given, a consumer id that must be subscribed to `inputStream`. */
  inputConsumerId?: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  rules: StreamRule[];
  riskscore?: number;
  complete?: Completeness;
  partition: number;
  /** A device (VIPER's `topicid`). */
  device?: string;
  /** Score the newest share of the joined rows (a percentage), one record each; 0: the newest row. */
  rollbackPercent?: number;
  /** A bound on the call's work in seconds; past it nothing is written. */
  timeoutSeconds?: number;
  /** The main (joined) topic: must exist; recorded in the anomaly records. */
  mainTopic?: string;
  /** The peer groups must have been filed under this folder. */
  folder?: string;
  /** Also write the input rows scored here, with its own producer id. */
  inputTestTo?: string;
  inputTestProducerId?: string;
}

export async function anomalyPredict(
  context: OperationContext,
  input: AnomalyPredictInput,
): Promise<{
  record: AnomalyRecord;
  shaped: unknown;
  partition: number;
  offset: number;
  alerts: WrittenAlert[];
  records: AnomalyRecord[];
  inputTest?: { partition: number; offset: number };
}> {
  const startedAt = performance.now();
  if (input.timeoutSeconds !== undefined) deadlineAfter(startedAt, input.timeoutSeconds);
  await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
  await describeExisting(context.backbone, input.inputStream, 'inputStream');
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  if (input.inputConsumerId) {
    // named as this call's parameter (the reader of the input stream), whatever the check found
    await checkConsumer(context, input.inputConsumerId, input.inputStream).catch((error: unknown) => {
      if (error instanceof ServerError)
        throw new ParameterError('inputConsumerId', `cannot read the input stream: ${error.message}`);
      throw error;
    });
  }
  await checkProducer(context, input.produceTo, input.producerId);
  if (input.mainTopic !== undefined) await checkMainTopic(context, input.mainTopic);
  const inputTestTo = input.inputTestTo;
  if (inputTestTo !== undefined) {
    await named('inputTestTo', () => describeExisting(context.backbone, inputTestTo));
    await named('inputTestProducerId', () =>
      checkProducer(context, inputTestTo, input.inputTestProducerId ?? ''),
    );
  }
  const services = { backbone: context.backbone, shapers: context.shapers };
  const result = await scoreAnomalies(services, {
    ...input,
    ...(input.timeoutSeconds !== undefined
      ? { deadline: deadlineAfter(startedAt, input.timeoutSeconds) }
      : {}),
  });
  // an alert record beside each anomaly record, in the same topic (docs/stream-analytics.md)
  const alerts = await writeAlerts(
    services,
    input.produceTo,
    result.records.flatMap((r) => anomalyAlert(r, input.inputStream, input.riskscore ?? 0.5)),
  );
  context.metrics.recordsProduced.inc(
    result.records.length + alerts.length + (result.inputTest !== undefined ? 1 : 0),
  );
  return { ...result, alerts };
}
