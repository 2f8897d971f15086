// The requests of a transaction the Kafka client does not make the way a batch of solution steps
// needs them: one TxnOffsetCommit with all of a group's partitions, and the records of a batch's
// works cut into as few sends as the topics' batch limits allow.
import { kGetApi, kGetConnection, kPerformWithRetry, type Broker, type Producer } from '@platformatic/kafka';
import { BackboneError } from '../errors.js';
import type { EncodedRecord } from '../records.js';
import { planSends } from './batches.js';
import type { PreparedRecord } from './produce.js';

/** What a batch's works produced, sent when they have all run (see #flush). */
export interface Buffered {
  topic: string;
  records: PreparedRecord[];
  encoded: EncodedRecord[];
  maxBytes: number;
}

/** TxnOffsetCommit's request and answer (the client's types, not exported by its index). */
export interface TxnOffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
}
export interface TxnOffsetCommitRequestTopic {
  name: string;
  partitions: TxnOffsetCommitRequestPartition[];
}
type TxnOffsetCommitResponse = unknown;

/**
 * The client sends for a batch's records: each topic's records in the order produced, cut so each
 * partition's batch fits the topic's limit (`planSends`), and the n-th cut of every topic together
 * (no partition twice in a send, and each partition's records in order across sends).
 */
export function planFlush(buffered: readonly Buffered[]): PreparedRecord[][] {
  const byTopic = new Map<string, { records: PreparedRecord[]; maxBytes: number }>();
  for (const b of buffered) {
    const topic = byTopic.get(b.topic) ?? { records: [], maxBytes: b.maxBytes };
    byTopic.set(b.topic, topic);
    topic.records.push(...b.records);
  }
  const cuts = [...byTopic].map(([topic, { records, maxBytes }]) => planSends(topic, records, maxBytes));
  const rounds = Math.max(0, ...cuts.map((c) => c.length));
  const sends: PreparedRecord[][] = [];
  for (let r = 0; r < rounds; r++) sends.push(cuts.flatMap((c) => c[r] ?? []));
  return sends;
}

/**
 * One TxnOffsetCommit for a group's partitions, on the producer's connection to the group
 * coordinator, with the producer's id and epoch (the transaction's), retried as the client retries
 * its own requests.
 */
export function commitTxnOffsets(
  client: Producer,
  transactionalId: string,
  groupId: string,
  coordinator: Broker,
  topics: TxnOffsetCommitRequestTopic[],
): Promise<void> {
  const { producerId, producerEpoch } = client;
  if (producerId === undefined || producerEpoch === undefined) {
    return Promise.reject(new BackboneError('NOT_REGISTERED', `'${transactionalId}' has no producer id yet`));
  }
  return new Promise<void>((resolve, reject) => {
    void client[kPerformWithRetry]<TxnOffsetCommitResponse>(
      'commit',
      (retry) => {
        client[kGetConnection](coordinator, (error, connection) => {
          if (error) return retry(error, undefined);
          client[kGetApi]<unknown[], TxnOffsetCommitResponse>('TxnOffsetCommit', (error, api) => {
            if (error || api === undefined || connection === undefined) {
              return retry(
                error ?? new BackboneError('NO_CONNECTION', 'no connection to the group coordinator'),
                undefined,
              );
            }
            api(connection, transactionalId, groupId, producerId, producerEpoch, -1, '', null, topics, retry);
          });
        });
      },
      (error) => (error ? reject(error) : resolve()),
    );
  });
}
