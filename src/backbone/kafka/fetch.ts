// Fetching from Kafka: one partition from an offset (`Backbone.fetch`), and the Fetch request for
// several partitions of one broker that group consumers poll with.
import type { Consumer } from '@platformatic/kafka';
import { InvalidRecordError } from '../errors.js';
import { validateTopicName } from '../topic-name.js';
import type { FetchRequest, FetchResult } from '../types.js';
import { checkPartition, MAX_FETCH_WAIT_MS, type KafkaCluster } from './cluster.js';
import { protocolErrorIds } from './errors.js';
import { outOfRange } from './offsets.js';
import { decodePartition, type FetchResponsePartition } from './records.js';
import { abortable } from './util.js';
import type { FetchBatcher } from './fetch-batcher.js';

const DEFAULT_FETCH_MAX_RECORDS = 500;
const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;

export interface FetchPartitionRequest {
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

/**
 * Where a fetch goes: `via`, a client of its own (a PartitionReader's); else the cluster's shared
 * readers, through `batcher` when given and the fetch does not wait (gathered with the others of
 * its event-loop turn).
 */
export interface FetchSource {
  via?: Consumer;
  batcher?: FetchBatcher;
}

export async function fetch(
  cluster: KafkaCluster,
  request: FetchRequest,
  { via, batcher }: FetchSource = {},
): Promise<FetchResult> {
  const { topic, partition, offset } = request;
  validateTopicName(topic);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) {
    throw new InvalidRecordError(`a fetch offset must be an integer, got ${String(offset)}`);
  }
  const maxRecords = request.maxRecords ?? DEFAULT_FETCH_MAX_RECORDS;
  const maxBytes = request.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
  const metadata = await cluster.topicMetadata(topic);
  checkPartition(topic, partition, metadata.partitionsCount);
  if (offset < 0) throw await outOfRange(cluster, topic, partition, offset);
  const leader = metadata.partitions[partition].leader;
  const deadline = Date.now() + (request.maxWaitMs ?? 0);
  for (;;) {
    const part = { topic, topicId: metadata.id, partition, offset, maxBytes };
    const waitMs = deadline - Date.now();
    let answer: FetchResponsePartition | undefined;
    try {
      if (batcher && via === undefined && waitMs <= 0 && request.signal === undefined) {
        answer = await batcher.fetch(leader, part);
      } else {
        answer = (await fetchFrom(cluster, leader, [part], waitMs, request.signal, via))[0]?.answer;
      }
    } catch (error) {
      if (protocolErrorIds((error as { cause?: unknown }).cause).has('OFFSET_OUT_OF_RANGE')) {
        throw await outOfRange(cluster, topic, partition, offset);
      }
      throw error;
    }
    if (!answer) return { records: [], highWatermark: offset, logStartOffset: 0 };
    const { records } = decodePartition(topic, answer, offset, { maxRecords, maxBytes });
    if (records.length > 0 || Date.now() >= deadline) {
      return {
        records,
        highWatermark: Number(answer.highWatermark),
        logStartOffset: Number(answer.logStartOffset),
      };
    }
  }
}

/**
 * One Fetch request to a broker for several partitions, waiting at most `waitMs` (capped at
 * MAX_FETCH_WAIT_MS) for a first byte. An abort rejects with the signal's reason.
 */
export async function fetchFrom(
  cluster: KafkaCluster,
  node: number,
  partitions: FetchPartitionRequest[],
  waitMs: number,
  signal?: AbortSignal,
  via?: Consumer,
): Promise<{ request: FetchPartitionRequest; answer: FetchResponsePartition }[]> {
  signal?.throwIfAborted();
  const byTopic = new Map<string, FetchPartitionRequest[]>();
  for (const p of partitions) byTopic.set(p.topicId, [...(byTopic.get(p.topicId) ?? []), p]);
  const response = await abortable(
    cluster.call({ operation: 'fetching', topic: partitions[0]?.topic }, () =>
      (via ?? (waitMs > 0 ? cluster.longPoller : cluster.reader)).fetch({
        node,
        maxWaitTime: Math.max(0, Math.min(waitMs, MAX_FETCH_WAIT_MS)),
        minBytes: 1,
        maxBytes: partitions.reduce((sum, p) => sum + p.maxBytes, 0),
        topics: [...byTopic].map(([topicId, parts]) => ({
          topicId,
          partitions: parts.map((p) => ({
            partition: p.partition,
            fetchOffset: BigInt(p.offset),
            partitionMaxBytes: p.maxBytes,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        })),
      }),
    ),
    signal,
  );
  const out = [];
  for (const t of response.responses) {
    for (const answer of t.partitions) {
      const request = partitions.find(
        (p) => p.topicId === t.topicId && p.partition === answer.partitionIndex,
      );
      if (request) out.push({ request, answer });
    }
  }
  return out;
}
