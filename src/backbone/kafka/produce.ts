// Producing to Kafka. Partitions are computed here with Kafka's own murmur2 (the client's default
// partitioner differs), so a key lands where the Java client and the embedded backbone put it;
// sends are cut so each batch fits the topic's `max.message.bytes`.
import { ConfigResourceTypes, type Producer } from '@platformatic/kafka';
import { InvalidRecordError, RecordTooLargeError } from '../errors.js';
import { partitionForKey } from '../partitioner.js';
import { encodeRecord, type EncodedRecord } from '../records.js';
import { validateTopicName } from '../topic-name.js';
import type { ProduceOptions, ProducerRecord, RecordMetadata } from '../types.js';
import { planSends, type OutgoingRecord } from './batches.js';
import { checkPartition, type KafkaCluster } from './cluster.js';
import { protocolErrorIds } from './errors.js';
import {
  fillOffsets,
  partitionKey,
  producedOffsets,
  recordsByPartition,
  sameSend,
  takeGroup,
  type QueuedProduce,
} from './produce-group.js';
import { withTimeout } from './util.js';

/** Kafka's default `max.message.bytes`. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** How long a topic's `max.message.bytes` is trusted before it is read again. */
const LIMIT_TTL_MS = 30_000;

/** One record of a prepared produce call; `index` is its place in the call. */
export type PreparedRecord = OutgoingRecord & { topic: string; index: number };

export interface PreparedProduce {
  encoded: EncodedRecord[];
  outgoing: PreparedRecord[];
  /** The client sends to make, in order. */
  sends: PreparedRecord[][];
  /** The topic's `max.message.bytes`, which each send's batches fit. */
  maxBytes: number;
}

export class KafkaProducing {
  readonly #cluster: KafkaCluster;
  readonly #roundRobin = new Map<string, number>();
  readonly #limits = new Map<string, { bytes: number; at: number }>();
  /**
   * The client's idempotent producer advances a partition's sequence number only after a send
   * succeeds, so two sends in flight to one partition would share numbers: sends go one at a time,
   * and the calls made meanwhile wait here, to go together in the next (as a Kafka producer
   * batches the records of many calls per broker).
   */
  #queue: QueuedProduce[] = [];
  #draining: Promise<void> | undefined;
  /** The last call queued, settled either way. */
  #tail: Promise<unknown> = Promise.resolve();
  /**
   * Per partition, the records of the last send to it that failed without a clear answer: the
   * broker may have written them (a leader that died after appending, an answer lost), while the
   * client did not advance the partition's sequence numbers. Sent again as they were (a caller's
   * retry, or a call of a failed send of several going again alone), the broker recognizes them as
   * a duplicate; but other records under the same numbers would be taken for that duplicate and
   * dropped while acknowledged, or refused with OUT_OF_ORDER_SEQUENCE_NUMBER at every later send.
   * So a send with other records for such a partition first registers the producer again, with a
   * new producer id and numbers from 0. Kept per partition: a send of several calls that failed
   * leaves each call's partitions with that call's records, which its resend repeats exactly.
   */
  readonly #unresolved = new Map<string, PreparedRecord[]>();

  constructor(cluster: KafkaCluster) {
    this.#cluster = cluster;
  }

  async produce(
    topic: string,
    records: ProducerRecord[],
    options: ProduceOptions,
  ): Promise<RecordMetadata[]> {
    const { encoded, outgoing, sends } = await this.prepare(topic, records, options);
    if (encoded.length === 0) return [];
    const offsets = new Map<number, number>();
    const run = new Promise<void>((resolve, reject) => {
      this.#queue.push({ topic, sends, offsets, resolve, reject });
    });
    this.#tail = run.catch(() => undefined);
    if (this.#draining === undefined) this.#draining = this.#drain();
    try {
      await run;
    } catch (error) {
      throw await this.tooLarge(topic, encoded, error);
    }
    return outgoing.map((o, i) => ({
      topic,
      partition: o.partition,
      offset: offsets.get(i) as number,
      timestamp: encoded[i].timestamp,
    }));
  }

  /** Sends the queued calls, one group after another (the client's numbers allow one at a time). */
  /**
   * Sends until the queue is empty; marks itself done in the same synchronous stretch in which it
   * finds the queue empty, so a call queued after that starts the next drain.
   */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = takeGroup(this.#queue);
        try {
          if (group.length === 1) await this.#sendAlone(group[0]);
          else await this.#sendTogether(group);
        } catch (error) {
          // not expected (both settle their calls): no call is left unsettled
          for (const call of group) call.reject(error);
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #sendAlone(call: QueuedProduce): Promise<void> {
    try {
      for (const send of call.sends) fillOffsets(call, send, await this.#send(send, call.topic));
      call.resolve();
    } catch (error) {
      call.reject(error);
    }
  }

  /**
   * Calls of one send each, no partition in two of them, as one client send (one Produce request
   * per leader). If it fails, the partitions the client reports written are done; each call with
   * a partition not written is sent again alone: the same records under the same sequence numbers
   * (the client advances a partition's numbers only when its batch is acknowledged), so a batch the
   * broker did write is recognised as a duplicate rather than stored twice.
   */
  async #sendTogether(group: QueuedProduce[]): Promise<void> {
    const merged = group.flatMap((call) => call.sends[0]);
    let written: Map<string, number>;
    try {
      written = await this.#send(merged, group[0].topic);
    } catch (error) {
      written = producedOffsets(error);
      for (const call of group) {
        const send = call.sends[0];
        const rest = send.filter((r) => !written.has(partitionKey(r.topic, r.partition)));
        fillOffsets(
          call,
          send.filter((r) => !rest.includes(r)),
          written,
        );
        try {
          if (rest.length > 0) fillOffsets(call, rest, await this.#send(rest, call.topic));
          call.resolve();
        } catch (failure) {
          call.reject(failure);
        }
      }
      return;
    }
    for (const call of group) {
      fillOffsets(call, call.sends[0], written);
      call.resolve();
    }
  }

  /**
   * One client send: the base offset of each `topic:partition` it wrote. Its partitions whose
   * outcome is unclear are kept in #unresolved for a retry of the same records.
   */
  async #send(send: PreparedRecord[], topic: string): Promise<Map<string, number>> {
    const byPartition = recordsByPartition(send);
    for (const [key, records] of byPartition) {
      const unresolved = this.#unresolved.get(key);
      if (unresolved !== undefined && !sameSend(unresolved, records)) {
        await this.#renewProducerId();
        break;
      }
    }
    type SendResult = Awaited<ReturnType<Producer['send']>>;
    let result: SendResult | undefined;
    let sending: Promise<SendResult | undefined> = Promise.resolve(undefined);
    let failure: unknown;
    try {
      result = await this.#cluster.call({ operation: 'producing', topic }, () => {
        const sent = this.#cluster.producer.send({ messages: clientMessages(send) });
        sending = sent.catch(() => undefined);
        return sent;
      });
    } catch (error) {
      failure = error;
      // a send the call gave up on (no answer within its bound) may still be running in the
      // client: its outcome decides, within one more bound. Told "failed" while the client
      // then stored it and advanced its numbers, a caller's retry would be stored twice; and
      // a next send started meanwhile would go out under the same numbers.
      result = await withTimeout(sending, this.#cluster.deadlineMs(), () => error as Error).catch(
        () => undefined,
      );
    }
    if (result === undefined) {
      // the partitions the client reports written moved on; the others are in doubt
      const written = producedOffsets(failure);
      for (const [key, records] of byPartition) {
        if (written.has(key)) this.#unresolved.delete(key);
        else this.#unresolved.set(key, records);
      }
      // the broker's producer state and the client's numbers disagree (a lost state, a send
      // written twice over): nothing more is written under this producer id
      const ids = protocolErrorIds(failure);
      if (SEQUENCE_ERRORS.some((id) => ids.has(id))) await this.#renewProducerId().catch(() => undefined);
      throw failure;
    }
    for (const key of byPartition.keys()) this.#unresolved.delete(key);
    const base = new Map<string, number>();
    for (const o of result.offsets ?? []) base.set(partitionKey(o.topic, o.partition), Number(o.offset));
    return base;
  }

  /**
   * Checks a produce call and turns it into the client's sends: partitions chosen here (Kafka's
   * murmur2), cut so each batch fits the topic's `max.message.bytes`. Sends nothing.
   */
  async prepare(
    topic: string,
    records: ProducerRecord[],
    options: ProduceOptions = {},
  ): Promise<PreparedProduce> {
    validateTopicName(topic);
    if (!Array.isArray(records)) {
      throw new InvalidRecordError(`produce takes an array of records, got ${typeof records}`);
    }
    const partitioner = options?.partitioner ?? 'murmur2';
    if (partitioner !== 'murmur2' && partitioner !== 'round-robin') {
      throw new InvalidRecordError(
        `unknown partitioner '${String(partitioner)}' (use murmur2 or round-robin)`,
      );
    }
    if (records.length === 0) return { encoded: [], outgoing: [], sends: [], maxBytes: 0 };
    const now = Date.now();
    const encoded = records.map((r) => encodeRecord(r, now));
    const { partitionsCount } = await this.#cluster.topicMetadata(topic);
    const outgoing: PreparedRecord[] = encoded.map((e, i) => ({
      topic,
      index: i,
      partition: this.#partitionFor(topic, records[i], e, partitionsCount, partitioner),
      key: e.key ?? undefined,
      value: e.value,
      timestamp: BigInt(e.timestamp),
      headers: headersOf(records[i]),
    }));
    const maxBytes = await this.#maxMessageBytes(topic);
    const sends = planSends(topic, outgoing, maxBytes);
    return { encoded, outgoing, sends, maxBytes };
  }

  /** A send's failure, as `RecordTooLargeError` when the broker refused the batch's size. */
  async tooLarge(topic: string, encoded: EncodedRecord[], error: unknown): Promise<unknown> {
    const ids = protocolErrorIds((error as { cause?: unknown }).cause);
    if (ids.has('MESSAGE_TOO_LARGE') || ids.has('RECORD_LIST_TOO_LARGE')) {
      this.#limits.delete(topic);
      const largest = Math.max(...encoded.map((e) => e.size));
      return new RecordTooLargeError(topic, largest, await this.#maxMessageBytes(topic));
    }
    return error;
  }

  /** A new producer id from the broker; the client's sequence numbers start again from 0. */
  async #renewProducerId(): Promise<void> {
    await this.#cluster.call({ operation: 'registering the idempotent producer' }, () =>
      this.#cluster.producer.initIdempotentProducer({}),
    );
    this.#unresolved.clear();
  }

  /** Forgets what is known of a topic that was created or deleted. */
  forget(topic: string): void {
    this.#roundRobin.delete(topic);
    this.#limits.delete(topic);
  }

  /** Settles once the sends already started have. */
  drain(): Promise<unknown> {
    return this.#tail;
  }

  #partitionFor(
    topic: string,
    record: ProducerRecord,
    encoded: EncodedRecord,
    count: number,
    partitioner: 'murmur2' | 'round-robin',
  ): number {
    if (record.partition !== undefined && record.partition !== null) {
      checkPartition(topic, record.partition, count);
      return record.partition;
    }
    if (partitioner === 'murmur2' && encoded.key !== null) return partitionForKey(encoded.key, count);
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, next + 1);
    return next % count;
  }

  /** The topic's `max.message.bytes` (what Kafka checks each record batch against). */
  async #maxMessageBytes(topic: string): Promise<number> {
    const cached = this.#limits.get(topic);
    if (cached && Date.now() - cached.at < LIMIT_TTL_MS) return cached.bytes;
    const described = await this.#cluster.call({ operation: 'reading topic configs', topic }, () =>
      this.#cluster.admin.describeConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configurationKeys: ['max.message.bytes'],
          },
        ],
      }),
    );
    const bytes = Number(described[0]?.configs[0]?.value ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.#limits.set(topic, { bytes, at: Date.now() });
    return bytes;
  }
}

/** Kafka's answers that the producer id's sequence numbers no longer match the broker's. */
const SEQUENCE_ERRORS = ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'];

/** The client's messages for one send (its type wants a Buffer value; null is written as Kafka's null). */
export function clientMessages(
  send: PreparedRecord[],
): (OutgoingRecord & { topic: string; value: Buffer })[] {
  return send.map(
    ({ index: _index, ...message }) => message as OutgoingRecord & { topic: string; value: Buffer },
  );
}

function headersOf(record: ProducerRecord): Map<Buffer, Buffer> | undefined {
  if (!record.headers) return undefined;
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(record.headers)) {
    headers.set(Buffer.from(name, 'utf8'), typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }
  return headers;
}
