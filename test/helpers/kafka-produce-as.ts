// Writes records to the local broker as a given idempotent producer would (its id, epoch and next
// sequence number): the broker's side of a send whose answer the producer never got.
import { Connection, NumericMap, produceV11 } from '@platformatic/kafka';
import { kafkaBrokers } from './kafka.js';

export interface Message {
  topic: string;
  partition: number;
  key?: Buffer;
  value: Buffer;
  timestamp?: bigint;
  headers?: Map<Buffer, Buffer>;
}

/** Writes `messages` (one partition) as the producer `producerId` would, starting at `sequence`. */
export async function produceAs(
  messages: Message[],
  producerId: bigint,
  producerEpoch: number,
  sequence: number,
) {
  const [host, port] = kafkaBrokers()![0].split(':');
  const connection = new Connection('produce-as-test');
  try {
    await new Promise<void>((resolve, reject) =>
      connection.connect(host, Number(port), (error) => (error ? reject(error) : resolve())),
    );
    const { topic, partition } = messages[0];
    await produceV11.api.async(
      connection,
      -1,
      30_000,
      messages.map((m) => ({ ...m, headers: m.headers ?? new Map() })),
      {
        producerId,
        producerEpoch,
        sequences: new NumericMap([[`${topic}:${partition}`, sequence]]),
      },
    );
  } finally {
    await new Promise<void>((resolve) => connection.close(() => resolve()));
  }
}
