// /v1 schemas of the TML flow (joins, training sets, models, predictions, optimisation, anomalies,
// preprocessing, stats). Replies list their main fields and allow more (the engine's metrics and
// leaderboards grow), so clients can rely on the listed ones.
import { Type, type Static } from '@sinclair/typebox';
import { MAX_MODELRUNS } from '../../streams/index.js';
import { Contact, MAX_OFFSET, MAX_PARTITION, MAX_TOPIC_ID, TopicName } from './schemas.js';
import { MAX_PARTITIONS } from '../operations/create-topic.js';

const Name = TopicName;
const Id = Type.String({ minLength: 1, maxLength: 200 });
const Names = Type.Array(Name, { minItems: 1, maxItems: 1000 });
const Partition = Type.Integer({
  minimum: -1,
  maximum: MAX_PARTITION,
  description: '-1: every partition (the newest record wins)',
});
const open = { additionalProperties: true } as const;
const closed = { additionalProperties: false } as const;

export const CreateJoinBody = Type.Object(
  {
    topic: Name,
    streams: Names,
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS })),
    replicationFactor: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    ...Contact,
  },
  closed,
);
export type CreateJoinBody = Static<typeof CreateJoinBody>;
export const CreateJoinReply = Type.Object({
  topic: Type.String(),
  producerId: Type.String(),
  existed: Type.Boolean(),
  streams: Type.Array(Type.String()),
});

export const ProduceJoinedBody = Type.Object(
  {
    producerId: Id,
    maxRows: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_OFFSET,
        description: 'Roll each stream back this many records',
      }),
    ),
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    streams: Type.Optional(Names),
  },
  closed,
);
export type ProduceJoinedBody = Static<typeof ProduceJoinedBody>;
export const ProduceJoinedReply = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  bytesWritten: Type.Integer(),
  rows: Type.Integer({ description: 'Aligned rows: the shortest stream' }),
  streams: Type.Array(Type.Object({ topic: Type.String(), rows: Type.Integer(), skipped: Type.Integer() })),
});

export const TrainingSetBody = Type.Object(
  {
    consumeFrom: Name,
    produceTo: Name,
    dependentVariable: Name,
    independentVariables: Names,
    consumerId: Id,
    producerId: Id,
    partition: Type.Optional(Partition),
  },
  closed,
);
export type TrainingSetBody = Static<typeof TrainingSetBody>;
export const TrainingSetReply = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  rows: Type.Integer(),
  droppedRows: Type.Integer(),
  bytesWritten: Type.Integer(),
});

export const TrainBody = Type.Object(
  {
    consumeFrom: Name,
    produceTo: Name,
    consumerId: Id,
    producerId: Id,
    modelruns: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MODELRUNS })),
    islogistic: Type.Optional(Type.Boolean()),
    timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400 })),
    partition: Type.Optional(Partition),
    classificationRule: Type.Optional(
      Type.String({
        maxLength: 10000,
        description:
          'With islogistic: `classification_name=<name>:<stream>=<low>,<high>:...` (ANDed; -n/n open)',
      }),
    ),
    transform: Type.Optional(
      Type.Union([Type.Literal('log-log'), Type.Literal('log-lin'), Type.Literal('lin-log')]),
    ),
    coefficientTopic: Type.Optional(Name),
    coefficientIndexes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 1000 }), { maxItems: 1000 }),
    ),
    coefficientNames: Type.Optional(Type.Array(Type.String({ maxLength: 249 }), { maxItems: 1000 })),
    deploy: Type.Optional(Type.Boolean()),
    identifier: Type.Optional(Type.String({ maxLength: 1000 })),
    modelSearchTuner: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    offset: Type.Optional(
      Type.Integer({
        minimum: -1,
        maximum: MAX_OFFSET,
        description: 'The training set at this offset (-1: newest)',
      }),
    ),
    rollbackPercent: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'Train on the newest share of its rows (0: all)',
      }),
    ),
    dependentVariable: Type.Optional(Name),
    independentVariables: Type.Optional(Type.Array(Name, { maxItems: 1000 })),
    array: Type.Optional(
      Type.Boolean({
        description:
          'consumeFrom holds rows {"A":1,...}; dependentVariable and independentVariables name their fields',
      }),
    ),
    mainTopic: Type.Optional(Name),
  },
  closed,
);
export type TrainBody = Static<typeof TrainBody>;
export const TrainReply = Type.Object(
  {
    algokey: Type.String(),
    algo: Type.String(),
    algorithm: Type.String(),
    dependentVariable: Type.String(),
    independentVariables: Type.Array(Type.String()),
    forecastAccuracy: Type.Number({ minimum: 0, maximum: 1 }),
    metrics: Type.Record(Type.String(), Type.Number()),
    leaderboard: Type.Array(Type.Object({}, open)),
    rows: Type.Integer(),
    topic: Type.String(),
    partition: Type.Integer(),
    offset: Type.Integer(),
    createdAt: Type.String(),
  },
  open,
);

const ModelSource = {
  algokey: Type.Optional(Id),
  consumeFrom: Type.Optional(Name),
  consumerId: Type.Optional(Id),
  partition: Type.Optional(Partition),
  /** The algokey's model promoted with `deploy` instead of its latest. */
  useDeployed: Type.Optional(Type.Boolean()),
};

export const PredictBody = Type.Object(
  {
    produceTo: Name,
    producerId: Id,
    ...ModelSource,
    inputs: Type.Optional(Type.Array(Type.Number(), { minItems: 1, maxItems: 10000 })),
    stream: Type.Optional(Name),
    maxRows: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET })),
    coverage: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description:
          'Nominal coverage of the split-conformal interval (regression) or prediction set (classification); default 0.9 when the model has held-out residuals or class scores',
      }),
    ),
    explain: Type.Optional(Type.Boolean({ description: "Add each prediction's feature contributions" })),
    array: Type.Optional(
      Type.Boolean({ description: 'stream holds rows {"A":1,...} whose fields are the model inputs' }),
    ),
  },
  { ...closed, description: 'Give `inputs` (one row, in the model order) or `stream` (a joined topic)' },
);
export type PredictBody = Static<typeof PredictBody>;
export const PredictReply = Type.Object({
  predictions: Type.Array(
    Type.Object(
      {
        prediction: Type.Number(),
        probability1: Type.Optional(Type.Number()),
        accuracyThreshold: Type.Optional(Type.Number()),
        inputs: Type.Array(Type.Number()),
        interval: Type.Optional(
          Type.Object({ lower: Type.Number(), upper: Type.Number(), coverage: Type.Number() }, closed),
        ),
        predictionSet: Type.Optional(
          Type.Array(Type.Integer({ minimum: 0, maximum: 1 }), {
            maxItems: 2,
            description:
              'Classifiers: the classes of the split-conformal prediction set at `coverage` ([0, 1] when unsure, [] for an outlier)',
          }),
        ),
        coverage: Type.Optional(Type.Number({ description: 'The nominal coverage of `predictionSet`' })),
        explanation: Type.Optional(
          Type.Object(
            {
              method: Type.String(),
              output: Type.String({
                description: 'value, log-odds or probability: where baseValue + Σ = output',
              }),
              baseValue: Type.Number(),
              contributions: Type.Record(Type.String(), Type.Number()),
            },
            closed,
          ),
        ),
        algokey: Type.String(),
        partition: Type.Integer(),
        offset: Type.Integer(),
      },
      closed,
    ),
  ),
});

export const OptimizeBody = Type.Object(
  {
    produceTo: Name,
    producerId: Id,
    ...ModelSource,
    minimize: Type.Optional(Type.Boolean()),
    constraints: Type.Optional(Type.String({ maxLength: 10000, description: '`best` or `var:min:max,...`' })),
    constraintType: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    stretchBounds: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  closed,
);
export type OptimizeBody = Static<typeof OptimizeBody>;
const Bound = Type.Object({ variable: Type.String(), min: Type.Number(), max: Type.Number() });
export const OptimizeReply = Type.Object({
  objective: Type.String(),
  value: Type.Number(),
  optimalValues: Type.Record(Type.String(), Type.Number()),
  bounds: Type.Array(Bound),
  partition: Type.Integer(),
  offset: Type.Integer(),
});

/** What both anomaly calls take: a window share, a bound on the work, the main topic. */
const AnomalyControls = {
  rollbackPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400 })),
  mainTopic: Type.Optional(Name),
};

export const PeerGroupsBody = Type.Object(
  {
    consumeFrom: Name,
    consumerId: Id,
    produceTo: Name,
    producerId: Id,
    streams: Names,
    flags: Type.String({ minLength: 1, maxLength: 10000 }),
    partition: Type.Optional(Partition),
    ...AnomalyControls,
    folder: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Also write the peer groups (the training summary) here, with its producer id. */
    summaryTo: Type.Optional(Name),
    summaryProducerId: Type.Optional(Id),
    summaryConsumerId: Type.Optional(Id),
  },
  closed,
);
export type PeerGroupsBody = Static<typeof PeerGroupsBody>;
export const PeerGroupsReply = Type.Object({
  topic: Type.String(),
  partition: Type.Integer(),
  offset: Type.Integer(),
  peerGroups: Type.Array(Type.Object({}, open)),
});

export const AnomaliesBody = Type.Object(
  {
    consumeFrom: Name,
    consumerId: Id,
    inputStream: Name,
    produceTo: Name,
    producerId: Id,
    streams: Names,
    flags: Type.Optional(Type.String({ maxLength: 10000 })),
    partition: Type.Optional(Partition),
    ...AnomalyControls,
    /** The peer groups must have been filed under this folder. */
    folder: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Also write the input rows scored here, with its producer id. */
    inputTestTo: Type.Optional(Name),
    inputTestProducerId: Type.Optional(Id),
  },
  closed,
);
export type AnomaliesBody = Static<typeof AnomaliesBody>;
export const AnomaliesReply = Type.Object({
  risk: Type.Number(),
  alert: Type.Boolean(),
  anomalousStreams: Type.Array(Type.String()),
  scores: Type.Array(Type.Object({}, open)),
  partition: Type.Integer(),
  offset: Type.Integer(),
});

export const PreprocessBody = Type.Object(
  {
    producerId: Id,
    maxRows: Type.Integer({ minimum: 1, maximum: MAX_OFFSET }),
    logic: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 1000 }),
    streams: Type.Optional(Names),
    identifier: Type.Optional(Type.String({ maxLength: 4096 })),
    /** Per stream, the range of values computed over: `humidity=55,60:temperature=34,n`. */
    conditions: Type.Optional(Type.String({ maxLength: 65536 })),
    /** The device: only records keyed with it are read; outputs are named topicid<N>_... */
    topicId: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_TOPIC_ID })),
    /** Where the preprocessed streams are written (default: the joined topic). */
    preprocessTopic: Type.Optional(Type.String({ minLength: 1, maxLength: 249 })),
    /** -1: each stream's newest maxRows records; N >= 0: maxRows records from offset N on. */
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    rawData: Type.Optional(Type.Boolean()),
    /** The streams are fields of the topic's rows `{"A":1,"B":2}` (VIPER's array=1). */
    fields: Type.Optional(Type.Boolean()),
  },
  closed,
);
export type PreprocessBody = Static<typeof PreprocessBody>;
export const PreprocessReply = Type.Object({
  items: Type.Array(
    Type.Object({
      /** The preprocessed stream's name, [topicid<N>_]<stream>_preprocessed_<Type>. */
      topic: Type.String(),
      /** The topic the item was written to (the call's preprocessTopic, else the joined topic). */
      writtenTo: Type.String(),
      stream: Type.String(),
      type: Type.String(),
      value: Type.Union([Type.Number(), Type.String(), Type.Null()]),
      messages: Type.Integer(),
      conditions: Type.String(),
      rawData: Type.Optional(Type.Array(Type.Union([Type.Number(), Type.String()]))),
      msgIds: Type.Optional(Type.Array(Type.String())),
      partition: Type.Integer(),
      offset: Type.Integer(),
    }),
  ),
});

export const StatsReply = Type.Object({
  backbone: Type.String(),
  topics: Type.Array(
    Type.Object({
      topic: Type.String(),
      partitions: Type.Integer(),
      records: Type.Integer(),
      active: Type.Boolean(),
      consumers: Type.Integer(),
    }),
  ),
  producers: Type.Integer(),
  consumers: Type.Integer(),
  groups: Type.Integer(),
  joinedTopics: Type.Integer(),
  models: Type.Integer(),
});

export const JoinedPollBody = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_OFFSET })),
    partition: Type.Optional(Type.Integer({ minimum: -1, maximum: MAX_PARTITION })),
    maxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  closed,
);
export type JoinedPollBody = Static<typeof JoinedPollBody>;
export const JoinedPollReply = Type.Object({
  topic: Type.String(),
  lastOffset: Type.Integer(),
  records: Type.Array(
    Type.Object({
      partition: Type.Integer(),
      offset: Type.Integer(),
      timestamp: Type.Number(),
      value: Type.Unknown({ description: 'The record as JSON (a joined record), or its text' }),
    }),
  ),
});
