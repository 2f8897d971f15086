// Anomaly detection on request (viperanomalytrain / viperanomalypredict, POST /v1/peer-groups and
// /v1/anomalies): the guards — the topics exist, the consumer id may read the source, the producer
// id may write the target — then the core's anomaly steps.
import type { Completeness, PeerGroupOptions, StreamRule } from '../../automl/index.js';
import {
  anomalyAlert,
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
import { checkActive, checkConsumer, describeExisting } from './validate.js';

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
}

export async function anomalyTrain(
  context: OperationContext,
  input: AnomalyTrainInput,
): Promise<{ record: PeerGroupsRecord; partition: number; offset: number; bytesWritten: number }> {
  await describeExisting(context.backbone, input.consumeFrom, 'consumeFrom');
  await describeExisting(context.backbone, input.produceTo, 'produceTo');
  await checkConsumer(context, input.consumerId, input.consumeFrom);
  checkActive(context.store.topics.get(input.consumeFrom), input.consumeFrom);
  await checkProducer(context, input.produceTo, input.producerId);
  const result = await trainPeerGroups({ backbone: context.backbone, shapers: context.shapers }, input);
  context.metrics.recordsProduced.inc(1);
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
}> {
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
  const services = { backbone: context.backbone, shapers: context.shapers };
  const result = await scoreAnomalies(services, input);
  // an alert record beside the anomaly record, in the same topic (docs/stream-analytics.md)
  const alerts = await writeAlerts(
    services,
    input.produceTo,
    anomalyAlert(result.record, input.inputStream, input.riskscore ?? 0.5),
  );
  context.metrics.recordsProduced.inc(1 + alerts.length);
  return { ...result, alerts };
}
