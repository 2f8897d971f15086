// How a solution reads its inputs and labels its outputs, beyond what it learns: one partition of
// each input (outputs to the same partition), where a new solution starts reading, a pause between
// its read/predict cycles, the registered consumer and producer ids its reads and writes are
// attributed to, and the main topic its records name. VIPER's batch endpoints translate their
// `partition`, `offset`, `timedelay`, `consumerid`, `producerid` and `maintopic` into it; `/v1`
// takes it as it is. The solution still reads with its own consumer group and writes with its
// worker's transactional producer (exactly once): the ids are attribution, not Kafka clients.
import { Type, type Static } from '@sinclair/typebox';
import {
  parseClassificationRule,
  parseConditions,
  StepInputError,
  type ClassificationRule,
} from '../streams/index.js';
import { SolutionSpecError } from './errors.js';

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
     * restart): `window` — the newest rows (default), `earliest` — the start of each partition, an
     * offset n ≥ 0, or −n: the newest n rows (each clamped to what the partition holds). From
     * `earliest` or n ≥ 0 it learns nothing from the rows before; from −n it learns the window
     * before those rows first, then predicts them.
     */
    startOffset: Type.Optional(
      Type.Union([
        Type.Literal('window'),
        Type.Literal('earliest'),
        Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
      ]),
    ),
    /** Only the rows of this entity (record key; needs `entityKey`): one device's model and outputs. */
    entity: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Seconds the solution pauses after each cycle that read rows (0: none). */
    pauseSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    /** A consumer id subscribed to the first input: the solution's reads count as its usage (AiMS). */
    consumerId: Type.Optional(Id),
    /** The producer id of the outputs' topic: carried in the records (VIPER's `ProducerId`). */
    producerId: Type.Optional(Id),
    /** The producer id carried in the records of `outputs.scoredInputs`. */
    scoredInputsProducerId: Type.Optional(Id),
    /** The producer id carried in the records of `outputs.peerGroups`. */
    peerGroupsProducerId: Type.Optional(Id),
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
  const offset = start < 0 ? latest + start : start;
  return Math.min(Math.max(offset, earliest), latest);
}

/** How the solution's champions are filed in its registry, and which one predicts. */
export const SolutionRegistrySchema = Type.Object(
  {
    /**
     * Each new champion is promoted to the deployed stage (default true); false files it under
     * "models" only (VIPER's `deploy=0`), and nothing of the solution is deployed.
     */
    deploy: Type.Boolean({ default: true }),
    /**
     * `deployed`: predict and optimise only with a deployed champion (needs `deploy`); `champion`
     * (default): with the latest champion. With `deploy` the two are the same model.
     */
    predictWith: Type.Union([Type.Literal('champion'), Type.Literal('deployed')], { default: 'champion' }),
    /** The caller's identifier of the models (free text, e.g. a device serial), in each model record. */
    identifier: Type.Optional(Type.String({ maxLength: 1000 })),
    /**
     * The folder the models are filed under (VIPER's training-data path), in each model record; no
     * files are written. A predicting call that names a folder must name this one.
     */
    folder: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export type SolutionRegistry = Static<typeof SolutionRegistrySchema>;

/** What the io, registry and classification rule need of the rest of a spec (validated there). */
export interface IoCheckedSpec {
  entityKey: boolean;
  io?: SolutionIo;
  registry?: SolutionRegistry;
  automl: { islogistic: boolean; classificationRule?: string };
  preprocess?: { conditions?: string };
}

/** The rule of `automl.classificationRule`, parsed; errors name the field. */
export function classificationRuleOf(text: string): ClassificationRule {
  try {
    return parseClassificationRule(text);
  } catch (error) {
    if (error instanceof StepInputError) {
      throw new SolutionSpecError('automl.classificationRule', error.detail);
    }
    throw error;
  }
}

/** The meaning checks of io, registry and the classification rule (`variables`: the inputs'). */
export function checkIoMeaning(spec: IoCheckedSpec, variables: ReadonlySet<string>): void {
  if (spec.io?.entity !== undefined && !spec.entityKey) {
    throw new SolutionSpecError('io.entity', 'needs entityKey: true (records keyed by entity)');
  }
  if (spec.registry?.predictWith === 'deployed' && spec.registry.deploy === false) {
    throw new SolutionSpecError(
      'registry.predictWith',
      'is deployed, but registry.deploy is false: nothing of this solution is deployed',
    );
  }
  const conditions = spec.preprocess?.conditions;
  if (conditions !== undefined) {
    try {
      parseConditions(conditions, [...variables]);
    } catch (error) {
      if (error instanceof StepInputError) throw new SolutionSpecError('preprocess.conditions', error.detail);
      throw error;
    }
  }
  const text = spec.automl.classificationRule;
  if (text === undefined) return;
  if (!spec.automl.islogistic) {
    throw new SolutionSpecError('automl.classificationRule', 'needs automl.islogistic: true (a 0/1 target)');
  }
  for (const condition of classificationRuleOf(text).conditions) {
    if (!variables.has(condition.stream)) {
      throw new SolutionSpecError(
        'automl.classificationRule',
        `names ${condition.stream}, which is not one of the input variables (${[...variables].join(', ')})`,
      );
    }
  }
}
