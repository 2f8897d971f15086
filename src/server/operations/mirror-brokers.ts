// vipermirrorbrokers (VIPER's `writestreamtobrokers`): copies topics from one Kafka cluster to
// another without duplicates. Source partition p goes to destination partition p, and every copied
// record carries the header `tml-mirror-offset` (its source offset): the resume point of a partition
// is read back from the destination's last record, so a repeated, retried or interrupted call copies
// each record exactly once (each batch is one append, so a failure leaves a prefix, never a gap).
// A destination topic the call creates gets the source's partitions grown by changePartitionPercent
// (an existing one with fewer is grown to them) and the replication factor replicationFactorTo (else
// the source topic's) plus changeReplication; the destination's batches are compressed with its
// side's codec, and each side's client id is its service name.
import { openBackbone } from '../../backbone/open.js';
import type { KafkaBackboneOptions, KafkaCompression } from '../../backbone/kafka/index.js';
import type { Backbone, ConsumedRecord, ProducerRecord } from '../../backbone/types.js';
import { ParameterError, showValue } from '../errors.js';
import { requireRole } from '../auth/authenticator.js';
import type { OperationContext } from './context.js';

/** The header that marks a mirrored record with its source offset. */
export const MIRROR_OFFSET_HEADER = 'tml-mirror-offset';
/** The most records one call copies (the client waits 300 s by default); the next call continues. */
export const MAX_MIRROR_RECORDS = 200_000;
const BATCH = 500;

export interface ClusterSide {
  brokers: string[];
  tls: boolean;
  sasl?: KafkaBackboneOptions['sasl'];
  /** The codec of the records this call writes to the side (the destination's batches). */
  compression?: KafkaCompression;
  /** The Kafka client id on the side (VIPER's service name; default tml-mirror). */
  clientId?: string;
}

export interface MirrorInput {
  from: ClusterSide;
  to: ClusterSide;
  /** Topics to copy; empty: every source topic whose name contains one of `filters`. */
  topics: string[];
  filters: string[];
  /** Partitions of a destination topic this call creates (at least the source's). */
  partitions: number;
  /** Of created destination topics (default: the source topic's). */
  replicationFactorTo?: number;
  /** When given, every source topic must have this replication factor (the right cluster is named). */
  replicationFactorFrom?: number;
  /** Added to the created topics' replication factor (may be negative; the result must be >= 1). */
  changeReplication?: number;
  /** 0–100: destination partitions = ⌈source partitions × (1 + p/100)⌉. */
  changePartitionPercent?: number;
  /** A partition never mirrored before starts this many records before the source's end; 0: from its start. */
  rollbackOffset: number;
}

export interface MirroredTopic {
  topic: string;
  partitions: number;
  created: boolean;
  copied: number;
  /** Records already in the destination, found by the resume point and not copied again. */
  alreadyMirrored: number;
}

async function connect(side: ClusterSide, parameter: string): Promise<Backbone> {
  try {
    return await openBackbone({
      dataDir: '',
      kafka: {
        brokers: side.brokers,
        clientId: side.clientId ?? 'tml-mirror',
        tls: side.tls,
        sasl: side.sasl,
        ...(side.compression !== undefined ? { compression: side.compression } : {}),
        connectTimeoutMs: 5_000,
        retries: 1,
      },
    });
  } catch (error) {
    throw new ParameterError(
      parameter,
      `names a cluster tml cannot reach (${side.brokers.join(',')}): ${(error as Error).message}`,
    );
  }
}

/** Where partition p of the destination continues: after the source offset its last record carries. */
async function resumePoint(to: Backbone, topic: string, partition: number): Promise<number | undefined> {
  const offsets = (await to.listOffsets(topic)).find((p) => p.partition === partition);
  if (offsets === undefined || offsets.latest === offsets.earliest) return undefined;
  const { records } = await to.fetch({
    topic,
    partition,
    offset: Math.max(offsets.earliest, offsets.latest - 1),
    maxRecords: 1,
  });
  const marker = records.at(-1)?.headers[MIRROR_OFFSET_HEADER];
  if (marker === undefined) {
    throw new ParameterError(
      'topiclist',
      `topic '${topic}' partition ${partition} on brokerlistto holds records the mirror did not write: ` +
        'copying into it could duplicate records',
    );
  }
  return Number(marker.toString('utf8')) + 1;
}

function copy(record: ConsumedRecord, partition: number): ProducerRecord {
  return {
    key: record.key,
    value: record.value,
    timestamp: record.timestamp,
    partition,
    headers: { ...record.headers, [MIRROR_OFFSET_HEADER]: Buffer.from(String(record.offset)) },
  };
}

interface Planned {
  topic: string;
  partitions: number;
  create: boolean;
  /** Of a created topic. */
  destinationPartitions: number;
  replicationFactor: number;
  /** An existing destination topic grown to this many partitions. */
  grow?: number;
}

function checkSourceReplication(input: MirrorInput, topic: string, replicationFactor: number): void {
  if (input.replicationFactorFrom !== undefined && input.replicationFactorFrom !== replicationFactor) {
    throw new ParameterError(
      'replicationfactorfrom',
      `is ${input.replicationFactorFrom}, but topic '${topic}' has a replication factor of ${replicationFactor} on brokerlistfrom`,
    );
  }
}

export async function mirrorBrokers(context: OperationContext, input: MirrorInput): Promise<MirroredTopic[]> {
  requireRole(context.principal, 'admin', 'writestreamtobrokers');
  if (input.rollbackOffset < 0) {
    throw new ParameterError('rollbackoffset', `must be a count >= 0, got ${input.rollbackOffset}`);
  }
  const percent = input.changePartitionPercent ?? 0;
  if (!(percent >= 0 && percent <= 100)) {
    throw new ParameterError(
      'changepartitionperc',
      `must be from 0 to 100, got ${percent} (partitions are added, never removed: partition p is copied to partition p)`,
    );
  }
  const from = await connect(input.from, 'brokerlistfrom');
  try {
    const to = await connect(input.to, 'brokerlistto');
    try {
      const sourceTopics = await from.listTopics();
      const topics =
        input.topics.length > 0
          ? input.topics
          : sourceTopics
              .filter((t) => !t.startsWith('__') && input.filters.some((f) => t.includes(f)))
              .sort();
      if (topics.length === 0) {
        throw new ParameterError('topiclist', 'names no topic (and filter matches none on brokerlistfrom)');
      }
      // Everything is checked before the first record is copied.
      const destinationTopics = new Set(await to.listTopics());
      const plan: Planned[] = [];
      for (const topic of topics) {
        if (!sourceTopics.includes(topic)) {
          throw new ParameterError(
            'topiclist',
            `names '${showValue(topic)}', which brokerlistfrom does not have`,
          );
        }
        const described = await from.describeTopic(topic);
        const partitions = described.partitions.length;
        checkSourceReplication(input, topic, described.replicationFactor);
        const wanted = Math.max(1, Math.ceil(partitions * (1 + percent / 100)));
        const replicationFactor =
          (input.replicationFactorTo ?? described.replicationFactor) + (input.changeReplication ?? 0);
        if (replicationFactor < 1) {
          throw new ParameterError(
            'changereplication',
            `gives topic '${topic}' a replication factor of ${replicationFactor} on brokerlistto; the least is 1`,
          );
        }
        let grow: number | undefined;
        if (destinationTopics.has(topic)) {
          const have = (await to.describeTopic(topic)).partitions.length;
          if (percent > 0 && have < wanted) grow = wanted;
          else if (have < partitions) {
            throw new ParameterError(
              'topiclist',
              `topic '${topic}' has ${partitions} partitions on brokerlistfrom but ${have} on brokerlistto: ` +
                'partition p is copied to partition p, so the destination needs at least as many',
            );
          }
        }
        plan.push({
          topic,
          partitions,
          create: !destinationTopics.has(topic),
          destinationPartitions: Math.max(wanted, input.partitions),
          replicationFactor,
          ...(grow !== undefined ? { grow } : {}),
        });
      }
      const results: MirroredTopic[] = [];
      let budget = MAX_MIRROR_RECORDS;
      for (const { topic, partitions, create, destinationPartitions, replicationFactor, grow } of plan) {
        if (create) {
          await to.createTopic({ name: topic, partitions: destinationPartitions, replicationFactor });
        } else if (grow !== undefined) {
          await to.createPartitions(topic, grow);
        }
        const result: MirroredTopic = { topic, partitions, created: create, copied: 0, alreadyMirrored: 0 };
        for (const source of await from.listOffsets(topic)) {
          const resume = create ? undefined : await resumePoint(to, topic, source.partition);
          const first =
            input.rollbackOffset > 0
              ? Math.max(source.earliest, source.latest - input.rollbackOffset)
              : source.earliest;
          let offset = Math.max(resume ?? first, source.earliest);
          if (resume !== undefined) result.alreadyMirrored += Math.max(0, resume - first);
          // up to the end as it was when the call began: a busy topic cannot keep one call running
          while (offset < source.latest && budget > 0) {
            const { records } = await from.fetch({
              topic,
              partition: source.partition,
              offset,
              maxRecords: Math.min(BATCH, budget, source.latest - offset),
            });
            if (records.length === 0) break;
            await to.produce(
              topic,
              records.map((r) => copy(r, source.partition)),
            );
            result.copied += records.length;
            budget -= records.length;
            offset = records[records.length - 1].offset + 1;
          }
        }
        results.push(result);
      }
      return results;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
