// How a solution reads its inputs and labels its outputs, beyond what it learns: one partition of
// each input (outputs to the same partition), where a new solution starts reading, a pause between
// its read/predict cycles, the registered consumer and producer ids its reads and writes are
// attributed to, and the main topic its records name. VIPER's batch endpoints translate their
// `partition`, `offset`, `timedelay`, `consumerid`, `producerid` and `maintopic` into it; `/v1`
// takes it as it is. The solution still reads with its own consumer group and writes with its
// worker's transactional producer (exactly once): the ids are attribution, not Kafka clients.
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:-]+$' });

export const SolutionIoSchema = Type.Object(
  {
    /**
     * Read only partition p of every input (partition p joined with partition p) and write the
     * outputs to partition p. Absent: every partition, each output keyed by its entity.
     */
    partition: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    /**
     * Where a new solution starts reading (as Kafka's auto.offset.reset: committed offsets win on a
     * restart): `window` — the newest rows (default), `earliest` — the start of each partition, or
     * an offset n (clamped to what the partition holds).
     */
    startOffset: Type.Optional(
      Type.Union([Type.Literal('window'), Type.Literal('earliest'), Type.Integer({ minimum: 0 })]),
    ),
    /** Seconds the solution pauses after each cycle that read rows (0: none). */
    pauseSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    /** A consumer id subscribed to the first input: the solution's reads count as its usage (AiMS). */
    consumerId: Type.Optional(Id),
    /** The producer id of the outputs' topic: carried in the records (VIPER's `ProducerId`). */
    producerId: Type.Optional(Id),
    /** The main topic the outputs belong to, carried in their records (VIPER's `Maintopic`). */
    mainTopic: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })),
  },
  { additionalProperties: false },
);

export type SolutionIo = Static<typeof SolutionIoSchema>;

/** The first offset a new solution reads of a partition holding [earliest, latest). */
export function startOffsetOf(io: SolutionIo | undefined, earliest: number, latest: number): number {
  const start = io?.startOffset ?? 'window';
  if (start === 'window') return latest;
  if (start === 'earliest') return earliest;
  return Math.min(Math.max(start, earliest), latest);
}
