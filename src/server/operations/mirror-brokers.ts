// vipermirrorbrokers (VIPER's `writestreamtobrokers`): copies topics from one Kafka cluster to
// another without duplicates. Source partition p goes to destination partition p, and every copied
// record carries the header `tml-mirror-offset` (its source offset): the resume point of a partition
// is read back from the destination's last record, so a repeated, retried or interrupted call copies
// each record exactly once (each batch is one append, so a failure leaves a prefix, never a gap).
import { openBackbone } from '../../backbone/open.js';
import type { KafkaBackboneOptions } from '../../backbone/kafka/index.js';
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
}

export interface MirrorInput {
  from: ClusterSide;
  to: ClusterSide;
  /** Topics to copy; empty: every source topic whose name contains one of `filters`. */
  topics: string[];
  filters: string[];
  /** Partitions of a destination topic this call creates (at least the source's). */
  partitions: number;
  replicationFactorTo: number;
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
        clientId: 'tml-mirror',
        tls: side.tls,
        sasl: side.sasl,
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

export async function mirrorBrokers(context: OperationContext, input: MirrorInput): Promise<MirroredTopic[]> {
  requireRole(context.principal, 'admin', 'writestreamtobrokers');
  if (input.rollbackOffset < 0) {
    throw new ParameterError('rollbackoffset', `must be a count >= 0, got ${input.rollbackOffset}`);
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
      const plan: Array<{ topic: string; partitions: number; create: boolean }> = [];
      for (const topic of topics) {
        if (!sourceTopics.includes(topic)) {
          throw new ParameterError(
            'topiclist',
            `names '${showValue(topic)}', which brokerlistfrom does not have`,
          );
        }
        const partitions = (await from.describeTopic(topic)).partitions.length;
        if (destinationTopics.has(topic)) {
          const have = (await to.describeTopic(topic)).partitions.length;
          if (have < partitions) {
            throw new ParameterError(
              'topiclist',
              `topic '${topic}' has ${partitions} partitions on brokerlistfrom but ${have} on brokerlistto: ` +
                'partition p is copied to partition p, so the destination needs at least as many',
            );
          }
        }
        plan.push({ topic, partitions, create: !destinationTopics.has(topic) });
      }
      const results: MirroredTopic[] = [];
      let budget = MAX_MIRROR_RECORDS;
      for (const { topic, partitions, create } of plan) {
        if (create) {
          await to.createTopic({
            name: topic,
            partitions: Math.max(partitions, input.partitions),
            replicationFactor: input.replicationFactorTo,
          });
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
